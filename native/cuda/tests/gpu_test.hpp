// Shared by the GPU ctest executables: skip (exit 77, the SKIP_RETURN_CODE) with the reason when no
// device is usable, and a tiny CHECK that counts failures instead of aborting at the first one.
#pragma once
#include <cstdio>
#include <cstdlib>

#include "device.hpp"

namespace mlpe::cuda::test {

inline int failures = 0;

inline void SkipWithoutDevice(const char* test) {
  const CudaInfo info = QueryCudaInfo();
  if (!info.available) {
    std::printf("SKIPPED %s: %s\n", test, info.reason.c_str());
    std::exit(77);
  }
  std::printf("%s on %s (%d SMs, L2 %lld bytes)\n", test, info.devices[0].name.c_str(), info.devices[0].sm_count,
              static_cast<long long>(info.devices[0].l2_bytes));
}

}  // namespace mlpe::cuda::test

#define GPU_CHECK(cond, ...)                                        \
  do {                                                              \
    if (!(cond)) {                                                  \
      ++::mlpe::cuda::test::failures;                               \
      std::printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);   \
      std::printf(__VA_ARGS__);                                     \
      std::printf("\n");                                            \
    }                                                               \
  } while (0)
