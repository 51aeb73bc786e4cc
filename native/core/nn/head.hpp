// The output head: activation of the output layer's logits and the loss against the targets, in the
// numerically stable logits form (the form Keras uses when the output layer is a sigmoid or softmax).
// Per example, with n outputs, z logits, p activations, y targets:
//   sigmoid + MSE:  (1/n) Σ (p − y)²                         ∂/∂z = (2/n)(p − y) p (1 − p)
//   sigmoid + BCE:  (1/n) Σ max(z,0) − z·y + log(1 + e^−|z|)  ∂/∂z = (p − y)/n
//   softmax + CCE:  Σ y (logΣe^z − z)                         ∂/∂z = p·Σy − y
// The batch loss is the mean over the m examples (Keras's sum-over-batch-size), so gradients get 1/m.
// double (the gradient checks) evaluates exp and log1p with libm; float runs the sigmoid heads and
// softmax's exponentials in nn/head_math.hpp, the same formulas with exp and log1p as polynomials.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "nn/head_math.hpp"
#include "nn/spec.hpp"

namespace mlpe::nn {

// p := activation(z) for m rows of n.
template <typename T>
void Activate(Head head, const T* z, int64_t m, int64_t n, T* p) {
  if (head != Head::SoftmaxCce) {
    if constexpr (std::is_same_v<T, float>) return SigmoidActivate(z, m * n, p);  // vectorised
    for (int64_t i = 0; i < m * n; ++i) p[i] = T(1) / (T(1) + std::exp(-z[i]));
    return;
  }
  // Softmax in three sweeps, so the exponentials run over the whole block at once (vectorised for
  // float): top − z per row, e^−(top − z), then each row over its sum in column order.
  for (int64_t r = 0; r < m; ++r) {
    const T* zr = z + r * n;
    T* pr = p + r * n;
    const T top = *std::max_element(zr, zr + n);
    for (int64_t j = 0; j < n; ++j) pr[j] = top - zr[j];
  }
  if constexpr (std::is_same_v<T, float>) ExpNeg(p, m * n);
  else for (int64_t i = 0; i < m * n; ++i) p[i] = std::exp(-p[i]);
  for (int64_t r = 0; r < m; ++r) {
    T* pr = p + r * n;
    T sum = 0;
    for (int64_t j = 0; j < n; ++j) sum += pr[j];
    for (int64_t j = 0; j < n; ++j) pr[j] /= sum;
  }
}

// Sum over the m rows of the per-example loss (accumulated in double), and, when dz is given,
// dz := ∂(mean loss)/∂z, the mean taken over batch_rows (0: these m rows; more when the m rows are one
// thread's share of a minibatch).
template <typename T>
double LossAndGradient(Head head, const T* z, const T* p, const T* y, int64_t m, int64_t n, T* dz,
                       int64_t batch_rows = 0) {
  if constexpr (std::is_same_v<T, float>) {
    if (head != Head::SoftmaxCce) return SigmoidLossAndGradient(head, z, p, y, m, n, dz, batch_rows);
  }
  double total = 0;
  const T inv_m = T(1) / static_cast<T>(batch_rows > 0 ? batch_rows : m);
  const T inv_n = T(1) / static_cast<T>(n);
  for (int64_t r = 0; r < m; ++r) {
    const T* zr = z + r * n;
    const T* pr = p + r * n;
    const T* yr = y + r * n;
    T* dr = dz ? dz + r * n : nullptr;
    double row = 0;
    switch (head) {
      case Head::SigmoidMse:
        for (int64_t j = 0; j < n; ++j) {
          const T e = pr[j] - yr[j];
          row += static_cast<double>(e) * e;
          if (dr) dr[j] = T(2) * inv_n * inv_m * e * pr[j] * (T(1) - pr[j]);
        }
        row /= static_cast<double>(n);
        break;
      case Head::SigmoidBce:
        for (int64_t j = 0; j < n; ++j) {
          const T zj = zr[j];
          row += static_cast<double>(std::max(zj, T(0)) - zj * yr[j] + std::log1p(std::exp(-std::abs(zj))));
          if (dr) dr[j] = inv_n * inv_m * (pr[j] - yr[j]);
        }
        row /= static_cast<double>(n);
        break;
      case Head::SoftmaxCce: {
        // log Σ e^(z − top) = −log p_top: Activate divided e^0 = 1 by that very sum, so the probabilities
        // give it to within one rounding, without n more exps per row.
        const int64_t arg = std::max_element(zr, zr + n) - zr;
        const T top = zr[arg];
        double sum_y = 0, y_dot_z = 0;
        for (int64_t j = 0; j < n; ++j) {
          sum_y += yr[j];
          y_dot_z += static_cast<double>(yr[j]) * (zr[j] - top);
        }
        row = sum_y * -std::log(static_cast<double>(pr[arg])) - y_dot_z;
        if (dr)
          for (int64_t j = 0; j < n; ++j) dr[j] = inv_m * (pr[j] * static_cast<T>(sum_y) - yr[j]);
        break;
      }
    }
    total += row;
  }
  return total;
}

// Examples of the m rows predicted right: argmax match with several outputs, the 0.5 threshold with one
// (Keras's categorical and binary accuracy, as 'accuracy' resolves for these heads).
template <typename T>
int64_t CountCorrect(const T* p, const T* y, int64_t m, int64_t n) {
  int64_t correct = 0;
  for (int64_t r = 0; r < m; ++r) {
    const T* pr = p + r * n;
    const T* yr = y + r * n;
    if (n == 1) {
      correct += (pr[0] > T(0.5)) == (yr[0] > T(0.5));
    } else {
      correct += (std::max_element(pr, pr + n) - pr) == (std::max_element(yr, yr + n) - yr);
    }
  }
  return correct;
}

}  // namespace mlpe::nn
