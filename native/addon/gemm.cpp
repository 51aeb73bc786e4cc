// gemm(options) and gemmAsync(options): C = alpha·op(A)·op(B) + beta·C on Float32Arrays, zero-copy.
// options: { a, b, c?, m, n, k, transA?, transB?, alpha?, beta?, lda?, ldb?, ldc?, tiling? }.
// Returns (resolves to) C; when c is omitted a zeroed m×n array is created here. The async form holds
// references to a, b and c until the worker finishes, so the GC cannot free memory the kernel reads. What a
// reference cannot stop is the caller transferring a buffer (detaching it) meanwhile: N-API offers no way to
// pin one, and copying would cost the async call up to a fifth of its time (256³), so the call stays
// zero-copy, the contract is documented, and a transfer noticed at the end rejects instead of resolving.
#include <napi.h>

#include <cmath>
#include <string>

#include "errors.hpp"
#include "gemm/gemm.hpp"
#include "registry.hpp"
#include "tiling.hpp"

namespace mlpe::addon {

namespace {

[[noreturn]] void Bad(Napi::Env env, const std::string& message, ErrorKind kind = ErrorKind::Range) {
  ThrowError(env, "INVALID_OPTION", message, kind);
}

bool Has(const Napi::Object& o, const char* key) { return o.Has(key) && !o.Get(key).IsUndefined(); }

int64_t Size(Napi::Env env, const Napi::Object& o, const char* key, int64_t fallback, bool required) {
  if (!Has(o, key)) {
    if (required) Bad(env, std::string(key) + " is required (a non-negative integer)", ErrorKind::Type);
    return fallback;
  }
  const Napi::Value v = o.Get(key);
  if (!v.IsNumber()) Bad(env, std::string(key) + " must be a non-negative integer", ErrorKind::Type);
  const double d = v.As<Napi::Number>().DoubleValue();
  // 2^31: keeps every index product within int64 and every dimension within a Float32Array's reach.
  if (!std::isfinite(d) || d != std::floor(d) || d < 0 || d > 2147483647.0)
    Bad(env, std::string(key) + " must be an integer between 0 and 2147483647 (got " + std::to_string(d) + ")");
  return static_cast<int64_t>(d);
}

bool Flag(Napi::Env env, const Napi::Object& o, const char* key) {
  if (!Has(o, key)) return false;
  if (!o.Get(key).IsBoolean()) Bad(env, std::string(key) + " must be a boolean", ErrorKind::Type);
  return o.Get(key).As<Napi::Boolean>().Value();
}

float Scalar(Napi::Env env, const Napi::Object& o, const char* key, float fallback) {
  if (!Has(o, key)) return fallback;
  if (!o.Get(key).IsNumber()) Bad(env, std::string(key) + " must be a finite number", ErrorKind::Type);
  const double d = o.Get(key).As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) Bad(env, std::string(key) + " must be a finite number");
  return static_cast<float>(d);
}

Napi::Float32Array Matrix(Napi::Env env, const Napi::Object& o, const char* key) {
  const Napi::Value v = o.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    Bad(env, std::string(key) + " must be a Float32Array", ErrorKind::Type);
  return v.As<Napi::Float32Array>();
}

// rows×cols stored with row stride ld needs (rows−1)·ld + cols elements.
void CheckExtent(Napi::Env env, const char* key, const Napi::Float32Array& arr, int64_t rows, int64_t cols,
                 int64_t ld, const char* shape) {
  const int64_t need = rows > 0 && cols > 0 ? (rows - 1) * ld + cols : 0;
  if (static_cast<int64_t>(arr.ElementLength()) < need)
    Bad(env, std::string(key) + " has " + std::to_string(arr.ElementLength()) + " elements but " + shape + " = " +
                 std::to_string(rows) + "×" + std::to_string(cols) + " with row stride " + std::to_string(ld) +
                 " needs " + std::to_string(need));
}

// From the arrays' own data pointers: ArrayBuffer() refuses a SharedArrayBuffer's arrays ("Invalid argument").
bool Overlap(const Napi::Float32Array& x, const Napi::Float32Array& y) {
  const float *xb = x.Data(), *yb = y.Data();
  const size_t xn = x.ElementLength(), yn = y.ElementLength();
  return xn > 0 && yn > 0 && xb < yb + yn && yb < xb + xn;
}

// Everything a call needs, parsed and checked on the JS thread.
struct Call {
  gemm::Args args;
  gemm::Tiling tiling;
  Napi::Float32Array a, b, c;
};

Call Parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject() || info[0].IsArray())
    Bad(env, "gemm expects one options object { a, b, c?, m, n, k, transA?, transB?, alpha?, beta?, tiling? }",
        ErrorKind::Type);
  const Napi::Object o = info[0].As<Napi::Object>();
  Call call;
  gemm::Args& g = call.args;
  g.m = Size(env, o, "m", 0, true);
  g.n = Size(env, o, "n", 0, true);
  g.k = Size(env, o, "k", 0, true);
  g.trans_a = Flag(env, o, "transA");
  g.trans_b = Flag(env, o, "transB");
  g.alpha = Scalar(env, o, "alpha", 1.0f);
  g.beta = Scalar(env, o, "beta", 0.0f);
  const int64_t a_rows = g.trans_a ? g.k : g.m, a_cols = g.trans_a ? g.m : g.k;
  const int64_t b_rows = g.trans_b ? g.n : g.k, b_cols = g.trans_b ? g.k : g.n;
  g.lda = Size(env, o, "lda", a_cols, false);
  g.ldb = Size(env, o, "ldb", b_cols, false);
  g.ldc = Size(env, o, "ldc", g.n, false);
  if (g.lda < a_cols) Bad(env, "lda must be ≥ " + std::to_string(a_cols) + " (columns of the stored A)");
  if (g.ldb < b_cols) Bad(env, "ldb must be ≥ " + std::to_string(b_cols) + " (columns of the stored B)");
  if (g.ldc < g.n) Bad(env, "ldc must be ≥ n=" + std::to_string(g.n));
  call.a = Matrix(env, o, "a");
  call.b = Matrix(env, o, "b");
  CheckExtent(env, "a", call.a, a_rows, a_cols, g.lda, g.trans_a ? "A (k×m, transA)" : "A (m×k)");
  CheckExtent(env, "b", call.b, b_rows, b_cols, g.ldb, g.trans_b ? "B (n×k, transB)" : "B (k×n)");
  if (Has(o, "c") && !o.Get("c").IsNull()) {
    call.c = Matrix(env, o, "c");
    CheckExtent(env, "c", call.c, g.m, g.n, g.ldc, "C (m×n)");
    if (Overlap(call.c, call.a) || Overlap(call.c, call.b))
      Bad(env, "c must not share memory with a or b (the result would overwrite its own inputs); pass a separate c");
  } else {
    if (g.ldc != g.n) Bad(env, "ldc needs an explicit c");
    call.c = Napi::Float32Array::New(env, static_cast<size_t>(g.m * g.n));  // zero-filled
    g.beta = 0.0f;
  }
  call.tiling = ToTiling(env, o.Get("tiling"));
  g.a = call.a.Data();
  g.b = call.b.Data();
  g.c = call.c.Data();
  return call;
}

