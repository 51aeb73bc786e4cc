#include "nn/spec.hpp"

#include "common/error.hpp"

namespace mlpe::nn {

const char* HeadName(Head head) {
  switch (head) {
    case Head::SigmoidMse: return "sigmoid_mse";
    case Head::SigmoidBce: return "sigmoid_bce";
    case Head::SoftmaxCce: return "softmax_cce";
  }
  return "unknown";
}

Head HeadFor(bool classification, int outputs) {
  if (!classification) return Head::SigmoidMse;
  return outputs == 1 ? Head::SigmoidBce : Head::SoftmaxCce;
}

int64_t NetworkSpec::NumFreeParameters() const {
  int64_t total = 0;
  for (int l = 0; l < depth(); ++l) total += (FanIn(l) + 1) * widths[l];
  return total;
}

void Validate(const NetworkSpec& spec) {
  auto bad = [](const std::string& m) { throw Error("INVALID_OPTION", m); };
  if (spec.inputs < 1) bad("the network needs at least 1 input (got " + std::to_string(spec.inputs) + ")");
  if (spec.depth() < 2)
    bad("depth must be ≥ 2 (one hidden layer plus the output layer), got " + std::to_string(spec.depth()));
  if (static_cast<int>(spec.residual.size()) != spec.depth())
    bad("residual flags must have one entry per layer (" + std::to_string(spec.depth()) + ")");
  for (int l = 0; l < spec.depth(); ++l) {
    if (spec.widths[l] < 1) bad("layer " + std::to_string(l) + " has width " + std::to_string(spec.widths[l]) + "; widths must be ≥ 1");
    if (!spec.residual[l]) continue;
    if (l == 0 || l == spec.depth() - 1)
      bad("only inner hidden layers can be residual (BUTTER: first_residual_layer < d < depth − 1)");
    if (spec.widths[l] != spec.widths[l - 1])
      bad("residual layer " + std::to_string(l) + " must have its input's width (" + std::to_string(spec.widths[l - 1]) + ")");
  }
  if (spec.head == Head::SigmoidBce && spec.outputs() != 1)
    bad("sigmoid + binary cross-entropy needs exactly 1 output; use softmax + categorical cross-entropy for " +
        std::to_string(spec.outputs()) + " classes");
}

}  // namespace mlpe::nn
