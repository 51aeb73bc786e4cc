// CUDA status, GPU tiling and the GPU half of trainStart for JS: cudaInfo() (availability, the reason when not, device properties)
// and gpuTilings() (the compiled tile instances) / validateGpuTiling(t). Builds without CUDA too: then
// cudaInfo reports the build-time reason and the GPU entry points throw CUDA_UNAVAILABLE.
#include <napi.h>

#include "cuda_train.hpp"
#include "errors.hpp"
#include "registry.hpp"

#ifdef MLPE_HAVE_CUDA
#include "device.hpp"
#include "gpu_tiling.hpp"
#include "train.hpp"
#endif

#ifndef MLPE_CUDA_REASON
#define MLPE_CUDA_REASON "built without CUDA"
#endif

namespace mlpe::addon {
namespace {

#ifdef MLPE_HAVE_CUDA
Napi::Object TilingToJs(Napi::Env env, const cuda::GpuTiling& t) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("bm", t.bm), o.Set("bn", t.bn), o.Set("bk", t.bk), o.Set("wm", t.wm), o.Set("wn", t.wn);
  o.Set("tm", t.tm), o.Set("tn", t.tn), o.Set("stages", t.stages);
  return o;
}

cuda::GpuTiling TilingFromJs(Napi::Env env, const Napi::Value& v) {
  if (!v.IsObject()) ThrowError(env, "INVALID_OPTION", "Expected an object for tiling", ErrorKind::Type);
  Napi::Object o = v.As<Napi::Object>();
  auto field = [&](const char* name) {
    Napi::Value f = o.Get(name);
    if (!f.IsNumber())
      ThrowError(env, "INVALID_OPTION", std::string("Expected an integer for tiling.") + name, ErrorKind::Type);
    return f.As<Napi::Number>().Int32Value();
  };
  return {field("bm"), field("bn"), field("bk"), field("wm"), field("wn"), field("tm"), field("tn"), field("stages")};
}
#endif

Napi::Value CudaInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    Napi::Object out = Napi::Object::New(env);
    Napi::Array devices = Napi::Array::New(env);
#ifdef MLPE_HAVE_CUDA
    const cuda::CudaInfo ci = cuda::QueryCudaInfo();
    out.Set("compiled", true);
    out.Set("cudaAvailable", ci.available);
    out.Set("reason", ci.available ? env.Null() : Napi::String::New(env, ci.reason));
    out.Set("runtimeVersion", ci.runtime_version);
    out.Set("driverVersion", ci.driver_version);
    for (size_t i = 0; i < ci.devices.size(); ++i) {
      const auto& d = ci.devices[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("index", d.index);
      o.Set("name", d.name);
      o.Set("computeCapability", std::to_string(d.major) + "." + std::to_string(d.minor));
      o.Set("smCount", d.sm_count);
      o.Set("l2Bytes", static_cast<double>(d.l2_bytes));
      o.Set("globalMemoryBytes", static_cast<double>(d.global_mem_bytes));
      o.Set("sharedMemoryPerSmBytes", static_cast<double>(d.shared_mem_per_sm_bytes));
      o.Set("clockKhz", d.clock_khz);
      o.Set("memoryBusBits", d.memory_bus_bits);
      o.Set("pciBusId", d.pci_bus_id);
      devices.Set(static_cast<uint32_t>(i), o);
    }
#else
    out.Set("compiled", false);
    out.Set("cudaAvailable", false);
    out.Set("reason", MLPE_CUDA_REASON);
    out.Set("runtimeVersion", 0);
    out.Set("driverVersion", 0);
#endif
    out.Set("devices", devices);
    return out;
  });
}

Napi::Value GpuTilings(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    Napi::Array list = Napi::Array::New(env);
#ifdef MLPE_HAVE_CUDA
    const auto& all = cuda::CompiledGpuTilings();
    for (size_t i = 0; i < all.size(); ++i) list.Set(static_cast<uint32_t>(i), TilingToJs(env, all[i]));
#endif
    return list;
  });
}

// Throws INVALID_TILING naming the broken rule (or the compiled list); returns the tiling's thread count.
Napi::Value ValidateGpuTiling(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
#ifdef MLPE_HAVE_CUDA
    const cuda::GpuTiling t = TilingFromJs(env, info[0]);
    cuda::Validate(t);
    Napi::Object out = Napi::Object::New(env);
    out.Set("threads", cuda::Threads(t));
    out.Set("sharedBytes", cuda::SharedBytes(t));
    return out;
#else
    ThrowError(env, "CUDA_UNAVAILABLE", std::string("GPU tilings need the CUDA build: ") + MLPE_CUDA_REASON,
               ErrorKind::State);
#endif
  });
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("cudaInfo", Napi::Function::New(env, CudaInfo, "cudaInfo"));
  exports.Set("gpuTilings", Napi::Function::New(env, GpuTilings, "gpuTilings"));
  exports.Set("validateGpuTiling", Napi::Function::New(env, ValidateGpuTiling, "validateGpuTiling"));
}

}  // namespace

GpuRunOptions ParseGpuRunOptions(Napi::Env env, const Napi::Value& gpu) {
  GpuRunOptions out;
  if (gpu.IsUndefined() || gpu.IsNull()) return out;
  if (!gpu.IsObject()) ThrowError(env, "INVALID_OPTION", "gpu must be an object", ErrorKind::Type);
#ifdef MLPE_HAVE_CUDA
  cuda::RequireDevice();
  const Napi::Object o = gpu.As<Napi::Object>();
  out.enabled = true;
  out.cuda_graph = o.Get("cudaGraph").ToBoolean().Value();
  const Napi::Value t = o.Get("tiling");
  if (!t.IsUndefined()) {
    const cuda::GpuTiling tiling = TilingFromJs(env, t);
    cuda::Validate(tiling);
    out.has_tiling = true;
    out.tiling = {tiling.bm, tiling.bn, tiling.bk, tiling.wm, tiling.wn, tiling.tm, tiling.tn, tiling.stages};
  }
  return out;
#else
  ThrowError(env, "CUDA_UNAVAILABLE", std::string("device 'gpu' needs the CUDA build: ") + MLPE_CUDA_REASON,
             ErrorKind::State);
#endif
}

nn::TrainResult TrainOnGpu(const nn::Dataset& data, const nn::TrainOptions& options, const GpuRunOptions& gpu,
                           const nn::TrainHooks& hooks) {
#ifdef MLPE_HAVE_CUDA
  cuda::GpuTrainOptions g;
  g.cuda_graph = gpu.cuda_graph;
  if (gpu.has_tiling) {
    const auto& t = gpu.tiling;
    g.tiling = cuda::GpuTiling{t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]};
  }
  return cuda::GpuTrain(data, options, g, hooks);
#else
  (void)data, (void)options, (void)gpu, (void)hooks;
  throw Error("CUDA_UNAVAILABLE", std::string("device 'gpu' needs the CUDA build: ") + MLPE_CUDA_REASON,
              ErrorKind::State);
#endif
}

}  // namespace mlpe::addon

MLPE_ADDON_MODULE(cuda, mlpe::addon::Init);
