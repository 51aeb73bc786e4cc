// Meters binding: converts options and results; every decision lives in native/core/meters.
#include <napi.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "errors.hpp"
#include "meters/explain.hpp"
#include "meters/open.hpp"
#include "registry.hpp"

namespace mlpe::addon {

namespace {

using namespace mlpe::meters;

std::string OptString(const Napi::Object& o, const char* key, const std::string& fallback) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : fallback;
}
double OptNumber(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}
bool OptBool(const Napi::Object& o, const char* key, bool fallback) {
  Napi::Value v = o.Get(key);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : fallback;
}

// The TS layer validated every option (lib/meters.ts); this only copies them.
OpenOptions ToOptions(const Napi::Value& value) {
  OpenOptions o;
  if (!value.IsObject()) return o;
  Napi::Object js = value.As<Napi::Object>();
  o.cpu = OptString(js, "cpu", o.cpu);
  o.gpu = OptString(js, "gpu", o.gpu);
  if (js.Get("domains").IsArray()) {
    Napi::Array domains = js.Get("domains").As<Napi::Array>();
    for (std::uint32_t i = 0; i < domains.Length(); ++i) o.domains.push_back(domains.Get(i).ToString().Utf8Value());
  }
  o.powercap.root = OptString(js, "powercapRoot", o.powercap.root);
  o.msr.path_pattern = OptString(js, "msrPath", o.msr.path_pattern);
  o.msr.cpu_sysfs_root = OptString(js, "cpuSysfsRoot", o.msr.cpu_sysfs_root);
  if (js.Get("cpuid").IsObject()) {
    Napi::Object id = js.Get("cpuid").As<Napi::Object>();
    o.msr.vendor = OptString(id, "vendor", "");
    o.msr.family = static_cast<int>(OptNumber(id, "family", 0));
    o.msr.model = static_cast<int>(OptNumber(id, "model", 0));
  }
  o.perf.root = OptString(js, "perfRoot", o.perf.root);
  o.perf.paranoid_path = OptString(js, "perfParanoidPath", o.perf.paranoid_path);
  o.nvml.library = OptString(js, "nvmlLibrary", o.nvml.library);
  if (js.Get("gpus").IsArray()) {
    Napi::Array gpus = js.Get("gpus").As<Napi::Array>();
    for (std::uint32_t i = 0; i < gpus.Length(); ++i) o.nvml.devices.push_back(gpus.Get(i).As<Napi::Number>().Int32Value());
  }
  o.estimate.watts_per_core = OptNumber(js, "wattsPerCore", o.estimate.watts_per_core);
  o.estimate.self = OptBool(js, "estimateSelf", o.estimate.self);
  o.estimate.children = OptBool(js, "estimateChildren", o.estimate.children);
  o.poller.thread = OptBool(js, "poll", o.poller.thread);
  o.poller.power_ceiling_w = OptNumber(js, "powerCeilingW", o.poller.power_ceiling_w);
  o.poller.min_period_s = OptNumber(js, "minPeriodS", o.poller.min_period_s);
  o.poller.power_period_s = OptNumber(js, "powerPeriodS", o.poller.power_period_s);
  o.poller.trace_hz = OptNumber(js, "traceHz", o.poller.trace_hz);
  o.poller.trace_capacity = static_cast<std::size_t>(OptNumber(js, "traceCapacity", 0));
  return o;
}

Napi::Array StatusesToJs(Napi::Env env, const std::vector<SourceStatus>& statuses) {
  Napi::Array out = Napi::Array::New(env, statuses.size());
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    const SourceStatus& s = statuses[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("source", s.source);
    o.Set("available", s.available);
    o.Set("selected", s.selected);
    o.Set("estimated", s.estimated);
    o.Set("method", s.method);
    o.Set("code", s.code);
    o.Set("reason", s.reason);
    o.Set("fix", s.fix);
    o.Set("rootOnly", s.root_only);
    Napi::Array domains = Napi::Array::New(env, s.domains.size());
    for (std::size_t d = 0; d < s.domains.size(); ++d) domains.Set(d, s.domains[d]);
    o.Set("domains", domains);
    out.Set(i, o);
  }
  return out;
}

// What the window functions and the wrap share: the meters (null once closed) and end()'s result buffer.
// The functions hold it too, so it outlives whichever of them the GC finalizes first.
struct WindowState {
  std::unique_ptr<Meters> meters;
  Napi::Reference<Napi::ArrayBuffer> out_ref;  // keeps `out` alive: its backing store never moves
  double* out = nullptr;                       // seconds, joules per domain, below-resolution flags
  std::size_t domains = 0;
};
using SharedState = std::shared_ptr<WindowState>;

Meters& Live(Napi::Env env, WindowState& state) {
  if (!state.meters) ThrowError(env, "METER_CLOSED", "these meters were closed: open new ones with openMeters()", ErrorKind::State);
  return *state.meters;
}

// begin(name?): window id. A plain function bound to its meters (no per-call unwrap of `this`). Unnamed
// windows pass nothing; a name up to 255 bytes is copied into a stack buffer, so a window allocates nothing.
Napi::Value WindowBegin(const Napi::CallbackInfo& info) {
  Meters& m = Live(info.Env(), *static_cast<WindowState*>(info.Data()));
  if (info.Length() == 0 || !info[0].IsString()) {
    return Guard(info.Env(), [&] { return Napi::Number::New(info.Env(), m.Begin()); });
  }
  char buf[256];
  std::size_t length = 0;
  std::string long_name;
  std::string_view name;
  if (napi_get_value_string_utf8(info.Env(), info[0], buf, sizeof buf, &length) == napi_ok && length + 1 < sizeof buf) {
    name = std::string_view(buf, length);
  } else {
    long_name = info[0].As<Napi::String>().Utf8Value();  // longer than the buffer: the whole name
    name = long_name;
  }
  return Guard(info.Env(), [&] { return Napi::Number::New(info.Env(), m.Begin(name)); });
}

// end(id): writes the window into the shared buffer: out[0] = seconds, then joules per domain (NaN: not
// readable), then 1/0 below-resolution flags.
Napi::Value WindowEnd(const Napi::CallbackInfo& info) {
  WindowState& state = *static_cast<WindowState*>(info.Data());
  Meters& m = Live(info.Env(), state);
  // Ids are 1..2^32-1; anything else (1.5, 2^32 + 1) must not truncate onto an open window's id.
  const double raw = info[0].As<Napi::Number>().DoubleValue();
  const WindowId id = raw >= 1 && raw <= std::numeric_limits<WindowId>::max() && raw == std::floor(raw)
                          ? static_cast<WindowId>(raw)
                          : 0;
  Guard(info.Env(), [&] { state.out[0] = m.EndInto(id, state.out + 1, state.out + 1 + state.domains); });
  return info.Env().Undefined();
}

class MetersWrap : public Napi::ObjectWrap<MetersWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Meters",
                       {InstanceMethod<&MetersWrap::Domains>("domains"),
                        InstanceMethod<&MetersWrap::Sources>("sources"),
                        InstanceMethod<&MetersWrap::Window>("window"),
                        InstanceMethod<&MetersWrap::Sample>("sample"),
                        InstanceMethod<&MetersWrap::Totals>("totals"),
                        InstanceMethod<&MetersWrap::Stats>("stats"),
                        InstanceMethod<&MetersWrap::Trace>("trace"),
                        InstanceMethod<&MetersWrap::Now>("now"),
                        InstanceMethod<&MetersWrap::LastError>("lastError"),
                        InstanceMethod<&MetersWrap::RawReadNs>("rawReadNs"),
                        InstanceMethod<&MetersWrap::EdgeNs>("edgeNs"),
                        InstanceMethod<&MetersWrap::Close>("close")});
  }

  explicit MetersWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MetersWrap>(info) {
    Guard(info.Env(), [&] {
      Opened opened = Open(ToOptions(info[0]));
      state_->meters = std::move(opened.meters);
      statuses_ = std::move(opened.statuses);
    });
  }

 private:
  Meters& Get(Napi::Env env) { return Live(env, *state_); }

  // window(): { begin, end, out }: the window hot path as two functions bound to these meters and the
  // Float64Array that end() fills (created once here, so no call converts a typed array).
  Napi::Value Window(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Meters& m = Get(env);
    if (!state_->out) {
      state_->domains = m.Domains().size();
      const std::size_t n = 1 + 2 * state_->domains;
      Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, n * sizeof(double));
      state_->out = static_cast<double*>(buffer.Data());
      state_->out_ref = Napi::Persistent(buffer);
    }
    Napi::Object o = Napi::Object::New(env);
    auto bind = [&](Napi::Function fn) {
      fn.AddFinalizer([](Napi::Env, SharedState* held) { delete held; }, new SharedState(state_));
      return fn;
    };
    o.Set("begin", bind(Napi::Function::New<WindowBegin>(env, "begin", state_.get())));
    o.Set("end", bind(Napi::Function::New<WindowEnd>(env, "end", state_.get())));
    Napi::ArrayBuffer buffer = state_->out_ref.Value();
    o.Set("out", Napi::Float64Array::New(env, 1 + 2 * state_->domains, buffer, 0));
    return o;
  }

  Napi::Value Domains(const Napi::CallbackInfo& info) {
    Meters& m = Get(info.Env());
    const auto& domains = m.Domains();
    Napi::Array out = Napi::Array::New(info.Env(), domains.size());
    for (std::size_t i = 0; i < domains.size(); ++i) {
      const MeterDomain& d = domains[i];
      const EnergySource& src = *m.Sources()[d.source];
      Napi::Object o = Napi::Object::New(info.Env());
      o.Set("key", d.key);
      o.Set("kind", DomainKindName(d.kind));
      o.Set("device", d.device);
      o.Set("includedIn", d.included_in);
      o.Set("inTotal", d.in_total);
      o.Set("source", src.Name());
      o.Set("estimated", src.Estimated());
      o.Set("method", src.Method());
      o.Set("updateIntervalS", src.UpdateIntervalS());
      out.Set(i, o);
    }
    return out;
  }

  Napi::Value Sources(const Napi::CallbackInfo& info) { return StatusesToJs(info.Env(), statuses_); }

  Napi::Value Sample(const Napi::CallbackInfo& info) {
    Meters& m = Get(info.Env());
    m.Sample();
    return info.Env().Undefined();
  }

  Napi::Value Totals(const Napi::CallbackInfo& info) {
    Meters& m = Get(info.Env());
    std::vector<double> j = m.TotalJoules();
    Napi::Float64Array out = Napi::Float64Array::New(info.Env(), j.size());
    for (std::size_t i = 0; i < j.size(); ++i) out[i] = j[i];
    return out;
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    PollerStats s = Get(info.Env()).Stats();
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("periodS", std::isfinite(s.period_s) ? Napi::Value(Napi::Number::New(info.Env(), s.period_s)) : info.Env().Null());
    o.Set("samples", static_cast<double>(s.samples));
    o.Set("cpuS", s.cpu_s);
    o.Set("wallS", s.wall_s);
    return o;
  }

  Napi::Value Trace(const Napi::CallbackInfo& info) {
    TraceSnapshot t = Get(info.Env()).Trace();
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    Napi::Float64Array ts = Napi::Float64Array::New(env, t.t_s.size());
    for (std::size_t i = 0; i < t.t_s.size(); ++i) ts[i] = t.t_s[i];
    Napi::Array power = Napi::Array::New(env, t.power_w.size());
    for (std::size_t d = 0; d < t.power_w.size(); ++d) {
      Napi::Float64Array p = Napi::Float64Array::New(env, t.power_w[d].size());
      for (std::size_t i = 0; i < t.power_w[d].size(); ++i) p[i] = t.power_w[d][i];
      power.Set(d, p);
    }
    o.Set("tS", ts);
    o.Set("powerW", power);
    o.Set("dropped", static_cast<double>(t.dropped));
    return o;
  }

  Napi::Value Now(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), Get(info.Env()).Now()); }

  Napi::Value LastError(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), Get(info.Env()).LastError()); }

  // rawReadNs(source, iterations, counter = 0); edgeNs(iterations): bench timings, loops inside C++.
  Napi::Value RawReadNs(const Napi::CallbackInfo& info) {
    Meters& m = Get(info.Env());
    const auto s = static_cast<std::size_t>(info[0].As<Napi::Number>().Uint32Value());
    const auto n = static_cast<std::size_t>(info[1].As<Napi::Number>().Uint32Value());
    const auto c = info[2].IsNumber() ? static_cast<std::size_t>(info[2].As<Napi::Number>().Uint32Value()) : 0;
    return Guard(info.Env(), [&] { return Napi::Number::New(info.Env(), m.RawReadNs(s, n, c)); });
  }

  Napi::Value EdgeNs(const Napi::CallbackInfo& info) {
    Meters& m = Get(info.Env());
    const auto n = static_cast<std::size_t>(info[0].As<Napi::Number>().Uint32Value());
    return Guard(info.Env(), [&] { return Napi::Number::New(info.Env(), m.EdgeNs(n)); });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    state_->meters.reset();  // joins the poller, closes every fd / dlclose
    return info.Env().Undefined();
  }

  SharedState state_ = std::make_shared<WindowState>();
  std::vector<SourceStatus> statuses_;
};

Napi::Value Probe(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&] { return Napi::Value(StatusesToJs(info.Env(), mlpe::meters::Probe(ToOptions(info[0])))); });
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Meters", MetersWrap::Define(env));
  exports.Set("metersProbe", Napi::Function::New(env, Probe, "metersProbe"));
}

}  // namespace

MLPE_ADDON_MODULE(meters, Init);

}  // namespace mlpe::addon
