#include "meters/nvml.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>

#include "common/error.hpp"
#include "meters/sysfs.hpp"

namespace mlpe::meters {

namespace {

// The subset of nvml.h this file uses (stable C ABI; values from nvml.h).
using nvmlReturn_t = int;
using nvmlDevice_t = void*;
constexpr nvmlReturn_t NVML_SUCCESS = 0;
constexpr int NVML_DEVICE_ARCH_VOLTA = 5;
constexpr unsigned kNameLength = 96;  // NVML_DEVICE_NAME_V2_BUFFER_SIZE

struct ReturnRow {
  int value;
  const char* name;
  const char* code;
  const char* fix;
};
// NVML return codes (nvml.h) mapped to our codes, with what to do about each.
constexpr ReturnRow kReturns[] = {
    {1, "NVML_ERROR_UNINITIALIZED", "METER_READ_FAILED", "NVML was used before nvmlInit: a bug, please report it"},
    {2, "NVML_ERROR_INVALID_ARGUMENT", "METER_READ_FAILED", "check the selected GPU indices (gpus)"},
    {3, "NVML_ERROR_NOT_SUPPORTED", "METER_UNAVAILABLE", "this GPU does not offer the query; use another GPU or source"},
    {4, "NVML_ERROR_NO_PERMISSION", "METER_PERMISSION_DENIED", "run as a user allowed to query the GPU (check /dev/nvidia* permissions)"},
    {6, "NVML_ERROR_NOT_FOUND", "METER_UNAVAILABLE", "the GPU was not found: check gpus and CUDA_VISIBLE_DEVICES"},
    {8, "NVML_ERROR_INSUFFICIENT_POWER", "METER_READ_FAILED", "the GPU's power cables are not connected properly"},
    {9, "NVML_ERROR_DRIVER_NOT_LOADED", "METER_UNAVAILABLE", "load the NVIDIA driver (`sudo modprobe nvidia`; `nvidia-smi` should list the GPUs)"},
    {10, "NVML_ERROR_TIMEOUT", "METER_READ_FAILED", "the driver timed out: retry; check `nvidia-smi`"},
    {12, "NVML_ERROR_LIBRARY_NOT_FOUND", "METER_UNAVAILABLE", "install the NVIDIA driver's NVML library or pass its path as nvmlLibrary (--nvml-library)"},
    {13, "NVML_ERROR_FUNCTION_NOT_FOUND", "METER_UNAVAILABLE", "update the NVIDIA driver: this NVML lacks the function"},
    {15, "NVML_ERROR_GPU_IS_LOST", "METER_READ_FAILED", "the GPU fell off the bus: check `dmesg` and reset the GPU"},
    {999, "NVML_ERROR_UNKNOWN", "METER_READ_FAILED", "check `nvidia-smi` and the driver logs"},
};

}  // namespace

Error NvmlError(int nvml_return, const std::string& call, const std::string& nvml_message) {
  for (const ReturnRow& r : kReturns) {
    if (r.value == nvml_return) {
      return Error(r.code, call + " returned " + r.name + " (" + nvml_message + "). Fix: " + r.fix, ErrorKind::System);
    }
  }
  return Error("METER_READ_FAILED", call + " returned NVML error " + std::to_string(nvml_return) + " (" + nvml_message + ")",
               ErrorKind::System);
}

struct NvmlSource::Api {
  void* lib = nullptr;
  bool initialised = false;
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  const char* (*error_string)(nvmlReturn_t) = nullptr;
  nvmlReturn_t (*count)(unsigned*) = nullptr;
  nvmlReturn_t (*handle_by_index)(unsigned, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*name)(nvmlDevice_t, char*, unsigned) = nullptr;
  nvmlReturn_t (*architecture)(nvmlDevice_t, unsigned*) = nullptr;  // optional (driver >= 418)
  nvmlReturn_t (*energy)(nvmlDevice_t, unsigned long long*) = nullptr;
  nvmlReturn_t (*power)(nvmlDevice_t, unsigned*) = nullptr;

