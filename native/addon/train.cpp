// trainStart(options, onEpoch, cancel) → Promise<{ epochs, seconds, cancelled }>: one BUTTER training
// run (native/core/nn/trainer) on a worker thread. After each epoch the worker queues its figures to
// onEpoch on the JS thread. It reads `cancel` (an Int32Array on a SharedArrayBuffer that the SDK sets
// from an AbortSignal) before every minibatch and stops when it is non-zero, dropping the epoch in
// progress, so an abort lands within a minibatch however long an epoch is. The matrices are copied in
// on the JS thread, so the caller may reuse or transfer them while the run goes on.
//
// options: { inputs, widths, residual, head, xTrain, yTrain, xTest, yTest, epochs, batchSize,
//            learningRate, seed, tiling } — already validated by lib/train.ts; checked again here
//            so direct callers get clear errors too.
#include <napi.h>

#include <atomic>
#include <cmath>
#include <string>

#include "cuda_train.hpp"
#include "errors.hpp"
#include "nn/spec.hpp"
#include "nn/trainer.hpp"
#include "registry.hpp"
#include "tiling.hpp"

namespace mlpe::addon {

namespace {

[[noreturn]] void Bad(Napi::Env env, const std::string& message, ErrorKind kind = ErrorKind::Range) {
  ThrowError(env, "INVALID_OPTION", message, kind);
}

double Number(Napi::Env env, const Napi::Object& o, const char* key) {
  const Napi::Value v = o.Get(key);
  if (!v.IsNumber()) Bad(env, std::string(key) + " must be a number", ErrorKind::Type);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) Bad(env, std::string(key) + " must be finite");
  return d;
}

int64_t Integer(Napi::Env env, const Napi::Object& o, const char* key, int64_t min, int64_t max) {
  const double d = Number(env, o, key);
  if (d != std::floor(d) || d < static_cast<double>(min) || d > static_cast<double>(max))
    Bad(env, std::string(key) + " must be an integer between " + std::to_string(min) + " and " + std::to_string(max));
  return static_cast<int64_t>(d);
}

std::vector<float> CopyMatrix(Napi::Env env, const Napi::Object& o, const char* key) {
  const Napi::Value v = o.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    ThrowError(env, "INVALID_DATA", std::string(key) + " must be a Float32Array", ErrorKind::Type);
  const auto a = v.As<Napi::Float32Array>();
  return std::vector<float>(a.Data(), a.Data() + a.ElementLength());
}

// "auto" when absent (lib/train.ts validated it).
nn::Parallel ParseParallel(Napi::Env env, const Napi::Value& v) {
  if (v.IsUndefined()) return nn::Parallel::Auto;
  const std::string name = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (name == "auto") return nn::Parallel::Auto;
  if (name == "gemm") return nn::Parallel::Gemm;
  if (name == "rows") return nn::Parallel::Rows;
  Bad(env, "parallel must be \"auto\", \"gemm\" or \"rows\"", ErrorKind::Type);
}

nn::Head ParseHead(Napi::Env env, const Napi::Value& v) {
  const std::string name = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  for (nn::Head h : {nn::Head::SigmoidMse, nn::Head::SigmoidBce, nn::Head::SoftmaxCce})
    if (name == nn::HeadName(h)) return h;
  Bad(env, "head must be \"sigmoid_mse\", \"sigmoid_bce\" or \"softmax_cce\"", ErrorKind::Type);
}

struct Run {
  nn::Dataset data;
  nn::TrainOptions options;
  GpuRunOptions gpu;  // enabled: device 'gpu' (cuda_train.hpp)
};

Run Parse(Napi::Env env, const Napi::Object& o) {
  Run run;
  nn::NetworkSpec& spec = run.options.network;
  spec.inputs = Integer(env, o, "inputs", 1, int64_t{1} << 31);
  const Napi::Value widths = o.Get("widths"), residual = o.Get("residual");
  if (!widths.IsArray() || !residual.IsArray()) Bad(env, "widths and residual must be arrays", ErrorKind::Type);
  const auto w = widths.As<Napi::Array>(), r = residual.As<Napi::Array>();
  for (uint32_t i = 0; i < w.Length(); ++i) {
    const Napi::Value x = w.Get(i);
    if (!x.IsNumber()) Bad(env, "widths must hold integers", ErrorKind::Type);
    spec.widths.push_back(static_cast<int64_t>(x.As<Napi::Number>().DoubleValue()));
  }
  for (uint32_t i = 0; i < r.Length(); ++i) spec.residual.push_back(r.Get(i).ToBoolean().Value());
  spec.head = ParseHead(env, o.Get("head"));
  nn::Validate(spec);
  run.data.inputs = spec.inputs;
  run.data.outputs = spec.outputs();
  run.data.x_train = CopyMatrix(env, o, "xTrain");
  run.data.y_train = CopyMatrix(env, o, "yTrain");
  run.data.x_test = CopyMatrix(env, o, "xTest");
  run.data.y_test = CopyMatrix(env, o, "yTest");
  run.options.epochs = static_cast<int>(Integer(env, o, "epochs", 0, 1 << 30));
  run.options.batch_size = Integer(env, o, "batchSize", 1, int64_t{1} << 31);
  run.options.adam.learning_rate = Number(env, o, "learningRate");
  run.options.seed = static_cast<uint64_t>(Integer(env, o, "seed", 0, (int64_t{1} << 53) - 1));
  run.options.tiling = ToTiling(env, o.Get("tiling"));
  run.options.parallel = ParseParallel(env, o.Get("parallel"));
  run.gpu = ParseGpuRunOptions(env, o.Get("gpu"));
  return run;
}

Napi::Object EpochObject(Napi::Env env, const nn::EpochStats& s) {
  Napi::Object e = Napi::Object::New(env);
  e.Set("epoch", s.epoch);
  e.Set("trainLoss", s.train_loss);
  e.Set("testLoss", s.test_loss);
  e.Set("testAccuracy", s.test_accuracy);
  e.Set("seconds", s.seconds);
  return e;
}

class TrainWorker : public Napi::AsyncProgressQueueWorker<nn::EpochStats> {
 public:
  TrainWorker(Napi::Env env, Run run, Napi::Function on_epoch, Napi::Int32Array cancel)
      : Napi::AsyncProgressQueueWorker<nn::EpochStats>(env, "mlp-energy:train"),
        deferred_(Napi::Promise::Deferred::New(env)),
        run_(std::move(run)),
        cancel_flag_(cancel.Data()) {
    if (!on_epoch.IsEmpty()) on_epoch_ = Napi::Persistent(on_epoch);
    cancel_ = Napi::Persistent(static_cast<Napi::Object>(cancel));  // keeps the flag's memory alive
  }
  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute(const ExecutionProgress& progress) override {  // worker thread: no Napi calls
    try {
      const auto stop_requested = [&] { return __atomic_load_n(cancel_flag_, __ATOMIC_ACQUIRE) != 0; };
      nn::TrainHooks hooks;
      hooks.on_epoch = [&](const nn::EpochStats& stats) {
        progress.Send(&stats, 1);
        return !stop_requested();
      };
      hooks.stop_requested = stop_requested;
      result_ = run_.gpu.enabled ? TrainOnGpu(run_.data, run_.options, run_.gpu, hooks)
                                 : nn::Train(run_.data, run_.options, hooks);
      if (stop_requested()) result_.cancelled = true;
    } catch (...) {
      error_ = Catch(std::current_exception());
      failed_ = true;
    }
  }

