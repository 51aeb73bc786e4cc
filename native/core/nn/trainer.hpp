// One training run on the CPU: the epoch loop around Network<float> (seeded shuffle, minibatch
// gather, forward, loss, backward, Adam), with train loss accumulated over the epoch and a test pass
// after each epoch, as BUTTER's Keras runs did with validation_data. Data are copied in once; the
// loop itself allocates nothing.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "gemm/tiling.hpp"
#include "nn/spec.hpp"

namespace mlpe::nn {

// Row-major float32 matrices; y one-hot for classification, values in [0, 1] for regression.
struct Dataset {
  int64_t inputs = 0, outputs = 0;
  std::vector<float> x_train, y_train, x_test, y_test;
  int64_t train_rows() const { return inputs ? static_cast<int64_t>(x_train.size()) / inputs : 0; }
  int64_t test_rows() const { return inputs ? static_cast<int64_t>(x_test.size()) / inputs : 0; }
};

// Throws mlpe::Error INVALID_DATA naming the first offending matrix, row and column: sizes that are
// not whole rows, train and test row counts that differ between x and y, no training rows, NaN or ±Inf.
void ValidateDataset(const Dataset& data);

// How a run with threads > 1 uses them: Gemm splits each GEMM's blocks (best for wide layers), Rows
// splits each minibatch's rows, every thread training its share end to end (nn/row_split.hpp; best
// for small and mid-size networks, whose GEMMs are too short to split). Auto picks by RowSplitPays.
enum class Parallel { Auto, Gemm, Rows };

struct TrainOptions {
  NetworkSpec network;
  int epochs = 1;
  int64_t batch_size = 256;
  Adam adam;
  uint64_t seed = 0;
  gemm::Tiling tiling;  // its `threads` also splits the optimiser step
  Parallel parallel = Parallel::Auto;
};

struct TrainResult {
  std::vector<EpochStats> epochs;
  double seconds = 0;      // the epoch loop, from the first minibatch to the last test pass
  bool cancelled = false;  // a hook asked to stop
  Parallel parallel = Parallel::Gemm;  // what ran: Gemm or Rows (Gemm with one thread)
};

// Throws mlpe::Error naming the fix when the run does not fit the data: network inputs/outputs that differ
// from the data's, or targets its head cannot reach (INVALID_DATA), batchSize < 1 or epochs < 0 (INVALID_OPTION). Shared by the CPU and CUDA
// trainers so both report the same codes and messages.
void ValidateRunOptions(const Dataset& data, const TrainOptions& options);

// What the caller hears and says during a run (both optional). on_epoch runs after every epoch; returning
// false ends the run after that epoch. stop_requested runs before every minibatch (cheap: an atomic
// load for the addon); returning true ends the run at once and drops the epoch in progress, so a
// cancellation lands within a minibatch even when one epoch takes minutes.
struct TrainHooks {
  std::function<bool(const EpochStats&)> on_epoch;
  std::function<bool()> stop_requested;
};

TrainResult Train(const Dataset& data, const TrainOptions& options, const TrainHooks& hooks = {});

}  // namespace mlpe::nn
