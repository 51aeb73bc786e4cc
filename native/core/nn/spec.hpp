// What one training run is: the network (BUTTER widths, residual flags, output head), the optimiser
// settings and the per-epoch figures it reports. Plain data, shared by the CPU and CUDA trainers.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mlpe::nn {

// Output activation + loss, as BUTTER's compute_network_configuration picks them.
enum class Head {
  SigmoidMse,  // regression (targets scaled to [0, 1])
  SigmoidBce,  // binary classification, one output
  SoftmaxCce,  // multi-class, one-hot targets
};

const char* HeadName(Head head);  // "sigmoid_mse" | "sigmoid_bce" | "softmax_cce"

// BUTTER's rule: regression → sigmoid+MSE; classification → sigmoid+BCE for 1 output, else softmax+CCE.
Head HeadFor(bool classification, int outputs);

struct NetworkSpec {
  int64_t inputs = 0;
  std::vector<int64_t> widths;  // per dense layer, the last is the output width
  std::vector<bool> residual;   // per layer: output = relu(x·W + b) + x
  Head head = Head::SigmoidMse;

  int depth() const { return static_cast<int>(widths.size()); }
  int64_t outputs() const { return widths.back(); }
  int64_t FanIn(int layer) const { return layer == 0 ? inputs : widths[layer - 1]; }
  int64_t NumFreeParameters() const;
};

// Throws mlpe::Error (INVALID_OPTION) naming what is wrong: depth < 2, a width < 1, a residual layer
// whose width differs from its input's, a residual flag on the first or output layer.
void Validate(const NetworkSpec& spec);

// Keras Adam's settings (lr 1e-4 is BUTTER's; β and ε are Keras defaults).
struct Adam {
  double learning_rate = 1e-4;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-7;
};

struct EpochStats {
  int epoch = 0;              // 0-based
  double train_loss = 0;      // mean per-example loss over the epoch's minibatches, before each update
  double test_loss = 0;       // mean per-example loss on the test set after the epoch
  double test_accuracy = 0;   // argmax match (several outputs) or 0.5 threshold (one output)
  double seconds = 0;         // wall time of the epoch, test pass included
};

}  // namespace mlpe::nn
