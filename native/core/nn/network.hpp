// A BUTTER network over a scalar type T: dense layers (ReLU hidden, the head on the output), optional
// residual skips, its parameters, gradients and Adam moments, and every activation buffer for
// minibatches of up to max_batch rows — all allocated once in the constructor, so a training step
// allocates nothing. float is the training type; double serves the gradient checks.
//
// Layout: layer l's kernel W_l is fan_in × width row-major (Keras's layout) and is followed by its bias;
// layer outputs are m × width row-major. Forward: H_l = relu(H_{l−1}·W_l + b_l) (+ H_{l−1} when
// residual), one GEMM with the bias and ReLU in its epilogue. Backward, with G = ∂L/∂H_l:
//   dZ = G ⊙ [A_l > 0]            (A_l the ReLU output; in place)
//   ∂b_l = column sums of dZ       (the same sweep, nn/dense_backward.hpp)
//   ∂W_l = H_{l−1}ᵀ·dZ             (GEMM, A transposed)
//   ∂L/∂H_{l−1} = dZ·W_lᵀ (+ G)    (GEMM, B transposed; the skip enters as beta = 1 on a copy of G)
// A one-unit output layer (binary and regression heads) and the sweep of the layer below it run as one
// pass instead (OutputUnitBackward): its three products are each too small to pay for a GEMM call. Below a
// layer without a skip, the sweep runs in the ∂L/∂H_{l−1} product's store (Epilogue::gate, column_sums).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "common/thread_pool.hpp"
#include "nn/adam.hpp"
#include "nn/dense_backward.hpp"
#include "nn/gemm_call.hpp"
#include "nn/head.hpp"
#include "nn/input_layer.hpp"
#include "nn/random.hpp"
#include "nn/spec.hpp"

namespace mlpe::nn {

template <typename T>
class Network {
 public:
  Network(const NetworkSpec& spec, int64_t max_batch) : spec_(spec), max_batch_(max_batch) {
    Validate(spec_);
    const int depth = spec_.depth();
    int64_t offset = 0;
    for (int l = 0; l < depth; ++l) {
      kernel_offset_.push_back(offset);
      offset += spec_.FanIn(l) * spec_.widths[l];
      bias_offset_.push_back(offset);
      offset += spec_.widths[l];
      widest_ = std::max(widest_, spec_.widths[l]);
    }
    params_.assign(offset, T(0));
    grads_.assign(offset, T(0));
    moment1_.assign(offset, T(0));
    moment2_.assign(offset, T(0));
    outputs_.resize(depth);
    relu_out_.resize(depth);
    for (int l = 0; l < depth; ++l) {
      outputs_[l].assign(max_batch * spec_.widths[l], T(0));
      if (spec_.residual[l]) relu_out_[l].assign(max_batch * spec_.widths[l], T(0));
    }
    logits_.assign(max_batch * spec_.outputs(), T(0));
    output_grad_.assign(max_batch * spec_.outputs(), T(0));
    grad_a_.assign(max_batch * widest_, T(0));
    grad_b_.assign(max_batch * widest_, T(0));
    if (InputLayerFusable()) {
      // Zero once: TransposeForInputLayer rewrites the w₀ columns each step, the padding stays zero.
      input_layer_wt_.assign(spec_.widths[1] * InputLayerTransposedLd(spec_.widths[0]), T(0));
    }
  }

  // The floats the constructor allocates: parameters, gradients and two Adam moments, then the activation
  // and gradient buffers for max_batch rows.
  static int64_t BufferElements(const NetworkSpec& spec, int64_t max_batch) {
    int64_t rows_wide = 2 * spec.outputs() + 2 * *std::max_element(spec.widths.begin(), spec.widths.end());
    for (int l = 0; l < spec.depth(); ++l) rows_wide += spec.widths[l] * (spec.residual[l] ? 2 : 1);
    const int64_t input_layer = InputLayerFusable(spec) ? spec.widths[1] * InputLayerTransposedLd(spec.widths[0]) : 0;
    return 4 * spec.NumFreeParameters() + max_batch * rows_wide + input_layer;
  }

