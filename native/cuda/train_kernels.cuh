// The element-wise and reduction kernels of a training step (everything that is not a GEMM), each behind
// a launch function on a stream. Step counters live on the device so a captured CUDA Graph replays
// correctly: the batch index and Adam's t are read from `StepState`, and AdvanceStep moves them on.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "nn/spec.hpp"

namespace mlpe::cuda::train {

struct StepState {
  int batch;        // batch index within the epoch
  int adam_t;       // Adam steps taken so far
};

struct Metrics {
  double train_loss_sum;   // Σ per-example loss over the epoch's training examples
  double test_loss_sum;
  unsigned long long test_correct;
};

// xb[i] = x[order[batch·bs + i]], yb likewise, for i < rows.
void Gather(const float* x, const float* y, const int32_t* order, const StepState* state, int batch_size, int rows,
            int inputs, int outputs, float* xb, float* yb, cudaStream_t s);

// out = a + b (residual connection), n elements.
void Add(const float* a, const float* b, float* out, int64_t n, cudaStream_t s);

// dz = dh where a > 0 else 0 (ReLU backward from the post-activation), n elements.
void ReluBackward(const float* dh, const float* a, float* dz, int64_t n, cudaStream_t s);

// db[j] = Σ_i dz[i][j] over rows.
void BiasGrad(const float* dz, int rows, int cols, float* db, cudaStream_t s);

// Output head on logits z (rows × outputs) against y, the formulas of nn/head.hpp (logits form): adds
// Σ per-example loss to *loss_sum; when dz is set writes ∂(mean loss over `mean_rows`)/∂z; when correct
// is set counts right predictions (argmax with several outputs, 0.5 threshold with one).
void LossAndGrad(nn::Head head, const float* z, const float* y, int rows, int outputs, int mean_rows, float* dz,
                 double* loss_sum, unsigned long long* correct, cudaStream_t s);

// Adam (Keras, as nn/network.hpp): t = state.adam_t + 1, lr_t = lr·√(1−β2^t)/(1−β1^t) in double, m, v
// moments, p −= lr_t·m/(√v+ε).
void Adam(float* p, const float* g, float* m, float* v, int64_t n, const StepState* state, const nn::Adam& adam,
          cudaStream_t s);

// batch += 1, adam_t += 1 (one thread; the last kernel of a step).
void AdvanceStep(StepState* state, cudaStream_t s);

}  // namespace mlpe::cuda::train
