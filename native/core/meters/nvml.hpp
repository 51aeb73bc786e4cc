// NVIDIA GPU energy through NVML, loaded with dlopen (never linked, so the package installs and runs
// without a driver). Volta and newer: nvmlDeviceGetTotalEnergyConsumption, a 64-bit mJ counter since
// driver load. Older GPUs: nvmlDeviceGetPowerUsage (mW) integrated by the poller. Usable from plain C++
// (a GPU check executable) without Meters: construct NvmlSource and call ReadRaw / Devices.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "meters/source.hpp"

namespace mlpe::meters {

struct NvmlOptions {
  std::string library = "libnvidia-ml.so.1";
  // NVML indices to measure. Empty: CUDA_VISIBLE_DEVICES when it lists plain indices, else every GPU.
  std::vector<int> devices;
};

struct NvmlDevice {
  int index = 0;                 // NVML index
  std::string name;              // "NVIDIA H100 80GB HBM3"
  int architecture = -1;         // nvmlDeviceArchitecture_t (5 = Volta, 9 = Hopper); -1 unknown
  bool energy_counter = false;   // true: TotalEnergyConsumption; false: power sampled and integrated
};

// NVML return code -> mlpe::Error with our code and the fix (NO_PERMISSION -> METER_PERMISSION_DENIED,
// DRIVER_NOT_LOADED / LIBRARY_NOT_FOUND / NOT_SUPPORTED -> METER_UNAVAILABLE, ...). `call` names the API.
Error NvmlError(int nvml_return, const std::string& call, const std::string& nvml_message);

class NvmlSource final : public EnergySource {
 public:
  // Throws METER_UNAVAILABLE (no library, no driver, no GPU), METER_PERMISSION_DENIED, INVALID_OPTION
  // (a selected index that does not exist).
  explicit NvmlSource(const NvmlOptions& options = {});
  ~NvmlSource() override;
  const char* Name() const override { return "nvml"; }
  const std::vector<Domain>& Domains() const override { return domains_; }
  const std::vector<Counter>& Counters() const override { return counters_; }
  // Energy devices: mJ since driver load. Power-only devices: mW now.
  std::uint64_t ReadRaw(std::size_t counter) override;
  // The energy counter's update period: measured 99.9 ms median (97.6-102.6) on an H200 with
  // bench/meters/real_counters.sh; older reports say ~10 ms on other GPUs. 100 ms flags short windows.
  double UpdateIntervalS() const override { return 0.1; }
  std::string Method() const override;
  const std::vector<NvmlDevice>& Devices() const { return devices_; }

 private:
  struct Api;
  std::unique_ptr<Api> api_;
  std::vector<NvmlDevice> devices_;
  std::vector<void*> handles_;
  std::vector<Domain> domains_;
  std::vector<Counter> counters_;
  std::string library_;
};

}  // namespace mlpe::meters