  const NetworkSpec& spec() const { return spec_; }
  int64_t max_batch() const { return max_batch_; }
  std::vector<T>& params() { return params_; }
  const std::vector<T>& grads() const { return grads_; }
  T* kernel(int l) { return params_.data() + kernel_offset_[l]; }
  T* bias(int l) { return params_.data() + bias_offset_[l]; }
  const T* probabilities() const { return outputs_.back().data(); }
  const T* logits() const { return logits_.data(); }

  // Glorot-uniform kernels from the run's seed (random.hpp), zero biases, fresh Adam state.
  void Initialize(uint64_t seed) {
    std::fill(params_.begin(), params_.end(), T(0));
    for (int l = 0; l < spec_.depth(); ++l) GlorotUniform(seed, l, spec_.FanIn(l), spec_.widths[l], kernel(l));
    std::fill(moment1_.begin(), moment1_.end(), T(0));
    std::fill(moment2_.begin(), moment2_.end(), T(0));
    step_ = 0;
  }

  // Forward pass of m ≤ max_batch rows of x (m × inputs): probabilities() and logits() hold the result.
  void Forward(const T* x, int64_t m, const gemm::Tiling& tiling) { ForwardRows(x, 0, m, tiling); }

  // Forward pass of rows [row0, row0 + m) of the minibatch x: rows are independent, so threads may run
  // disjoint row ranges at once (the row-parallel step, nn/row_split.hpp).
  void ForwardRows(const T* x, int64_t row0, int64_t m, const gemm::Tiling& tiling) {
    const int depth = spec_.depth();
    const T* in = x + row0 * spec_.inputs;
    for (int l = 0; l < depth; ++l) {
      const int64_t fan_in = spec_.FanIn(l), width = spec_.widths[l];
      const bool output = l == depth - 1;
      T* out = (output ? logits_.data() : spec_.residual[l] ? relu_out_[l].data() : outputs_[l].data()) + row0 * width;
      if constexpr (std::is_same_v<T, float>) {
        if (l == 0 && !output && InputLayerKernelsRunNow(m, tiling)) {
          InputLayerForward(in, fan_in, kernel(0), bias(0), width, m, out);  // nn/input_layer.hpp
          in = outputs_[0].data() + row0 * width;
          continue;
        }
      }
      GemmCall<T> g;
      g.m = m, g.n = width, g.k = fan_in;
      g.a = in, g.lda = fan_in;
      g.b = kernel(l), g.ldb = width;
      g.c = out, g.ldc = width;
      g.bias = bias(l);
      g.relu = !output;
      GemmFor<T>::Run(g, tiling);
      T* h = outputs_[l].data() + row0 * width;
      if (spec_.residual[l]) {
        for (int64_t i = 0; i < m * width; ++i) h[i] = out[i] + in[i];  // the skip (same width)
      }
      in = h;
    }
    const int64_t n = spec_.outputs();
    Activate(spec_.head, logits_.data() + row0 * n, m, n, outputs_.back().data() + row0 * n);
  }

  // After Forward: the summed per-example loss; when `backward`, also ∂(mean loss)/∂params in grads().
  double Backward(const T* x, const T* y, int64_t m, const gemm::Tiling& tiling) {
    return BackwardRows(x, y, 0, m, m, grads_.data(), tiling);
  }

