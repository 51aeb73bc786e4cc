// Page-aligned scratch for packed panels (BLIS aligns packed buffers to 4096 B so every micro-panel
// starts on a cache line and the kernel's aligned loads are legal). Grows, never shrinks; one per
// thread (thread_local at the call site), so steady-state calls neither allocate nor fault pages.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>

namespace mlpe::gemm {

class PackBuffer {
 public:
  PackBuffer() = default;
  PackBuffer(const PackBuffer&) = delete;
  PackBuffer& operator=(const PackBuffer&) = delete;
  ~PackBuffer() { std::free(data_); }

  float* Reserve(size_t floats) {
    if (floats > capacity_) {
      constexpr size_t kPage = 4096;
      const size_t bytes = (floats * sizeof(float) + kPage - 1) / kPage * kPage;
      void* fresh = std::aligned_alloc(kPage, bytes);
      if (!fresh) throw std::bad_alloc();
      std::free(data_);
      data_ = static_cast<float*>(fresh);
      capacity_ = bytes / sizeof(float);
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace mlpe::gemm