  void OnProgress(const nn::EpochStats* stats, size_t count) override {
    if (on_epoch_.IsEmpty()) return;
    Napi::HandleScope scope(Env());
    for (size_t i = 0; i < count; ++i) {
      // A throwing onEpoch must not take the process down; it is reported when the run settles.
      try {
        on_epoch_.Call({EpochObject(Env(), stats[i])});
      } catch (const Napi::Error& e) {
        if (callback_error_.IsEmpty()) callback_error_ = Napi::Persistent(e.Value());
        __atomic_store_n(cancel_flag_, 1, __ATOMIC_RELEASE);
      }
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (failed_) return deferred_.Reject(MakeError(env, error_.code, error_.message, error_.kind).Value());
    if (!callback_error_.IsEmpty()) return deferred_.Reject(callback_error_.Value());
    Napi::Object out = Napi::Object::New(env);
    Napi::Array epochs = Napi::Array::New(env, result_.epochs.size());
    for (size_t i = 0; i < result_.epochs.size(); ++i) epochs.Set(static_cast<uint32_t>(i), EpochObject(env, result_.epochs[i]));
    out.Set("epochs", epochs);
    out.Set("seconds", result_.seconds);
    out.Set("cancelled", result_.cancelled);
    out.Set("tiling", FromTiling(env, run_.options.tiling));
    if (!run_.gpu.enabled) out.Set("parallel", result_.parallel == nn::Parallel::Rows ? "rows" : "gemm");
    deferred_.Resolve(out);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Run run_;
  int32_t* cancel_flag_;
  Napi::FunctionReference on_epoch_;
  Napi::ObjectReference cancel_;
  Napi::ObjectReference callback_error_;
  nn::TrainResult result_;
  CaughtError error_;
  bool failed_ = false;
};

Napi::Value TrainStart(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsObject())
      Bad(env, "trainStart expects (options, onEpoch | undefined, cancel: Int32Array)", ErrorKind::Type);
    if (!info[1].IsUndefined() && !info[1].IsFunction()) Bad(env, "onEpoch must be a function", ErrorKind::Type);
    if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
        info[2].As<Napi::TypedArray>().ElementLength() < 1)
      Bad(env, "cancel must be an Int32Array of length ≥ 1", ErrorKind::Type);
    Run run = Parse(env, info[0].As<Napi::Object>());
    auto* worker = new TrainWorker(env, std::move(run), info[1].IsFunction() ? info[1].As<Napi::Function>() : Napi::Function(),
                                   info[2].As<Napi::Int32Array>());
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  });
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("trainStart", Napi::Function::New(env, TrainStart, "trainStart"));
}

}  // namespace

MLPE_ADDON_MODULE(train, Init);

}  // namespace mlpe::addon
