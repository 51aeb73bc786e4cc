// The warp-tiled SIMT SGEMM kernel (strict fp32: FFMA only, no tensor cores), after CUTLASS's SIMT
// path and siboehm's kernel 10. Row-major; op(A) is m×k, op(B) is k×n. Per CTA:
//   gmem --float4--> registers --> smem As[k][m] (A stored k-major so fragments along m are float4)
//                                   smem Bs[k][n]
//   per k: each lane reads its (WM/4TM)·TM values of A and (WN/8TN)·TN of B as float4 and does the
//   outer product into its accumulators; epilogue: alpha, beta·C, bias, ReLU, float4 stores.
// Edges: out-of-range elements load as 0, stores are masked, so any m, n, k and any ld work; float4
// global access only where the operand is 16-byte aligned with ld % 4 == 0 (`vec_*` flags).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "gpu_tiling.hpp"

namespace mlpe::cuda::kernels {

struct SgemmParams {
  int m, n, k;
  float alpha, beta;
  const float* __restrict__ a;
  int64_t lda;
  const float* __restrict__ b;
  int64_t ldb;
  float* __restrict__ c;
  int64_t ldc;
  const float* __restrict__ bias;  // length n or null
  bool relu;
  bool vec_a, vec_b, vec_c;  // float4 global access allowed for this operand
};

// Elements (r, c..c+3) of a stored rows×cols matrix; zero outside.
__device__ __forceinline__ float4 Load4(const float* __restrict__ p, int64_t ld, int r, int c, int rows, int cols,
                                        bool vec) {
  float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
  if (r < rows) {
    const float* row = p + static_cast<int64_t>(r) * ld;
    if (vec && c + 3 < cols) {
      v = __ldg(reinterpret_cast<const float4*>(row + c));
    } else {
      if (c < cols) v.x = __ldg(row + c);
      if (c + 1 < cols) v.y = __ldg(row + c + 1);
      if (c + 2 < cols) v.z = __ldg(row + c + 2);
      if (c + 3 < cols) v.w = __ldg(row + c + 3);
    }
  }
  return v;
}

template <int BM, int BN, int BK, int WM, int WN, int TM, int TN, int STAGES, bool TRANS_A, bool TRANS_B>
struct Sgemm {
  static constexpr int kThreads = (BM / WM) * (BN / WN) * 32;
  static constexpr int kWmIter = WM / (kLaneRows * TM);  // micro-tiles per lane along m
  static constexpr int kWnIter = WN / (kLaneCols * TN);  // and along n
  static constexpr int kAsLd = BM + kSmemPad;
  static constexpr int kBsLd = BN + kSmemPad;
  static constexpr int kAVecs = BM * BK / 4 / kThreads;  // float4 of the A tile each thread loads
  static constexpr int kBVecs = BN * BK / 4 / kThreads;

  static_assert(TM % 4 == 0 && TN % 4 == 0, "fragments are float4");
  static_assert(WM % (kLaneRows * TM) == 0 && WN % (kLaneCols * TN) == 0, "4x8 lanes tile the warp tile");
  static_assert(BM % WM == 0 && BN % WN == 0 && BK % 4 == 0, "warp tiles cover the CTA tile");
  static_assert((BM * BK) % (4 * kThreads) == 0 && (BN * BK) % (4 * kThreads) == 0, "whole float4 per thread");
  static_assert(STAGES == 1 || STAGES == 2, "single or double buffer");

  struct alignas(16) Smem {  // float4 stores and loads need 16-byte alignment
    float as[STAGES][BK][kAsLd];
    float bs[STAGES][BK][kBsLd];
  };

  // Global -> registers: VECS float4 per thread of a stored tile TILE_COLS wide at (r0, c0), float4 along
  // the stored rows (k for A and Bᵀ, m for Aᵀ, n for B).
  template <int TILE_COLS, int VECS>
  static __device__ __forceinline__ void LoadOperand(const float* __restrict__ p, int64_t ld, int r0, int c0, int rows,
                                                     int cols, bool vec, float4 (&reg)[VECS]) {
#pragma unroll
    for (int i = 0; i < VECS; ++i) {
      const int v = threadIdx.x + i * kThreads;
      reg[i] = Load4(p, ld, r0 + v / (TILE_COLS / 4), c0 + (v % (TILE_COLS / 4)) * 4, rows, cols, vec);
    }
  }

