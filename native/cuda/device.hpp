// What the CUDA runtime sees at run time: whether a usable device exists and, if not, why (no driver,
// driver too old, no device); per device the properties the energy model needs (SMs, L2 bytes).
// Plain C++ header: the addon includes it without CUDA headers.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mlpe::cuda {

struct DeviceProps {
  int index = 0;
  std::string name;
  int major = 0, minor = 0;       // compute capability
  int sm_count = 0;
  int64_t l2_bytes = 0;
  int64_t global_mem_bytes = 0;
  int64_t shared_mem_per_sm_bytes = 0;
  int clock_khz = 0;
  int memory_bus_bits = 0;
  std::string pci_bus_id;         // "0000:65:00.0": how NVML finds the same device
};

struct CudaInfo {
  bool available = false;
  std::string reason;             // why not, when !available
  int runtime_version = 0;        // e.g. 13000
  int driver_version = 0;         // 0 when no driver
  std::vector<DeviceProps> devices;
};

// Never throws: a missing driver or device is a reason, not an error.
CudaInfo QueryCudaInfo();

// Throws CUDA_UNAVAILABLE with the reason when no device can be used (entry points call this first).
void RequireDevice();

// SM count of the current device (cached per device).
int CurrentDeviceSmCount();

}  // namespace mlpe::cuda
