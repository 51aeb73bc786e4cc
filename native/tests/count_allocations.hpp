// Replaces the global operator new/delete of one test executable so it can count heap allocations
// (the hot paths — a training step, an sgemm call after warm-up — must make none). Include it in exactly
// one translation unit per executable.
#pragma once
#include <atomic>
#include <cstdlib>
#include <new>

inline std::atomic<long> g_allocations{0};

void* operator new(size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