  // The k-tile starting at k0 of this CTA (m0, n0).
  static __device__ __forceinline__ void LoadTile(const SgemmParams& p, int m0, int n0, int k0, float4 (&ra)[kAVecs],
                                                  float4 (&rb)[kBVecs]) {
    if (!TRANS_A) LoadOperand<BK>(p.a, p.lda, m0, k0, p.m, p.k, p.vec_a, ra);   // A stored m×k
    else LoadOperand<BM>(p.a, p.lda, k0, m0, p.k, p.m, p.vec_a, ra);            // A stored k×m
    if (!TRANS_B) LoadOperand<BN>(p.b, p.ldb, k0, n0, p.k, p.n, p.vec_b, rb);   // B stored k×n
    else LoadOperand<BK>(p.b, p.ldb, n0, k0, p.n, p.k, p.vec_b, rb);            // B stored n×k
  }

  // Registers -> shared memory, k-major for both operands.
  static __device__ __forceinline__ void StoreTile(Smem& s, int buf, const float4 (&ra)[kAVecs],
                                                   const float4 (&rb)[kBVecs]) {
#pragma unroll
    for (int i = 0; i < kAVecs; ++i) {
      const int v = threadIdx.x + i * kThreads;
      if (!TRANS_A) {  // transpose on the way in
        const int r = v / (BK / 4), c = (v % (BK / 4)) * 4;
        s.as[buf][c + 0][r] = ra[i].x;
        s.as[buf][c + 1][r] = ra[i].y;
        s.as[buf][c + 2][r] = ra[i].z;
        s.as[buf][c + 3][r] = ra[i].w;
      } else {
        const int r = v / (BM / 4), c = (v % (BM / 4)) * 4;
        *reinterpret_cast<float4*>(&s.as[buf][r][c]) = ra[i];
      }
    }
#pragma unroll
    for (int i = 0; i < kBVecs; ++i) {
      const int v = threadIdx.x + i * kThreads;
      if (!TRANS_B) {
        const int r = v / (BN / 4), c = (v % (BN / 4)) * 4;
        *reinterpret_cast<float4*>(&s.bs[buf][r][c]) = rb[i];
      } else {
        const int r = v / (BK / 4), c = (v % (BK / 4)) * 4;
        s.bs[buf][c + 0][r] = rb[i].x;
        s.bs[buf][c + 1][r] = rb[i].y;
        s.bs[buf][c + 2][r] = rb[i].z;
        s.bs[buf][c + 3][r] = rb[i].w;
      }
    }
  }

  // A lane's fragment of one smem row: ITERS groups of T consecutive floats, one group per LANES·T span.
  template <int ITERS, int T, int LANES>
  static __device__ __forceinline__ void LoadFragment(const float* row, int lane, float (&f)[ITERS * T]) {
#pragma unroll
    for (int it = 0; it < ITERS; ++it)
#pragma unroll
      for (int i = 0; i < T; i += 4) {
        const float4 v = *reinterpret_cast<const float4*>(row + it * LANES * T + lane * T + i);
        f[it * T + i + 0] = v.x;
        f[it * T + i + 1] = v.y;
        f[it * T + i + 2] = v.z;
        f[it * T + i + 3] = v.w;
      }
  }

  // One BK step of outer products from shared memory into the accumulators.
  static __device__ __forceinline__ void Compute(const Smem& s, int buf, int wm0, int wn0, int lane_r, int lane_c,
                                                 float (&acc)[kWmIter * TM][kWnIter * TN]) {
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      float fa[kWmIter * TM], fb[kWnIter * TN];
      LoadFragment<kWmIter, TM, kLaneRows>(&s.as[buf][kk][wm0], lane_r, fa);
      LoadFragment<kWnIter, TN, kLaneCols>(&s.bs[buf][kk][wn0], lane_c, fb);
#pragma unroll
      for (int i = 0; i < kWmIter * TM; ++i)
#pragma unroll
        for (int j = 0; j < kWnIter * TN; ++j) acc[i][j] = fmaf(fa[i], fb[j], acc[i][j]);
    }
  }

  // C tile of CTA number `pid`, rasterised in groups of 8 CTA rows so neighbouring CTAs share B panels in L2.
  static __device__ __forceinline__ void CtaOrigin(const SgemmParams& p, int& m0, int& n0) {
    constexpr int kGroup = 8;
    const int num_m = (p.m + BM - 1) / BM, num_n = (p.n + BN - 1) / BN;
    const int pid = blockIdx.x;
    const int in_group = kGroup * num_n;
    const int first_m = (pid / in_group) * kGroup;
    const int group_m = min(num_m - first_m, kGroup);
    m0 = (first_m + (pid % in_group) % group_m) * BM;
    n0 = ((pid % in_group) / group_m) * BN;
  }