  ~Api() {
    if (initialised && shutdown) shutdown();
    if (lib) ::dlclose(lib);
  }
  std::string Message(nvmlReturn_t r) const { return error_string ? error_string(r) : "no message"; }
  void Check(nvmlReturn_t r, const char* call) const {
    if (r != NVML_SUCCESS) throw NvmlError(r, call, Message(r));
  }
  template <typename F>
  void Bind(F& fn, const char* symbol, const std::string& library, bool required = true) {
    fn = reinterpret_cast<F>(::dlsym(lib, symbol));
    if (!fn && required) {
      throw Error("METER_UNAVAILABLE",
                  library + " has no " + symbol + ": not an NVML library, or too old. Fix: update the NVIDIA driver "
                            "or pass the right nvmlLibrary (--nvml-library)",
                  ErrorKind::System);
    }
  }
};

namespace {
// CUDA_VISIBLE_DEVICES="0,2" -> {0, 2}; empty when unset or not plain indices (UUIDs, MIG names), in
// which case every GPU is measured and the caller should select with `gpus`.
std::vector<int> VisibleDevices() {
  const char* env = std::getenv("CUDA_VISIBLE_DEVICES");
  if (!env || !*env) return {};
  std::vector<int> out;
  std::string s = env;
  std::size_t i = 0;
  while (i <= s.size()) {
    std::size_t end = s.find(',', i);
    if (end == std::string::npos) end = s.size();
    auto v = ParseU64(s.substr(i, end - i));
    if (!v || *v > 1023) return {};
    out.push_back(static_cast<int>(*v));
    i = end + 1;
  }
  return out;
}
}  // namespace

NvmlSource::NvmlSource(const NvmlOptions& options) : api_(std::make_unique<Api>()), library_(options.library) {
  api_->lib = ::dlopen(library_.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!api_->lib) {
    const char* why = ::dlerror();
    throw Error("METER_UNAVAILABLE",
                "cannot load " + library_ + " (" + (why ? why : "dlopen failed") +
                    "): no NVIDIA driver here. Fix: install the NVIDIA driver (it ships libnvidia-ml.so.1) or pass "
                    "nvmlLibrary (--nvml-library) with its path",
                ErrorKind::System);
  }
  Api& a = *api_;
  a.Bind(a.init, "nvmlInit_v2", library_);
  a.Bind(a.shutdown, "nvmlShutdown", library_);
  a.Bind(a.error_string, "nvmlErrorString", library_, false);
  a.Bind(a.count, "nvmlDeviceGetCount_v2", library_);
  a.Bind(a.handle_by_index, "nvmlDeviceGetHandleByIndex_v2", library_);
  a.Bind(a.name, "nvmlDeviceGetName", library_);
  a.Bind(a.architecture, "nvmlDeviceGetArchitecture", library_, false);
  a.Bind(a.energy, "nvmlDeviceGetTotalEnergyConsumption", library_, false);
  a.Bind(a.power, "nvmlDeviceGetPowerUsage", library_);
  a.Check(a.init(), "nvmlInit_v2");
  a.initialised = true;

  unsigned count = 0;
  a.Check(a.count(&count), "nvmlDeviceGetCount_v2");
  std::vector<int> selected = options.devices.empty() ? VisibleDevices() : options.devices;
  if (selected.empty())
    for (unsigned i = 0; i < count; ++i) selected.push_back(static_cast<int>(i));
  if (selected.empty()) {
    throw Error("METER_UNAVAILABLE", "NVML sees no GPU. Fix: check `nvidia-smi`", ErrorKind::System);
  }
  for (std::size_t i = 0; i < selected.size(); ++i) {
    const int index = selected[i];
    if (index < 0 || static_cast<unsigned>(index) >= count) {
      throw Error("INVALID_OPTION", "GPU " + std::to_string(index) + " does not exist: NVML sees " +
                                        std::to_string(count) + " GPU(s), indices 0.." + std::to_string(count - 1));
    }
    // Twice would be two domains reading one counter: its energy counted twice in every total.
    if (std::find(selected.begin(), selected.begin() + i, index) != selected.begin() + i) {
      throw Error("INVALID_OPTION", "GPU " + std::to_string(index) +
                                        " is selected twice (gpus or CUDA_VISIBLE_DEVICES): list each index once");
    }
    nvmlDevice_t handle = nullptr;
    a.Check(a.handle_by_index(static_cast<unsigned>(index), &handle), "nvmlDeviceGetHandleByIndex_v2");
    NvmlDevice dev;
    dev.index = index;
    char name[kNameLength] = {0};
    if (a.name(handle, name, kNameLength) == NVML_SUCCESS) dev.name = name;
    unsigned arch = 0;
    if (a.architecture && a.architecture(handle, &arch) == NVML_SUCCESS) dev.architecture = static_cast<int>(arch);
    // The energy counter is trusted on Volta and newer only (Zeus does the same); an unknown
    // architecture gets it if the call works.
    unsigned long long mj = 0;
    dev.energy_counter = a.energy && (dev.architecture < 0 || dev.architecture >= NVML_DEVICE_ARCH_VOLTA) &&
                         a.energy(handle, &mj) == NVML_SUCCESS;
    if (!dev.energy_counter) {
      unsigned mw = 0;
      a.Check(a.power(handle, &mw), "nvmlDeviceGetPowerUsage");  // neither energy nor power: cannot measure it
    }
    Domain d;
    d.key = "gpu-" + std::to_string(index);
    d.kind = DomainKind::Gpu;
    d.device = index;
    Counter c;
    c.domain = domains_.size();
    c.reading = dev.energy_counter ? Reading::Energy : Reading::Power;
    c.modulus = 0;                // 64-bit mJ: no wrap in practice
    c.joules_per_count = 1e-3;    // mJ -> J, or mW -> W
    domains_.push_back(d);
    counters_.push_back(c);
    devices_.push_back(dev);
    handles_.push_back(handle);
  }
}

NvmlSource::~NvmlSource() = default;

std::uint64_t NvmlSource::ReadRaw(std::size_t counter) {
  const Api& a = *api_;
  if (devices_[counter].energy_counter) {
    unsigned long long mj = 0;
    a.Check(a.energy(handles_[counter], &mj), "nvmlDeviceGetTotalEnergyConsumption");
    return mj;
  }
  unsigned mw = 0;
  a.Check(a.power(handles_[counter], &mw), "nvmlDeviceGetPowerUsage");
  return mw;
}

std::string NvmlSource::Method() const {
  std::string how = "NVML (" + library_ + "):";
  for (const NvmlDevice& d : devices_) {
    how += " gpu-" + std::to_string(d.index) + " " + (d.name.empty() ? "?" : d.name) +
           (d.energy_counter ? " energy counter (mJ);" : " power (mW) integrated by the poller;");
  }
  how.pop_back();
  return how;
}

}  // namespace mlpe::meters
