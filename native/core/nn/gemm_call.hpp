// The one GEMM shape the layers need, over a scalar type T: C = op(A)·op(B) + beta·C, then bias per
// column and optional ReLU, then optionally the ReLU derivative of the layer below (gate) and C's column
// sums (its bias gradient). `GemmFor<T>::Run` performs it; float runs the blocked SGEMM with the run's
// tiling, and the float64 gradient checks (native/tests) supply a plain reference for double.
#pragma once
#include <cstdint>

#include "gemm/gemm.hpp"
#include "gemm/tiling.hpp"

namespace mlpe::nn {

template <typename T>
struct GemmCall {
  bool trans_a = false, trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  const T* a = nullptr;
  int64_t lda = 0;
  const T* b = nullptr;
  int64_t ldb = 0;
  T beta = 0;
  T* c = nullptr;
  int64_t ldc = 0;
  const T* bias = nullptr;
  bool relu = false;
  const T* gate = nullptr;  // C := C ⊙ [gate > 0] (ldgate apart), after bias and ReLU
  int64_t ldgate = 0;
  T* column_sums = nullptr;  // := the column sums of the final C
};

template <typename T>
struct GemmFor;  // specialised per scalar type

template <>
struct GemmFor<float> {
  static void Run(const GemmCall<float>& g, const gemm::Tiling& tiling) { gemm::sgemm(ArgsOf(g), tiling); }
  // Whether the product applies gate and column_sums in its store (else a scalar sweep after it).
  static bool FusesGate(const GemmCall<float>& g, const gemm::Tiling& tiling) {
    return gemm::GateFusesInStore(ArgsOf(g), tiling);
  }
  static gemm::Args ArgsOf(const GemmCall<float>& g) {
    gemm::Args args;
    args.trans_a = g.trans_a;
    args.trans_b = g.trans_b;
    args.m = g.m, args.n = g.n, args.k = g.k;
    args.a = g.a, args.lda = g.lda;
    args.b = g.b, args.ldb = g.ldb;
    args.beta = g.beta;
    args.c = g.c, args.ldc = g.ldc;
    args.epilogue.bias = g.bias;
    args.epilogue.relu = g.relu;
    args.epilogue.gate = g.gate;
    args.epilogue.ldgate = g.ldgate;
    args.epilogue.column_sums = g.column_sums;
    return args;
  }
};

}  // namespace mlpe::nn