  static __device__ __forceinline__ void Run(const SgemmParams& p) {
    __shared__ Smem s;
    int m0, n0;
    CtaOrigin(p, m0, n0);
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int wm0 = (warp / (BN / WN)) * WM, wn0 = (warp % (BN / WN)) * WN;
    const int lane_r = lane / kLaneCols, lane_c = lane % kLaneCols;

    float acc[kWmIter * TM][kWnIter * TN];
#pragma unroll
    for (int i = 0; i < kWmIter * TM; ++i)
#pragma unroll
      for (int j = 0; j < kWnIter * TN; ++j) acc[i][j] = 0.f;

    float4 ra[kAVecs], rb[kBVecs];
    const int k_tiles = (p.k + BK - 1) / BK;
    if constexpr (STAGES == 2) {
      // Double buffer: tile t+1 travels gmem->registers while tile t is multiplied; one barrier per step,
      // since buffer (t+1)%2 was last read before the previous barrier.
      if (k_tiles > 0) {
        LoadTile(p, m0, n0, 0, ra, rb);
        StoreTile(s, 0, ra, rb);
        __syncthreads();
      }
      for (int t = 0; t < k_tiles; ++t) {
        const bool more = t + 1 < k_tiles;
        if (more) LoadTile(p, m0, n0, (t + 1) * BK, ra, rb);
        Compute(s, t % 2, wm0, wn0, lane_r, lane_c, acc);
        if (more) StoreTile(s, (t + 1) % 2, ra, rb);
        __syncthreads();
      }
    } else {
      for (int t = 0; t < k_tiles; ++t) {
        LoadTile(p, m0, n0, t * BK, ra, rb);
        StoreTile(s, 0, ra, rb);
        __syncthreads();
        Compute(s, 0, wm0, wn0, lane_r, lane_c, acc);
        __syncthreads();
      }
    }

    // Epilogue: C = alpha·acc (+ beta·C, read only when beta != 0) (+ bias) (ReLU), float4 where aligned.
#pragma unroll
    for (int wi = 0; wi < kWmIter; ++wi)
#pragma unroll
      for (int i = 0; i < TM; ++i) {
        const int r = m0 + wm0 + wi * kLaneRows * TM + lane_r * TM + i;
        if (r >= p.m) continue;
        float* crow = p.c + static_cast<int64_t>(r) * p.ldc;
#pragma unroll
        for (int wj = 0; wj < kWnIter; ++wj)
#pragma unroll
          for (int j = 0; j < TN; j += 4) {
            const int c = n0 + wn0 + wj * kLaneCols * TN + lane_c * TN + j;
            float v[4];
#pragma unroll
            for (int q = 0; q < 4; ++q) {
              v[q] = p.alpha * acc[wi * TM + i][wj * TN + j + q];
            }
            const bool full = p.vec_c && c + 3 < p.n;
            if (p.beta != 0.f) {
              if (full) {
                const float4 old = *reinterpret_cast<const float4*>(crow + c);
                v[0] += p.beta * old.x, v[1] += p.beta * old.y, v[2] += p.beta * old.z, v[3] += p.beta * old.w;
              } else {
#pragma unroll
                for (int q = 0; q < 4; ++q)
                  if (c + q < p.n) v[q] += p.beta * crow[c + q];
              }
            }
#pragma unroll
            for (int q = 0; q < 4; ++q) {
              if (p.bias != nullptr && c + q < p.n) v[q] += __ldg(p.bias + c + q);
              if (p.relu) v[q] = fmaxf(v[q], 0.f);
            }
            if (full) {
              *reinterpret_cast<float4*>(crow + c) = make_float4(v[0], v[1], v[2], v[3]);
            } else {
#pragma unroll
              for (int q = 0; q < 4; ++q)
                if (c + q < p.n) crow[c + q] = v[q];
            }
          }
      }
  }
};

template <int BM, int BN, int BK, int WM, int WN, int TM, int TN, int STAGES, bool TRANS_A, bool TRANS_B>
__global__ void __launch_bounds__((BM / WM) * (BN / WN) * 32)
    SgemmKernel(const SgemmParams p) {
  Sgemm<BM, BN, BK, WM, WN, TM, TN, STAGES, TRANS_A, TRANS_B>::Run(p);
}

}  // namespace mlpe::cuda::kernels
