// The device training loop against the CPU trainer (nn::Train) for a fixed seed: same Glorot start,
// same shuffle order, same head formulas, so per-epoch losses agree up to float32 rounding of differently
// ordered sums (both are float32; after a few dozen Adam steps on these small nets the drift stays far
// below 1e-3 relative). Covers the three heads, a residual layer, a partial last batch; CUDA Graph replay
// must give exactly the plain launches' numbers (same kernels, same order).
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "common/error.hpp"
#include "gemm/tiling.hpp"
#include "gpu_test.hpp"
#include "nn/trainer.hpp"
#include "train.hpp"

using namespace mlpe;
using namespace mlpe::cuda;

namespace {

struct Problem {
  nn::Dataset data;
  nn::TrainOptions options;
};

Problem Make(std::vector<int64_t> widths, std::vector<bool> residual, nn::Head head, int64_t inputs, int ntr, int nte,
             unsigned seed) {
  Problem p;
  p.options.network.inputs = inputs;
  p.options.network.widths = widths;
  p.options.network.residual = residual.empty() ? std::vector<bool>(widths.size(), false) : residual;
  p.options.network.head = head;
  p.options.epochs = 4;
  p.options.batch_size = 16;
  p.options.adam.learning_rate = 1e-2;
  p.options.seed = seed;
  p.options.tiling = gemm::DefaultTiling();  // the CPU reference run's GEMM (ignored by the GPU trainer)
  nn::Dataset& d = p.data;
  const int64_t out = widths.back();
  d.inputs = inputs, d.outputs = out;
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.f, 1.f);
  std::uniform_real_distribution<float> ud(0.f, 1.f);
  auto fill = [&](std::vector<float>& x, std::vector<float>& y, int64_t n) {
    x.resize(size_t(n * inputs)), y.assign(size_t(n * out), 0.f);
    for (auto& v : x) v = nd(rng);
    for (int64_t i = 0; i < n; ++i) {
      const float* xi = &x[size_t(i * inputs)];
      float* yi = &y[size_t(i * out)];
      if (head == nn::Head::SoftmaxCce) yi[(xi[0] > 0) + (xi[1] > 0.5f)] = 1.f;
      else if (head == nn::Head::SigmoidBce) yi[0] = float(xi[0] + xi[1] > 0);
      else for (int64_t j = 0; j < out; ++j) yi[j] = ud(rng);
    }
  };
  fill(d.x_train, d.y_train, ntr);
  fill(d.x_test, d.y_test, nte);
  return p;
}

void Check(const char* name, const Problem& p) {
  const nn::TrainResult cpu = nn::Train(p.data, p.options);
  GpuTrainOptions eager_opts, graph_opts;
  graph_opts.cuda_graph = true;
  std::vector<float> eager_params, graph_params;
  const nn::TrainResult eager = GpuTrain(p.data, p.options, eager_opts, {}, &eager_params);
  const nn::TrainResult graph = GpuTrain(p.data, p.options, graph_opts, {}, &graph_params);
  GPU_CHECK(eager.epochs.size() == cpu.epochs.size() && graph.epochs.size() == cpu.epochs.size(), "%s: epochs", name);
  const double n_test = double(p.data.test_rows());
  for (size_t e = 0; e < cpu.epochs.size() && e < eager.epochs.size(); ++e) {
    const auto &g = eager.epochs[e], &c = cpu.epochs[e];
    std::printf("  %-18s epoch %zu: train %.6f (cpu %.6f)  test %.6f (cpu %.6f)  acc %.3f (cpu %.3f)\n", name, e,
                g.train_loss, c.train_loss, g.test_loss, c.test_loss, g.test_accuracy, c.test_accuracy);
    GPU_CHECK(std::fabs(g.train_loss - c.train_loss) <= 1e-3 * std::fabs(c.train_loss) + 1e-6, "%s train loss", name);
    GPU_CHECK(std::fabs(g.test_loss - c.test_loss) <= 1e-3 * std::fabs(c.test_loss) + 1e-6, "%s test loss", name);
    // An example sitting on the decision boundary may flip: allow two.
    GPU_CHECK(std::fabs(g.test_accuracy - c.test_accuracy) <= 2.0 / n_test + 1e-12, "%s accuracy", name);
    GPU_CHECK(g.train_loss == graph.epochs[e].train_loss && g.test_loss == graph.epochs[e].test_loss,
              "%s: CUDA Graph replay differs from plain launches at epoch %zu", name, e);
  }
  GPU_CHECK(eager_params == graph_params, "%s: graph parameters differ", name);
  GPU_CHECK(cpu.epochs.back().train_loss < cpu.epochs.front().train_loss, "%s: the CPU run did not learn", name);
}

}  // namespace

int main() {
  test::SkipWithoutDevice("test_gpu_train");
  Check("softmax+residual", Make({12, 12, 12, 3}, {false, true, false, false}, nn::Head::SoftmaxCce, 5, 200, 37, 1));
  Check("sigmoid+mse", Make({9, 2}, {}, nn::Head::SigmoidMse, 4, 77, 20, 2));
  Check("sigmoid+bce", Make({20, 10, 1}, {}, nn::Head::SigmoidBce, 6, 130, 33, 3));
  {
    // A stop request before the 8th minibatch (200 rows in batches of 16: 13 an epoch) ends the run in epoch 0,
    // dropping it, as the CPU trainer does; with CUDA Graph replay too.
    for (const bool graph : {false, true}) {
      const Problem p = Make({12, 3}, {}, nn::Head::SoftmaxCce, 5, 200, 37, 5);
      GpuTrainOptions g;
      g.cuda_graph = graph;
      int checks = 0;
      nn::TrainHooks hooks;
      hooks.stop_requested = [&] { return ++checks == 8; };
      const nn::TrainResult stopped = GpuTrain(p.data, p.options, g, hooks);
      GPU_CHECK(stopped.cancelled && stopped.epochs.empty() && checks == 8,
                "stop request (graph %d): cancelled %d, %zu epochs, %d checks", graph, stopped.cancelled,
                stopped.epochs.size(), checks);
    }
  }
  // Bad input is the CPU trainer's error, and a bad tiling is INVALID_TILING; the process survives.
  try {
    Problem p = Make({9, 1}, {}, nn::Head::SigmoidMse, 4, 10, 5, 4);
    p.data.x_train[3] = NAN;
    GpuTrain(p.data, p.options, {});
    GPU_CHECK(false, "NaN in the data was accepted");
  } catch (const Error& e) {
    GPU_CHECK(e.code() == "INVALID_DATA", "code %s", e.code().c_str());
  }
  try {
    Problem p = Make({9, 1}, {}, nn::Head::SigmoidMse, 4, 10, 5, 4);
    GpuTrainOptions bad;
    bad.tiling = GpuTiling{128, 128, 8, 48, 64, 4, 4, 2};
    GpuTrain(p.data, p.options, bad);
    GPU_CHECK(false, "a bad tiling was accepted");
  } catch (const Error& e) {
    GPU_CHECK(e.code() == "INVALID_TILING", "code %s", e.code().c_str());
  }
  std::printf("%d failures\n", test::failures);
  return test::failures == 0 ? 0 : 1;
}
