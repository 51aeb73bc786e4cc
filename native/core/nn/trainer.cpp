#include "nn/trainer.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "common/error.hpp"
#include "hw/memory.hpp"
#include "nn/gather.hpp"
#include "nn/network.hpp"
#include "nn/random.hpp"
#include "nn/row_split.hpp"

namespace mlpe::nn {

namespace {

[[noreturn]] void BadData(const std::string& message) { throw Error("INVALID_DATA", message); }

void CheckFinite(const char* name, const std::vector<float>& values, int64_t cols) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isfinite(values[i])) continue;
    BadData(std::string(name) + "[row " + std::to_string(static_cast<int64_t>(i) / cols) + ", column " +
            std::to_string(static_cast<int64_t>(i) % cols) + "] is " +
            (std::isnan(values[i]) ? "NaN" : values[i] > 0 ? "Infinity" : "-Infinity") +
            "; drop or impute missing values and scale the data before training");
  }
}

void CheckShape(const char* name, const std::vector<float>& values, int64_t cols) {
  if (values.size() % static_cast<size_t>(cols) != 0)
    BadData(std::string(name) + " has " + std::to_string(values.size()) + " values, not a whole number of rows of " +
            std::to_string(cols));
}

// Targets the head can reach: values in [0, 1] for the sigmoid heads, rows summing to 1 for softmax (one-hot,
// or soft labels). A label such as 3 or −1, or an all-zero row, trains toward what the head cannot output
// while the losses still look plausible.
void CheckTargets(const char* name, const std::vector<float>& y, int64_t cols, Head head) {
  const char* rule = head == Head::SigmoidMse ? "regression targets must lie in [0, 1], the sigmoid output's range: "
                                                "min-max scale them"
                     : head == Head::SigmoidBce ? "a binary classification target is a 0/1 label (or a soft one in "
                                                  "[0, 1]), in one column"
                                                : "classification targets are one-hot rows (1 at the class, 0 "
                                                  "elsewhere; soft labels must sum to 1)";
  char value[32];
  for (size_t r = 0; r < y.size() / static_cast<size_t>(cols); ++r) {
    const float* row = y.data() + r * cols;
    double sum = 0;
    for (int64_t j = 0; j < cols; ++j) {
      sum += row[j];
      if (row[j] >= 0.0f && row[j] <= 1.0f) continue;
      std::snprintf(value, sizeof value, "%g", row[j]);
      BadData(std::string(name) + "[row " + std::to_string(r) + ", column " + std::to_string(j) + "] is " + value + "; " +
              rule);
    }
    if (head == Head::SoftmaxCce && std::abs(sum - 1.0) > 1e-3) {
      std::snprintf(value, sizeof value, "%g", sum);
      BadData(std::string(name) + " row " + std::to_string(r) + " sums to " + value + ", not 1; " + rule);
    }
  }
}

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

void ValidateDataset(const Dataset& d) {
  if (d.inputs < 1 || d.outputs < 1) BadData("inputs and outputs must be ≥ 1");
  CheckShape("xTrain", d.x_train, d.inputs);
  CheckShape("yTrain", d.y_train, d.outputs);
  CheckShape("xTest", d.x_test, d.inputs);
  CheckShape("yTest", d.y_test, d.outputs);
  const int64_t train = d.train_rows(), test = d.test_rows();
  if (static_cast<int64_t>(d.y_train.size()) / d.outputs != train)
    BadData("xTrain has " + std::to_string(train) + " rows but yTrain has " +
            std::to_string(d.y_train.size() / d.outputs) + "; they must match");
  if (static_cast<int64_t>(d.y_test.size()) / d.outputs != test)
    BadData("xTest has " + std::to_string(test) + " rows but yTest has " + std::to_string(d.y_test.size() / d.outputs) +
            "; they must match");
  if (train < 1) BadData("the training set is empty; pass at least one training row");
  if (train > UINT32_MAX) BadData("more than 2^32 training rows are not supported");
  CheckFinite("xTrain", d.x_train, d.inputs);
  CheckFinite("yTrain", d.y_train, d.outputs);
  CheckFinite("xTest", d.x_test, d.inputs);
  CheckFinite("yTest", d.y_test, d.outputs);
}

void ValidateRunOptions(const Dataset& data, const TrainOptions& options) {
  if (options.network.inputs != data.inputs || options.network.outputs() != data.outputs)
    throw Error("INVALID_DATA", "the network has " + std::to_string(options.network.inputs) + " inputs and " +
                                    std::to_string(options.network.outputs()) + " outputs but the data have " +
                                    std::to_string(data.inputs) + " and " + std::to_string(data.outputs));
  CheckTargets("yTrain", data.y_train, data.outputs, options.network.head);
  CheckTargets("yTest", data.y_test, data.outputs, options.network.head);
  if (options.batch_size < 1) throw Error("INVALID_OPTION", "batchSize must be ≥ 1");
  if (options.epochs < 0) throw Error("INVALID_OPTION", "epochs must be ≥ 0");
}

