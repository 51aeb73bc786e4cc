// Device discovery through the CUDA runtime (statically linked: libcuda.so.1, the driver, is loaded at
// the first call, so a machine without it reports the reason instead of failing to load the addon).
#include "device.hpp"

#include <cuda_runtime.h>

#include <mutex>

#include "check.hpp"

namespace mlpe::cuda {

namespace {

std::string Reason(cudaError_t status) {
  switch (status) {
    case cudaErrorNoDevice:
      return "no CUDA device: the driver is installed but reports no GPU";
    case cudaErrorInsufficientDriver:
      return "no usable NVIDIA driver: libcuda.so.1 is missing or older than this build's CUDA runtime "
             "(install or update the NVIDIA driver)";
    case cudaErrorCompatNotSupportedOnDevice:
    case cudaErrorSystemDriverMismatch:
      return std::string("driver/runtime mismatch: ") + cudaGetErrorString(status);
    default:
      return std::string("CUDA runtime error ") + cudaGetErrorName(status) + ": " + cudaGetErrorString(status);
  }
}

}  // namespace

CudaInfo QueryCudaInfo() {
  CudaInfo info;
  cudaRuntimeGetVersion(&info.runtime_version);
  if (cudaDriverGetVersion(&info.driver_version) != cudaSuccess) info.driver_version = 0;
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count == 0) {
    info.reason = status != cudaSuccess ? Reason(status) : Reason(cudaErrorNoDevice);
    cudaGetLastError();  // clear the sticky-free error so later calls start clean
    return info;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) continue;
    DeviceProps d;
    d.index = i;
    d.name = p.name;
    d.major = p.major, d.minor = p.minor;
    d.sm_count = p.multiProcessorCount;
    d.l2_bytes = p.l2CacheSize;
    d.global_mem_bytes = static_cast<int64_t>(p.totalGlobalMem);
    d.shared_mem_per_sm_bytes = static_cast<int64_t>(p.sharedMemPerMultiprocessor);
    cudaDeviceGetAttribute(&d.clock_khz, cudaDevAttrClockRate, i);
    cudaDeviceGetAttribute(&d.memory_bus_bits, cudaDevAttrGlobalMemoryBusWidth, i);
    char bus[32] = {0};
    if (cudaDeviceGetPCIBusId(bus, sizeof bus, i) == cudaSuccess) d.pci_bus_id = bus;
    info.devices.push_back(d);
  }
  if (info.devices.empty()) {
    info.reason = "CUDA devices were counted but none could be queried";
    return info;
  }
  // The build targets sm_80 and sm_90 (SASS) with PTX for JIT on newer parts; older GPUs cannot run it.
  if (info.devices.front().major < 8) {
    info.reason = "GPU " + info.devices.front().name + " has compute capability " +
                  std::to_string(info.devices.front().major) + "." + std::to_string(info.devices.front().minor) +
                  "; this build needs 8.0 or newer (rebuild with -DCMAKE_CUDA_ARCHITECTURES=<yours>)";
    return info;
  }
  info.available = true;
  return info;
}

void RequireDevice() {
  static std::once_flag once;
  static CudaInfo info;
  std::call_once(once, [] { info = QueryCudaInfo(); });
  if (!info.available) throw Error("CUDA_UNAVAILABLE", "CUDA is not usable here: " + info.reason, ErrorKind::State);
}

int CurrentDeviceSmCount() {
  int dev = 0, sms = 0;
  MLPE_CUDA_CHECK(cudaGetDevice(&dev));
  MLPE_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
  return sms;
}

}  // namespace mlpe::cuda