Napi::Value Gemm(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Call call = Parse(info);
    gemm::sgemm(call.args, call.tiling);
    return call.c;
  });
}

class GemmWorker : public Napi::AsyncWorker {
 public:
  GemmWorker(Napi::Env env, const Call& call)
      : Napi::AsyncWorker(env, "mlp-energy:gemm"),
        deferred_(Napi::Promise::Deferred::New(env)),
        args_(call.args),
        tiling_(call.tiling) {
    // Strong references: the arrays (and their buffers) stay alive until OnOK/OnError.
    const Napi::Float32Array* arrays[] = {&call.a, &call.b, &call.c};
    for (int i = 0; i < 3; ++i) {
      arrays_[i] = Napi::Persistent(static_cast<Napi::Object>(*arrays[i]));
      lengths_[i] = arrays[i]->ElementLength();
    }
  }
  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {  // worker thread: no Napi calls here
    try {
      gemm::sgemm(args_, tiling_);
    } catch (...) {
      error_ = Catch(std::current_exception());
      failed_ = true;
    }
  }
  void OnOK() override {
    if (failed_) return deferred_.Reject(MakeError(Env(), error_.code, error_.message, error_.kind).Value());
    // Zero-copy means a buffer transferred meanwhile (postMessage, structuredClone) was worked on in memory
    // JS no longer owns: C cannot be trusted, so say so rather than resolve with it.
    for (int i = 0; i < 3; ++i) {
      if (arrays_[i].Value().As<Napi::Float32Array>().ElementLength() < lengths_[i]) {
        return deferred_.Reject(MakeError(Env(), "INVALID_OPTION",
                                          std::string(kNames[i]) + "'s buffer was transferred (detached) while gemmAsync "
                                          "ran, so the product is lost: keep a, b and c until the promise settles "
                                          "(transfer a copy, or share SharedArrayBuffer-backed arrays)")
                                    .Value());
      }
    }
    deferred_.Resolve(arrays_[2].Value());
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  gemm::Args args_;  // raw pointers into a, b, c, kept valid by the references below
  gemm::Tiling tiling_;
  static constexpr const char* kNames[3] = {"a", "b", "c"};
  Napi::ObjectReference arrays_[3];  // a, b, c
  size_t lengths_[3] = {};           // their elements at the call: a detached array reads as 0 after it
  CaughtError error_;
  bool failed_ = false;
};

Napi::Value GemmAsync(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Call call = Parse(info);
    auto* worker = new GemmWorker(info.Env(), call);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  });
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("gemmAsync", Napi::Function::New(env, GemmAsync, "gemmAsync"));
}

}  // namespace

MLPE_ADDON_MODULE(gemm, Init);

}  // namespace mlpe::addon
