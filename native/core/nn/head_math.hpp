// The output heads' transcendental work in float, vectorised: the sigmoid heads (sigmoid + MSE for
// regression, sigmoid + BCE for one-output classification) and softmax's exponentials. On BUTTER's small
// networks the libm exp and log1p calls of the scalar heads cost a tenth to a fifth of a training step.
// The math (head_math_x.hpp) is BUTTER's stable logits form with e^−a and log1p computed by polynomials
// within a few ulp of libm, identically on every ISA.
#pragma once
#include <cstdint>

#include "nn/spec.hpp"

namespace mlpe::nn {

// p := σ(z) for `count` values.
void SigmoidActivate(const float* z, int64_t count, float* p);

// a := e^−a for `count` values a ≥ 0 (softmax's e^(z − max), with a = max − z), in place.
void ExpNeg(float* a, int64_t count);

// The summed per-example loss of m rows of n outputs (SigmoidMse or SigmoidBce), and, when dz is given,
// dz := ∂(mean loss)/∂z with the mean over batch_rows (0: these m rows). head.hpp's LossAndGradient
// contract, with each row's loss summed in double in column order as there.
double SigmoidLossAndGradient(Head head, const float* z, const float* p, const float* y, int64_t m, int64_t n, float* dz,
                              int64_t batch_rows);

// The bodies over values [begin, end): one lane at a time (every CPU, and the vector bodies' tails), and
// 16 or 8 lanes (head_math_avx512.cpp, head_math_avx2.cpp; only for CPUs with those ISAs), which
// return the first value they left. See head_math_x.hpp for terms and dz.
void SigmoidActivateScalar(const float* z, int64_t begin, int64_t end, float* p);
void ExpNegScalar(float* a, int64_t begin, int64_t end);  // a := e^−a (a ≥ 0), in place
void SigmoidTermsScalar(Head head, const float* z, const float* p, const float* y, int64_t begin, int64_t end, float scale,
                        float* terms, float* dz);
struct HeadBodies {
  int64_t (*activate)(const float* z, int64_t begin, int64_t end, float* p);
  int64_t (*exp_neg)(float* a, int64_t begin, int64_t end);
  int64_t (*terms)(Head head, const float* z, const float* p, const float* y, int64_t begin, int64_t end, float scale,
                   float* terms, float* dz);
};
HeadBodies HeadBodiesAvx512();
HeadBodies HeadBodiesAvx2();

}  // namespace mlpe::nn