TrainResult Train(const Dataset& data, const TrainOptions& options, const TrainHooks& hooks) {
  ValidateDataset(data);
  Validate(options.network);
  gemm::Validate(options.tiling);
  ValidateRunOptions(data, options);

  const int64_t train = data.train_rows(), test = data.test_rows();
  const int64_t batch = std::min(options.batch_size, train);
  const int64_t eval_batch = std::max<int64_t>(1, std::min(options.batch_size, std::max(test, int64_t{1})));
  const int64_t in = data.inputs, out = data.outputs;

  // Everything the loop touches, allocated here, once we know it fits (beyond the available memory Linux
  // would not refuse the allocation but kill the process when the pages are first touched).
  const int threads = options.tiling.threads;
  const bool split_rows = threads > 1 && (options.parallel == Parallel::Rows ||
                                          (options.parallel == Parallel::Auto && RowSplitPays(options.network, batch, threads)));
  const int64_t max_batch = std::max(batch, eval_batch);
  const int64_t gradient_copies = split_rows ? threads - 1 : 0;  // RowSplitStepper's per-thread gradients
  hw::CheckFits(static_cast<int64_t>(sizeof(float)) *
                    (Network<float>::BufferElements(options.network, max_batch) +
                     gradient_copies * options.network.NumFreeParameters()),
                "training this network (" + std::to_string(options.network.NumFreeParameters()) +
                    " parameters with their gradients and Adam moments" +
                    (split_rows ? ", a gradient copy per extra thread" : "") + ", activations for " +
                    std::to_string(max_batch) + " rows)",
                "choose a smaller size, or a smaller batchSize if the activations dominate");
  Network<float> net(options.network, max_batch);
  net.Initialize(options.seed);
  std::vector<uint32_t> order(train);
  std::vector<float> xb(batch * in), yb(batch * out);
  std::optional<RowSplitStepper> rows_split;
  if (split_rows) rows_split.emplace(net, threads);

  TrainResult result;
  result.parallel = split_rows ? Parallel::Rows : Parallel::Gemm;
  result.epochs.reserve(options.epochs);
  const auto run_start = Clock::now();
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    const auto epoch_start = Clock::now();
    ShuffleOrder(options.seed, epoch, train, order.data());
    double train_loss = 0;
    for (int64_t first = 0; first < train; first += batch) {
      if (hooks.stop_requested && hooks.stop_requested()) {
        result.cancelled = true;
        break;
      }
      const int64_t m = std::min(batch, train - first);
      if (rows_split) {
        const MinibatchRows rows{data.x_train.data(), data.y_train.data(), order.data() + first, xb.data(), yb.data()};
        train_loss += rows_split->Step(rows, m, options.tiling, options.adam);
        continue;
      }
      Gather(data.x_train.data(), in, order.data() + first, m, xb.data());
      Gather(data.y_train.data(), out, order.data() + first, m, yb.data());
      net.Forward(xb.data(), m, options.tiling);
      train_loss += net.Backward(xb.data(), yb.data(), m, options.tiling);
      net.AdamStep(options.adam, options.tiling.threads);
    }
    if (result.cancelled) break;  // the epoch in progress is dropped
    double test_loss = 0;
    int64_t correct = 0;
    for (int64_t first = 0; first < test; first += eval_batch) {
      const int64_t m = std::min(eval_batch, test - first);
      const float* x = data.x_test.data() + first * in;
      const float* y = data.y_test.data() + first * out;
      if (rows_split) {
        test_loss += rows_split->Evaluate(x, y, m, options.tiling, &correct);
        continue;
      }
      net.Forward(x, m, options.tiling);
      test_loss += LossAndGradient<float>(options.network.head, net.logits(), net.probabilities(), y, m, out, nullptr);
      correct += CountCorrect(net.probabilities(), y, m, out);
    }
    EpochStats stats;
    stats.epoch = epoch;
    stats.train_loss = train_loss / static_cast<double>(train);
    stats.test_loss = test > 0 ? test_loss / static_cast<double>(test) : std::nan("");
    stats.test_accuracy = test > 0 ? static_cast<double>(correct) / static_cast<double>(test) : std::nan("");
    stats.seconds = Since(epoch_start);
    result.epochs.push_back(stats);
    if (hooks.on_epoch && !hooks.on_epoch(stats)) {
      result.cancelled = true;
      break;
    }
  }
  result.seconds = Since(run_start);
  return result;
}

}  // namespace mlpe::nn
