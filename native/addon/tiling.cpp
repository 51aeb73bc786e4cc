// defaultTiling({ isa?, threads? }), validateTiling(partial) and the derivation of the defaults.
#include "tiling.hpp"

#include <cmath>
#include <string>

#include "errors.hpp"
#include "hw/cpu.hpp"
#include "registry.hpp"

namespace mlpe::addon {

namespace {

bool Has(const Napi::Object& o, const char* key) { return o.Has(key) && !o.Get(key).IsUndefined(); }

int IntField(Napi::Env env, const Napi::Object& o, const char* key) {
  const Napi::Value v = o.Get(key);
  if (!v.IsNumber())
    ThrowError(env, "INVALID_TILING", std::string("tiling.") + key + " must be an integer", ErrorKind::Type);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 1e9)
    ThrowError(env, "INVALID_TILING", std::string("tiling.") + key + " must be an integer (got " + std::to_string(d) + ")");
  return static_cast<int>(d);
}

gemm::Isa IsaField(Napi::Env env, const Napi::Object& o) {
  const Napi::Value v = o.Get("isa");
  gemm::Isa isa;
  if (!v.IsString() || !gemm::ParseIsa(v.As<Napi::String>().Utf8Value(), &isa))
    ThrowError(env, "INVALID_TILING", "tiling.isa must be one of \"reference\", \"avx2\", \"avx512\"",
               v.IsString() ? ErrorKind::Range : ErrorKind::Type);
  return isa;
}

// Base tiling for a request: the default of its ISA (or the best) and thread count (or all cores).
gemm::Tiling Base(Napi::Env env, const Napi::Object& o) {
  const gemm::Isa isa = Has(o, "isa") ? IsaField(env, o) : gemm::BestIsa();
  const int threads = Has(o, "threads") ? IntField(env, o, "threads") : hw::Cpu().logical_cores;
  gemm::Tiling t = gemm::DefaultTiling(isa, std::max(threads, 1));
  t.threads = threads;
  return t;
}

Napi::Value DefaultTilingJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Napi::Object o = info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(info.Env());
    gemm::Tiling t = Base(info.Env(), o);
    gemm::Validate(t);
    return FromTiling(info.Env(), t);
  });
}

Napi::Value ValidateTilingJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value { return FromTiling(info.Env(), ToTiling(info.Env(), info[0])); });
}

Napi::Value DerivationJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Napi::Object o = info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(info.Env());
    const gemm::Tiling t = Base(info.Env(), o);
    const auto lines = gemm::DefaultTilingDerivation(t.isa, std::max(t.threads, 1));
    Napi::Array out = Napi::Array::New(info.Env(), lines.size());
    for (uint32_t i = 0; i < lines.size(); ++i) out.Set(i, lines[i]);
    return out;
  });
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("defaultTiling", Napi::Function::New(env, DefaultTilingJs, "defaultTiling"));
  exports.Set("validateTiling", Napi::Function::New(env, ValidateTilingJs, "validateTiling"));
  exports.Set("defaultTilingDerivation", Napi::Function::New(env, DerivationJs, "defaultTilingDerivation"));
}

}  // namespace

gemm::Tiling ToTiling(Napi::Env env, Napi::Value value) {
  if (value.IsUndefined() || value.IsNull()) {
    gemm::Tiling t = gemm::DefaultTiling();
    return t;
  }
  if (!value.IsObject() || value.IsArray())
    ThrowError(env, "INVALID_TILING", "tiling must be an object { mc, kc, nc, mr, nr, threads, isa }", ErrorKind::Type);
  const Napi::Object o = value.As<Napi::Object>();
  gemm::Tiling t = Base(env, o);
  if (Has(o, "mc")) t.mc = IntField(env, o, "mc");
  if (Has(o, "kc")) t.kc = IntField(env, o, "kc");
  if (Has(o, "nc")) t.nc = IntField(env, o, "nc");
  if (Has(o, "mr")) t.mr = IntField(env, o, "mr");
  if (Has(o, "nr")) t.nr = IntField(env, o, "nr");
  if (Has(o, "sup")) {
    if (!o.Get("sup").IsBoolean()) ThrowError(env, "INVALID_TILING", "tiling.sup must be a boolean", ErrorKind::Type);
    t.sup = o.Get("sup").As<Napi::Boolean>().Value();
  }
  gemm::Validate(t);
  return t;
}

Napi::Object FromTiling(Napi::Env env, const gemm::Tiling& t) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("mc", t.mc);
  o.Set("kc", t.kc);
  o.Set("nc", t.nc);
  o.Set("mr", t.mr);
  o.Set("nr", t.nr);
  o.Set("threads", t.threads);
  o.Set("isa", gemm::IsaName(t.isa));
  o.Set("sup", t.sup);
  return o;
}

MLPE_ADDON_MODULE(tiling, Init);

}  // namespace mlpe::addon
