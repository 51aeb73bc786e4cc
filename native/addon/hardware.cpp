// cpuInfo() and cacheInfo(): what native/core/hw detected, for the SDK and `mlp-energy info`.
#include <napi.h>

#include "errors.hpp"
#include "gemm/kernels.hpp"
#include "gemm/tiling.hpp"
#include "hw/cache.hpp"
#include "hw/cpu.hpp"
#include "registry.hpp"

namespace mlpe::addon {

namespace {

Napi::Value CpuInfoJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const hw::CpuInfo& cpu = hw::Cpu();
    Napi::Object o = Napi::Object::New(env);
    o.Set("vendor", cpu.vendor);
    o.Set("brand", cpu.brand);
    o.Set("family", cpu.family);
    o.Set("model", cpu.model);
    o.Set("stepping", cpu.stepping);
    o.Set("logicalCores", cpu.logical_cores);
    Napi::Object flags = Napi::Object::New(env);
    flags.Set("sse2", cpu.sse2);
    flags.Set("avx", cpu.avx);
    flags.Set("fma", cpu.fma);
    flags.Set("avx2", cpu.avx2);
    flags.Set("avx512f", cpu.avx512f);
    flags.Set("avx512bw", cpu.avx512bw);
    flags.Set("avx512dq", cpu.avx512dq);
    flags.Set("avx512vl", cpu.avx512vl);
    flags.Set("osAvx", cpu.os_avx);
    flags.Set("osAvx512", cpu.os_avx512);
    o.Set("flags", flags);
    Napi::Array isas = Napi::Array::New(env);
    uint32_t n = 0;
    for (gemm::Isa isa : {gemm::Isa::Reference, gemm::Isa::Avx2, gemm::Isa::Avx512})
      if (gemm::IsaAvailable(isa)) isas.Set(n++, gemm::IsaName(isa));
    o.Set("isas", isas);
    o.Set("bestIsa", gemm::IsaName(gemm::BestIsa()));
    Napi::Object tiles = Napi::Object::New(env);
    for (gemm::Isa isa : {gemm::Isa::Reference, gemm::Isa::Avx2, gemm::Isa::Avx512}) {
      Napi::Array list = Napi::Array::New(env);
      for (const auto& k : gemm::MicroKernels()) {
        if (k.isa != isa) continue;
        Napi::Object tile = Napi::Object::New(env);
        tile.Set("mr", k.mr);
        tile.Set("nr", k.nr);
        tile.Set("kernel", k.name);
        list.Set(list.Length(), tile);
      }
      tiles.Set(gemm::IsaName(isa), list);
    }
    o.Set("microTiles", tiles);
    return o;
  });
}

Napi::Value CacheInfoJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const hw::CacheHierarchy& h = hw::Caches();
    Napi::Array levels = Napi::Array::New(env, h.levels.size());
    for (uint32_t i = 0; i < h.levels.size(); ++i) {
      const hw::CacheLevel& c = h.levels[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("level", c.level);
      o.Set("type", c.type);
      o.Set("sizeBytes", static_cast<double>(c.size_bytes));
      o.Set("lineBytes", c.line_bytes);
      o.Set("ways", c.ways);
      o.Set("sets", static_cast<double>(c.sets));
      o.Set("sharedBy", c.shared_by);
      o.Set("source", c.source);
      o.Set("note", c.note);
      levels.Set(i, o);
    }
    Napi::Array rejected = Napi::Array::New(env, h.rejected.size());
    for (uint32_t i = 0; i < h.rejected.size(); ++i) rejected.Set(i, h.rejected[i]);
    Napi::Object out = Napi::Object::New(env);
    out.Set("levels", levels);
    out.Set("rejected", rejected);
    return out;
  });
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("cpuInfo", Napi::Function::New(env, CpuInfoJs, "cpuInfo"));
  exports.Set("cacheInfo", Napi::Function::New(env, CacheInfoJs, "cacheInfo"));
}

}  // namespace

MLPE_ADDON_MODULE(hardware, Init);

}  // namespace mlpe::addon
