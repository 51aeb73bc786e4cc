// The BUTTER training loop on the GPU: data resident on the device, forward (GEMM + fused bias/ReLU),
// output activation + loss, backward (Xᵀ·dY and dY·Wᵀ GEMMs), Adam, per-epoch metrics copied back once
// per epoch, optionally one training step captured as a CUDA Graph and replayed.
// The caller owns what must match the CPU path for a fixed seed: the initial parameters (the nn core's
// seeded Glorot init) and each epoch's shuffle order (the nn core's seeded shuffle). Plain C++ header.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "gpu_tiling.hpp"

namespace mlpe::cuda {

// Output activation + loss, as BUTTER: sigmoid + MSE (regression), sigmoid + binary cross-entropy (one
// output), softmax + categorical cross-entropy (several outputs). Probabilities clipped to [1e-7, 1-1e-7]
// in the log, as Keras does.
enum class GpuLoss { SigmoidMse, SigmoidBce, SoftmaxCce };

struct GpuTrainSpec {
  std::vector<int> widths;      // inputs, hidden widths..., outputs (layers = widths.size() - 1)
  std::vector<bool> residual;   // per layer: output += input (needs equal widths); empty = none
  GpuLoss loss = GpuLoss::SigmoidMse;
  int batch_size = 256;
  int epochs = 1;
  float learning_rate = 1e-4f, beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-7f;  // Adam, Keras defaults
  bool cuda_graph = false;                // replay one captured step per full batch
  std::optional<GpuTiling> tiling;        // every GEMM with this tiling; default: DefaultGpuTiling per shape
  int device = 0;
};

// Host arrays, row-major float32; y is one-hot for SoftmaxCce, values in [0, 1] otherwise.
struct GpuTrainData {
  const float* x_train = nullptr;
  const float* y_train = nullptr;
  int64_t n_train = 0;
  const float* x_test = nullptr;
  const float* y_test = nullptr;
  int64_t n_test = 0;
};

struct GpuEpoch {
  int epoch = 0;
  double train_loss = 0;     // mean over the epoch's training examples, computed before each update
  double test_loss = 0;      // mean over the test set after the epoch (NaN when n_test == 0)
  double test_accuracy = 0;  // classification only; NaN for regression or n_test == 0
  double seconds = 0;        // wall time of the epoch, device synchronised
};

struct GpuTrainCallbacks {
  // Fills `order` (size n_train, a permutation) for epoch `epoch`; uploaded once per epoch.
  std::function<void(int epoch, std::vector<int32_t>& order)> shuffle;
  // Called after each epoch's metrics are back; return false to stop (cancellation between epochs).
  std::function<bool(const GpuEpoch&)> on_epoch;
};

struct GpuTrainResult {
  std::vector<GpuEpoch> epochs;
  std::vector<float> parameters;  // final, same layout as the initial ones
  double seconds = 0;
  bool cancelled = false;
};

// Number of parameters: Σ (w_l + 1)·w_{l+1}; layout per layer: W_l (w_l × w_{l+1}, row-major), then b_l.
int64_t ParameterCount(const std::vector<int>& widths);

// Throws INVALID_ARGUMENT (spec/data), CUDA_UNAVAILABLE, OUT_OF_MEMORY, CUDA_ERROR.
GpuTrainResult GpuTrain(const GpuTrainSpec& spec, const GpuTrainData& data, const std::vector<float>& initial_parameters,
                        const GpuTrainCallbacks& callbacks);

}  // namespace mlpe::cuda