  // After ForwardRows over the same rows: backward pass of rows [row0, row0 + m) of a minibatch of
  // batch_rows (the mean's divisor), writing this range's share of ∂(mean loss)/∂params to `grads`
  // (params().size() values). Returns the range's summed loss. Each range keeps its ∂L/∂H in its own
  // rows of the ping-pong buffers (row0·widest on), so concurrent ranges never share a value.
  double BackwardRows(const T* x, const T* y, int64_t row0, int64_t m, int64_t batch_rows, T* grads,
                      const gemm::Tiling& tiling) {
    const int depth = spec_.depth();
    const int64_t n = spec_.outputs();
    T* g = output_grad_.data() + row0 * n;         // ∂L/∂(this layer's output), then dZ in place
    T* g_prev = grad_a_.data() + row0 * widest_;  // ∂L/∂(previous layer's output)
    T* g_spare = grad_b_.data() + row0 * widest_;
    const double loss = LossAndGradient(spec_.head, logits_.data() + row0 * n, probabilities() + row0 * n, y + row0 * n,
                                        m, n, g, batch_rows);
    int l = depth - 1;
    bool masked = false;  // whether g already holds dZ, and grads the layer's ∂b (and its skip is in g_prev)
    if (n == 1) {
      // The one-unit output layer and the mask sweep below it in one pass (dense_backward.hpp).
      const int64_t width = spec_.widths[l - 1];
      const bool residual = spec_.residual[l - 1];
      const T* relu_out = (residual ? relu_out_[l - 1].data() : outputs_[l - 1].data()) + row0 * width;
      OutputUnitBackward(g, outputs_[l - 1].data() + row0 * width, relu_out, kernel(l), m, width,
                         grads + kernel_offset_[l], grads + bias_offset_[l], g_prev, residual ? g_spare : nullptr,
                         grads + bias_offset_[l - 1]);
      g = g_prev, g_prev = g_spare, masked = true;
      --l;
    }
    for (; l >= 0; --l) {
      const int64_t fan_in = spec_.FanIn(l), width = spec_.widths[l];
      const T* in = (l == 0 ? x : outputs_[l - 1].data()) + row0 * fan_in;
      if (!masked) {
        const T* relu_out = nullptr;  // the output layer's G is already ∂L/∂Z
        if (l < depth - 1) {
          if (spec_.residual[l]) std::memcpy(g_prev, g, sizeof(T) * m * width);  // the skip's gradient
          relu_out = (spec_.residual[l] ? relu_out_[l].data() : outputs_[l].data()) + row0 * width;
        }
        MaskAndBiasGradient(g, relu_out, m, width, grads + bias_offset_[l]);
      }
      masked = false;
      GemmCall<T> dw;  // ∂W = inᵀ·dZ
      dw.trans_a = true;
      dw.m = fan_in, dw.n = width, dw.k = m;
      dw.a = in, dw.lda = fan_in;
      dw.b = g, dw.ldb = width;
      dw.c = grads + kernel_offset_[l], dw.ldc = width;
      GemmFor<T>::Run(dw, tiling);
      if constexpr (std::is_same_v<T, float>) {
        if (l == 1 && InputLayerFusesNow(row0, m, batch_rows, tiling)) {
          // ∂L/∂H₀ is never stored: its rows go straight into ∂W₀ and ∂b₀ (nn/input_layer.hpp).
          const int64_t w0 = spec_.widths[0];
          TransposeForInputLayer(kernel(1), w0, width, input_layer_wt_.data());
          InputLayerBackward(g, width, input_layer_wt_.data(), outputs_[0].data() + row0 * w0, w0,
                             x + row0 * spec_.inputs, spec_.inputs, m, grads + kernel_offset_[0], grads + bias_offset_[0]);
          break;
        }
      }
      if (l > 0) {
        GemmCall<T> dx;  // ∂L/∂in = dZ·Wᵀ (+ the skip)
        dx.trans_b = true;
        dx.m = m, dx.n = fan_in, dx.k = width;
        dx.a = g, dx.lda = width;
        dx.b = kernel(l), dx.ldb = width;
        dx.beta = spec_.residual[l] ? T(1) : T(0);
        dx.c = g_prev, dx.ldc = fan_in;
        // The layer below's sweep in the product's store where the product runs it there, unless the layer's
        // skip needs the unmasked gradient.
        dx.gate = outputs_[l - 1].data() + row0 * fan_in, dx.ldgate = fan_in;
        dx.column_sums = grads + bias_offset_[l - 1];
        masked = !spec_.residual[l - 1] && GemmFor<T>::FusesGate(dx, tiling);
        if (!masked) dx.gate = nullptr, dx.column_sums = nullptr;
        GemmFor<T>::Run(dx, tiling);
        // The output layer's G sits in its own buffer; from then on the two ping-pong buffers alternate.
        if (l == depth - 1) g = g_prev, g_prev = g_spare;
        else std::swap(g, g_prev);
      }
    }
    return loss;
  }

  // Keras Adam (TF's ApplyAdam, nn/adam.hpp) with lr_t = lr·sqrt(1 − β2^t)/(1 − β1^t). Elementwise, so
  // splitting it over threads cannot change the result.
  void AdamStep(const Adam& adam, int threads) {
    const AdamFactors<T> f = NextAdamFactors(adam);
    const int64_t n = static_cast<int64_t>(params_.size());
    auto update = [&](int64_t begin, int64_t end) { AdamRange(f, begin, end); };
    // Below ~64k parameters one thread is faster than waking the others.
    if (threads <= 1 || n < (int64_t{1} << 16)) update(0, n);
    else ParallelFor(n, threads, update, 1024);
  }

  // The next step's factors (advances the step count); AdamRange then updates params [begin, end).
  AdamFactors<T> NextAdamFactors(const Adam& adam) {
    ++step_;
    const double t = static_cast<double>(step_);
    return AdamFactors<T>{static_cast<T>(adam.learning_rate * std::sqrt(1.0 - std::pow(adam.beta2, t)) /
                                         (1.0 - std::pow(adam.beta1, t))),
                          static_cast<T>(adam.beta1), static_cast<T>(adam.beta2), static_cast<T>(adam.epsilon)};
  }
  void AdamRange(const AdamFactors<T>& f, int64_t begin, int64_t end) {
    if constexpr (std::is_same_v<T, float>) AdamUpdate(f, grads_.data(), moment1_.data(), moment2_.data(), params_.data(), begin, end);
    else AdamUpdateScalar(f, grads_.data(), moment1_.data(), moment2_.data(), params_.data(), begin, end);
  }

  T* grads_data() { return grads_.data(); }

 private:
  // The fused backward of layers 1 and 0 (InputLayerBackward) needs float, few inputs, no skips around layer 0
  // or 1 (a skip's gradient joins ∂L/∂H₀ unmasked), and W₁ᵀ small enough to transpose every step.
  static bool InputLayerFusable(const NetworkSpec& spec) {
    return std::is_same_v<T, float> && spec.depth() >= 2 && spec.inputs <= kInputLayerMaxInputs && !spec.residual[0] &&
           !spec.residual[1] && spec.widths[0] * spec.widths[1] <= (int64_t{1} << 16);
  }
  bool InputLayerFusable() const { return InputLayerFusable(spec_); }
  // ...and, this call: the whole minibatch (W₁ᵀ is one buffer: a row-split step's threads would share it), a CPU
  // that runs the fused body, and one thread, or a product too small for a second one to pay (~8 MFLOP).
  bool InputLayerFusesNow(int64_t row0, int64_t m, int64_t batch_rows, const gemm::Tiling& tiling) const {
    return !input_layer_wt_.empty() && row0 == 0 && m == batch_rows && InputLayerKernelsRun(spec_.inputs) &&
           TilingAllowsInputLayerKernels(m * spec_.widths[0] * spec_.widths[1], tiling);
  }
  // The input layer's forward kernel: any rows (it keeps nothing between calls), the same CPU and size rules.
  bool InputLayerKernelsRunNow(int64_t m, const gemm::Tiling& tiling) const {
    return !spec_.residual[0] && InputLayerKernelsRun(spec_.inputs) &&
           TilingAllowsInputLayerKernels(m * spec_.inputs * spec_.widths[0], tiling);
  }
  // The input-layer kernels are AVX-512 code on one thread: they stand in for the run's GEMMs only where its
  // tiling asks for AVX-512 (a run pinned to avx2 or the reference kernels stays on them), and, where the tiling
  // has more threads, only for products below ~8 MFLOP, which a second thread would not speed up (a cache line
  // crossing cores costs ~0.3 µs here).
  static bool TilingAllowsInputLayerKernels(int64_t multiply_adds, const gemm::Tiling& tiling) {
    return tiling.isa == gemm::Isa::Avx512 && (tiling.threads <= 1 || 2.0 * static_cast<double>(multiply_adds) < 8e6);
  }

  NetworkSpec spec_;
  int64_t max_batch_;
  int64_t widest_ = 0;
  std::vector<int64_t> kernel_offset_, bias_offset_;
  std::vector<T> params_, grads_, moment1_, moment2_;
  std::vector<std::vector<T>> outputs_;   // H_l per layer (the last holds the probabilities)
  std::vector<std::vector<T>> relu_out_;  // A_l, only for residual layers (H_l = A_l + H_{l−1})
  std::vector<T> logits_;
  std::vector<T> output_grad_;            // ∂L/∂Z of the output layer, max_batch × outputs
  std::vector<T> grad_a_, grad_b_;        // ping-pong ∂L/∂H, max_batch × widest (a row range at row0·widest)
  std::vector<T> input_layer_wt_;         // W₁ᵀ for InputLayerBackward (empty where it cannot fuse)
  int64_t step_ = 0;
};

}  // namespace mlpe::nn
