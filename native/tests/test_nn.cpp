// The training core against first principles:
//  1. every layer kind and head: backprop gradients vs central finite differences, in float64 (the
//     same Network template the trainer runs in float32, over a plain float64 GEMM defined here);
//  2. the float32 path (blocked SGEMM, all three GEMM orientations) against the float64 one;
//  3. the run's randomness: Glorot bounds, shuffles are permutations, values depend only on the seed;
//  4. a fixed seed gives the same losses across runs and across thread counts;
//  5. bad data is rejected with INVALID_DATA;
//  6. a training step (forward, loss, backward, Adam) allocates nothing: counted through the global
//     operator new below, with the float64 GEMM so that only the nn core is measured.
//
// Tolerance for (1): central differences with step h have truncation error O(h²·f''') and rounding
// error O(ε·|L|/h); with h = 1e-5 in float64 both are ≲ 1e-9 for these O(1) losses, so we accept
// |analytic − numeric| ≤ 1e-6·max(1, |analytic|). ReLU kinks are avoided by construction: a kink inside
// ±h would need a pre-activation within 1e-5 of 0, and the check reports which parameter failed if so.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "gemm/tiling.hpp"
#include "nn/gather.hpp"
#include "nn/network.hpp"
#include "nn/random.hpp"
#include "nn/row_split.hpp"
#include "nn/head_math.hpp"
#include "nn/input_layer.hpp"
#include "nn/trainer.hpp"
#include "count_allocations.hpp"
#include "expect.hpp"

namespace mlpe::nn {
// The float64 GEMM for the checks: the textbook triple loop.
template <>
struct GemmFor<double> {
  static bool FusesGate(const GemmCall<double>&, const gemm::Tiling&) { return true; }
  static void Run(const GemmCall<double>& g, const gemm::Tiling&) {
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t j = 0; j < g.n; ++j) {
        double s = 0;
        for (int64_t p = 0; p < g.k; ++p) {
          const double a = g.trans_a ? g.a[p * g.lda + i] : g.a[i * g.lda + p];
          const double b = g.trans_b ? g.b[j * g.ldb + p] : g.b[p * g.ldb + j];
          s += a * b;
        }
        double& c = g.c[i * g.ldc + j];
        s += g.beta == 0 ? 0 : g.beta * c;
        if (g.bias) s += g.bias[j];
        if (g.relu) s = s > 0 ? s : 0;
        if (g.gate && !(g.gate[i * g.ldgate + j] > 0)) s = 0;
        c = s;
      }
    if (g.column_sums)
      for (int64_t j = 0; j < g.n; ++j) {
        g.column_sums[j] = 0;
        for (int64_t i = 0; i < g.m; ++i) g.column_sums[j] += g.c[i * g.ldc + j];
      }
  }
};
}  // namespace mlpe::nn

using namespace mlpe;
using namespace mlpe::nn;


namespace {

using mlpe::test::checks;
using mlpe::test::failures;

std::mt19937 rng(2024);

template <typename T>
std::vector<T> Uniform(size_t n, double lo, double hi) {
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(d(rng));
  return v;
}

// Targets the head accepts: values in [0, 1] (MSE), 0/1 (BCE), one-hot rows (CCE).
template <typename T>
std::vector<T> Targets(Head head, int64_t m, int64_t n) {
  std::vector<T> y(m * n, T(0));
  for (int64_t r = 0; r < m; ++r) {
    if (head == Head::SigmoidMse) for (int64_t j = 0; j < n; ++j) y[r * n + j] = static_cast<T>(std::uniform_real_distribution<double>(0, 1)(rng));
    else if (head == Head::SigmoidBce) y[r] = static_cast<T>(rng() % 2);
    else y[r * n + rng() % n] = T(1);
  }
  return y;
}

NetworkSpec Spec(int64_t inputs, std::vector<int64_t> widths, std::vector<bool> residual, Head head) {
  NetworkSpec s;
  s.inputs = inputs;
  s.widths = std::move(widths);
  s.residual = std::move(residual);
  s.head = head;
  return s;
}

const gemm::Tiling kTiling = gemm::DefaultTiling(gemm::Isa::Reference, 1);

void GradientCheck(const std::string& name, const NetworkSpec& spec, int64_t m) {
  Network<double> net(spec, m);
  net.Initialize(7);
  // Non-zero biases so the check covers them too.
  for (int l = 0; l < spec.depth(); ++l)
    for (int64_t j = 0; j < spec.widths[l]; ++j) net.bias(l)[j] = 0.1 * std::sin(1.0 + j + 3 * l);
  const auto x = Uniform<double>(m * spec.inputs, -1, 1);
  const auto y = Targets<double>(spec.head, m, spec.outputs());
  auto mean_loss = [&] {
    net.Forward(x.data(), m, kTiling);
    return LossAndGradient<double>(spec.head, net.logits(), net.probabilities(), y.data(), m, spec.outputs(), nullptr) /
           static_cast<double>(m);
  };
  net.Forward(x.data(), m, kTiling);
  const double loss = net.Backward(x.data(), y.data(), m, kTiling) / static_cast<double>(m);
  EXPECT(std::abs(loss - mean_loss()) < 1e-12, "%s: loss from Backward %g vs forward %g", name.c_str(), loss, mean_loss());
  const std::vector<double> analytic = net.grads();
  auto& theta = net.params();
  const double h = 1e-5;
  double worst = 0;
  for (size_t i = 0; i < theta.size(); ++i) {
    const double saved = theta[i];
    theta[i] = saved + h;
    const double up = mean_loss();
    theta[i] = saved - h;
    const double down = mean_loss();
    theta[i] = saved;
    const double numeric = (up - down) / (2 * h);
    const double err = std::abs(analytic[i] - numeric) / std::max(1.0, std::abs(analytic[i]));
    worst = std::max(worst, err);
    EXPECT(err <= 1e-6, "%s: parameter %zu analytic %.10g numeric %.10g", name.c_str(), i, analytic[i], numeric);
  }
  std::printf("gradient check %-32s %5zu parameters, worst relative error %.2e\n", name.c_str(), theta.size(), worst);
}

// The float32 network (blocked SGEMM) agrees with the float64 one on loss and gradients.
void FloatMatchesDouble(const NetworkSpec& spec, int64_t m) {
  Network<double> ref(spec, m);
  Network<float> net(spec, m);
  ref.Initialize(11);
  net.Initialize(11);
  const auto xd = Uniform<double>(m * spec.inputs, -1, 1);
  const auto yd = Targets<double>(spec.head, m, spec.outputs());
  std::vector<float> xf(xd.begin(), xd.end()), yf(yd.begin(), yd.end());
  for (size_t i = 0; i < ref.params().size(); ++i) ref.params()[i] = net.params()[i];  // same float weights
  const gemm::Tiling fast = gemm::DefaultTiling(gemm::BestIsa(), 2);
  ref.Forward(xd.data(), m, kTiling);
  net.Forward(xf.data(), m, fast);
  const double lr = ref.Backward(xd.data(), yd.data(), m, kTiling), lf = net.Backward(xf.data(), yf.data(), m, fast);
  EXPECT(std::abs(lr - lf) <= 1e-4 * std::abs(lr), "float loss %g vs double %g", lf, lr);
  double scale = 0, worst = 0;
  for (double g : ref.grads()) scale = std::max(scale, std::abs(g));
  for (size_t i = 0; i < ref.grads().size(); ++i) worst = std::max(worst, std::abs(ref.grads()[i] - net.grads()[i]));
  EXPECT(worst <= 1e-4 * scale, "float gradients differ from double by %g (largest gradient %g)", worst, scale);
  std::printf("float32 vs float64 %s: loss %.3e vs %.3e, gradient max diff %.2e of %.2e\n", HeadName(spec.head), lf, lr,
              worst, scale);
}

// The fused backward of layers 1 and 0 (nn/input_layer.hpp) against its definition in float64, over
// n_in 1..8, column counts with and without a tail in one or two vectors, k from 1 up, and row counts that leave
// a remainder after the 4-row tiles. Where it runs here, a network that fuses also allocates nothing per step.
void InputLayerFused() {
  if (!InputLayerKernelsRun(8)) {
    std::printf("fused input-layer backward not checked: it needs AVX-512, which this CPU lacks\n");
    return;
  }
  EXPECT(!InputLayerKernelsRun(9) && !InputLayerKernelsRun(0), "fuses only 1..8 inputs");
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  int cases = 0;
  for (int64_t n_in : {1, 2, 5, 8})
    for (int64_t w0 : {1, 5, 16, 17, 32, 40, 59, 182})
      for (int64_t w1 : {1, 13, 59})
        for (int64_t m : {1, 7, 64, 257}) {
          std::vector<float> dz1(m * w1), w(w0 * w1), h0(m * w0), x(m * n_in), dw(n_in * w0, NAN), db(w0, NAN);
          for (auto* v : {&dz1, &w, &h0, &x})
            for (float& e : *v) e = u(rng);
          std::vector<float> wt(w1 * InputLayerTransposedLd(w0), NAN), wt_scalar(wt.size(), NAN);
          TransposeForInputLayer(w.data(), w0, w1, wt.data());  // gathers
          TransposeForInputLayer<float>(w.data(), w0, w1, wt_scalar.data());
          EXPECT(std::memcmp(wt.data(), wt_scalar.data(), sizeof(float) * wt.size()) == 0,
                 "w0 %ld, w1 %ld: the gathered W1ᵀ differs from the scalar copy", (long)w0, (long)w1);
          InputLayerBackward(dz1.data(), w1, wt.data(), h0.data(), w0, x.data(), n_in, m, dw.data(), db.data());
          std::vector<double> d(dz1.begin(), dz1.end()), wd(w.begin(), w.end()), hd(h0.begin(), h0.end()),
              xd(x.begin(), x.end()), dwd(n_in * w0), dbd(w0);
          InputLayerBackwardScalar(d.data(), w1, wd.data(), hd.data(), w0, xd.data(), n_in, m, dwd.data(), dbd.data());
          // Each element sums m·w1 products of magnitude ≤ 1 in float32.
          const double tol = 4e-7 * static_cast<double>(m * w1);
          double worst = 0;
          for (int64_t i = 0; i < n_in * w0; ++i) worst = std::max(worst, std::abs(dw[i] - dwd[i]));
          for (int64_t c = 0; c < w0; ++c) worst = std::max(worst, std::abs(db[c] - dbd[c]));
          EXPECT(worst <= tol, "n_in %ld, w0 %ld, w1 %ld, m %ld: off by %g (NaN: an element not written)", (long)n_in,
                 (long)w0, (long)w1, (long)m, worst);
          // The forward kernel on the same shapes: H₀ = ReLU(X·W₀ + b₀), W₀ n_in × w0.
          std::vector<float> w0k(n_in * w0), b0(w0), h(m * w0 + 16, NAN);
          for (auto* v : {&w0k, &b0})
            for (float& e : *v) e = u(rng);
          InputLayerForward(x.data(), n_in, w0k.data(), b0.data(), w0, m, h.data());
          std::vector<double> w0d(w0k.begin(), w0k.end()), b0d(b0.begin(), b0.end()), hd0(m * w0);
          InputLayerForwardScalar(xd.data(), n_in, w0d.data(), b0d.data(), w0, m, hd0.data());
          double off = 0;
          for (int64_t i = 0; i < m * w0; ++i) off = std::max(off, std::abs(h[i] - hd0[i]));
          EXPECT(off <= 1e-6 * static_cast<double>(n_in + 1), "forward n_in %ld, w0 %ld, m %ld: off by %g", (long)n_in,
                 (long)w0, (long)m, off);
          EXPECT(std::isnan(h[m * w0]), "forward n_in %ld, w0 %ld, m %ld: wrote past H0", (long)n_in, (long)w0, (long)m);
          ++cases;
        }
  std::printf("input-layer kernels: %d shapes against float64\n", cases);
  const NetworkSpec spec = Spec(8, {59, 59, 1}, {false, false, false}, Head::SigmoidBce);
  Network<float> net(spec, 64);
  net.Initialize(2);
  const auto x = Uniform<float>(64 * 8, 0, 1);
  const auto y = Targets<float>(spec.head, 64, 1);
  const gemm::Tiling one = gemm::DefaultTiling(gemm::BestIsa(), 1);
  const long before = g_allocations;
  for (int step = 0; step < 3; ++step) {
    net.Forward(x.data(), step == 1 ? 37 : 64, one);
    net.Backward(x.data(), y.data(), step == 1 ? 37 : 64, one);
    net.AdamStep(Adam{}, 1);
  }
  EXPECT(g_allocations == before, "3 steps of a fused network allocated %ld times", g_allocations - before);
}

void Randomness() {
  std::vector<float> k(64 * 32);
  GlorotUniform(5, 0, 64, 32, k.data());
  const double limit = std::sqrt(6.0 / 96);
  double sum = 0;
  bool inside = true;
  for (float w : k) inside &= std::abs(w) <= limit, sum += w;
  EXPECT(inside, "Glorot weights exceed ±%g", limit);
  EXPECT(std::abs(sum / k.size()) < 0.02, "Glorot mean %g is not ≈ 0", sum / k.size());
  std::vector<float> again(k.size());
  GlorotUniform(5, 0, 64, 32, again.data());
  EXPECT(again == k, "same seed, different weights");
  GlorotUniform(6, 0, 64, 32, again.data());
  EXPECT(again != k, "different seeds, same weights");
  std::vector<uint32_t> a(1000), b(1000);
  ShuffleOrder(3, 0, 1000, a.data());
  ShuffleOrder(3, 1, 1000, b.data());
  EXPECT(std::set<uint32_t>(a.begin(), a.end()).size() == 1000 && *std::max_element(a.begin(), a.end()) == 999,
         "shuffle is not a permutation");
  EXPECT(a != b, "two epochs share an order");
  // A pinned value, so a change of generator (which would break CPU/GPU agreement) is noticed.
  EXPECT(RandomBits(42, 7, 3) == 0x40ba00a048d2c5f5ull && RandomUniform(42, 7, 3) == 0.25283817208476034,
         "the generator changed: RandomBits(42, 7, 3) = %llx", static_cast<unsigned long long>(RandomBits(42, 7, 3)));
}

Dataset Synthetic(int64_t rows, int64_t inputs, int64_t outputs) {
  Dataset d;
  d.inputs = inputs, d.outputs = outputs;
  auto make = [&](int64_t n, std::vector<float>& x, std::vector<float>& y) {
    x = Uniform<float>(n * inputs, 0, 1);
    y.assign(n * outputs, 0.0f);
    for (int64_t r = 0; r < n; ++r) {
      float s = 0;
      for (int64_t j = 0; j < inputs; ++j) s += x[r * inputs + j] * ((j % 3) - 1.0f);
      y[r * outputs + static_cast<int64_t>(std::abs(s) * 3) % outputs] = 1.0f;
    }
  };
  make(rows * 4 / 5, d.x_train, d.y_train);
  make(rows / 5, d.x_test, d.y_test);
  return d;
}

void Determinism() {
  // Wide enough (256² per layer at batch 256: 3e7 FLOPs per GEMM) that the GEMM really splits its work
  // over 2 threads; the split gives each thread whole micro-tiles, so the sums keep their order. The
  // row split sums the two shares' gradients in another order: equal to float tolerance.
  const Dataset data = Synthetic(1500, 20, 4);
  TrainOptions o;
  o.network = Spec(20, {256, 256, 256, 4}, {false, true, true, false}, Head::SoftmaxCce);
  o.epochs = 3;
  o.batch_size = 256;
  o.adam.learning_rate = 1e-3;
  o.seed = 99;
  o.tiling = gemm::DefaultTiling(gemm::BestIsa(), 1);
  const TrainResult one = Train(data, o);
  const TrainResult again = Train(data, o);
  EXPECT(one.parallel == Parallel::Gemm, "one thread reported as a row split");
  o.tiling.threads = 2;
  o.parallel = Parallel::Gemm;
  const TrainResult two = Train(data, o);
  o.parallel = Parallel::Rows;
  const TrainResult rows = Train(data, o), rows_again = Train(data, o);
  o.parallel = Parallel::Auto;
  const TrainResult automatic = Train(data, o);
  EXPECT(two.parallel == Parallel::Gemm && rows.parallel == Parallel::Rows, "the asked split was not used");
  EXPECT(automatic.parallel == Parallel::Rows, "auto kept the GEMM split on a %s-parameter network", "1.4e5");
  for (int e = 0; e < o.epochs; ++e) {
    EXPECT(one.epochs[e].train_loss == again.epochs[e].train_loss && one.epochs[e].test_loss == again.epochs[e].test_loss,
           "epoch %d differs between two runs with one seed", e);
    EXPECT(rows.epochs[e].train_loss == rows_again.epochs[e].train_loss && rows.epochs[e].test_loss == rows_again.epochs[e].test_loss,
           "epoch %d differs between two row-split runs with one seed", e);
    for (const TrainResult* other : {&two, &rows}) {
      EXPECT(std::abs(one.epochs[e].train_loss - other->epochs[e].train_loss) <= 1e-5 * one.epochs[e].train_loss &&
                 std::abs(one.epochs[e].test_loss - other->epochs[e].test_loss) <= 1e-5 * one.epochs[e].test_loss,
             "epoch %d: 1 thread %.9g/%.9g vs 2 threads (%s split) %.9g/%.9g", e, one.epochs[e].train_loss,
             one.epochs[e].test_loss, other == &two ? "GEMM" : "row", other->epochs[e].train_loss, other->epochs[e].test_loss);
    }
  }
  EXPECT(one.epochs.back().train_loss < one.epochs.front().train_loss, "training did not lower the loss");
  std::printf("determinism: train loss %.9g → %.9g (1 thread), %.9g (2 threads, GEMM split), %.9g (row split)\n",
              one.epochs.front().train_loss, one.epochs.back().train_loss, two.epochs.back().train_loss,
              rows.epochs.back().train_loss);
  o.seed = 100;
  EXPECT(Train(data, o).epochs[0].train_loss != one.epochs[0].train_loss, "the seed has no effect");

  int stopped_after = -1;
  TrainHooks after_epoch;
  after_epoch.on_epoch = [&](const EpochStats& s) {
    stopped_after = s.epoch;
    return s.epoch < 1;
  };
  const TrainResult cut = Train(data, o, after_epoch);
  EXPECT(cut.cancelled && cut.epochs.size() == 2 && stopped_after == 1, "cancellation after epoch 1");

  // A stop request between minibatches: 1200 training rows are 5 minibatches of 256 an epoch, so the 8th
  // check comes before epoch 1's third minibatch. Epoch 0 stays, epoch 1 is dropped, no minibatch runs
  // after the request; on both the one-network and the row-split step.
  for (const Parallel parallel : {Parallel::Gemm, Parallel::Rows}) {
    o.parallel = parallel;
    int checks = 0, epochs_heard = 0;
    TrainHooks mid_epoch;
    mid_epoch.on_epoch = [&](const EpochStats&) { return ++epochs_heard > 0; };
    mid_epoch.stop_requested = [&] { return ++checks == 8; };
    const TrainResult stopped = Train(data, o, mid_epoch);
    EXPECT(stopped.cancelled && stopped.epochs.size() == 1 && epochs_heard == 1 && checks == 8,
           "%s split: stop before minibatch 8 gave cancelled=%d, %zu epochs, %d heard, %d checks",
           parallel == Parallel::Rows ? "row" : "GEMM", stopped.cancelled, stopped.epochs.size(), epochs_heard, checks);
  }
}

// The row-parallel step (nn/row_split.hpp) against the one-thread step, on full and partial minibatches
// (40 rows: shares of 16 and 24; 17 rows: one share) and a residual network: same losses and parameters
// to float tolerance, and the test pass's loss and correct count likewise.
void RowSplitStep() {
  const NetworkSpec spec = Spec(11, {48, 48, 48, 5}, {false, true, true, false}, Head::SoftmaxCce);
  const int64_t rows = 64;
  const auto x = Uniform<float>(rows * 11, 0, 1);
  const auto y = Targets<float>(spec.head, rows, 5);
  const gemm::Tiling tiling = gemm::DefaultTiling(gemm::BestIsa(), 2);
  Network<float> one(spec, rows), split(spec, rows);
  one.Initialize(5);
  split.Initialize(5);
  RowSplitStepper stepper(split, 2);
  std::vector<uint32_t> order(rows);
  for (int64_t i = 0; i < rows; ++i) order[i] = static_cast<uint32_t>((i * 37) % rows);  // a fixed shuffle
  std::vector<float> xb(rows * 11), yb(rows * 5);
  const gemm::Tiling alone = gemm::DefaultTiling(gemm::BestIsa(), 1);
  double worst = 0;
  for (int step = 0; step < 6; ++step) {
    const int64_t m = step % 3 == 0 ? rows : step % 3 == 1 ? 40 : 17;
    std::vector<float> xo(m * 11), yo(m * 5);
    Gather(x.data(), 11, order.data(), m, xo.data());
    Gather(y.data(), 5, order.data(), m, yo.data());
    one.Forward(xo.data(), m, alone);
    const double l1 = one.Backward(xo.data(), yo.data(), m, alone);
    one.AdamStep(Adam{}, 1);
    const double l2 = stepper.Step(MinibatchRows{x.data(), y.data(), order.data(), xb.data(), yb.data()}, m, tiling, Adam{});
    EXPECT(std::abs(l1 - l2) <= 1e-5 * std::abs(l1), "step %d (%ld rows): loss %.9g vs %.9g row-split", step, (long)m, l1, l2);
    EXPECT(std::memcmp(xb.data(), xo.data(), sizeof(float) * m * 11) == 0, "step %d: the shares gathered other rows", step);
    for (size_t i = 0; i < one.params().size(); ++i)
      worst = std::max(worst, static_cast<double>(std::abs(one.params()[i] - split.params()[i])));
  }
  EXPECT(worst <= 1e-5, "parameters drifted %.3g apart after 6 steps", worst);
  int64_t c1 = 0, c2 = 0;
  one.Forward(x.data(), rows, alone);
  const double e1 = LossAndGradient<float>(spec.head, one.logits(), one.probabilities(), y.data(), rows, 5, nullptr);
  c1 = CountCorrect(one.probabilities(), y.data(), rows, 5);
  const double e2 = stepper.Evaluate(x.data(), y.data(), rows, tiling, &c2);
  EXPECT(std::abs(e1 - e2) <= 1e-5 * e1 && c1 == c2, "test pass: loss %.9g/%ld vs %.9g/%ld row-split", e1, (long)c1, e2, (long)c2);
  const long before = g_allocations;
  for (int step = 0; step < 3; ++step)
    stepper.Step(MinibatchRows{x.data(), y.data(), order.data(), xb.data(), yb.data()}, rows, tiling, Adam{});
  EXPECT(g_allocations == before, "3 row-split steps allocated %ld times", g_allocations - before);
  EXPECT(!RowSplitPays(Spec(8, {59, 59, 1}, {false, false, false}, Head::SigmoidBce), 256, 2) &&
             RowSplitPays(Spec(784, {75, 75, 10}, {false, false, false}, Head::SoftmaxCce), 256, 2) &&
             !RowSplitPays(Spec(784, {75, 75, 10}, {false, false, false}, Head::SoftmaxCce), 256, 1) &&
             !RowSplitPays(Spec(784, {701, 701, 10}, {false, false, false}, Head::SoftmaxCce), 256, 2),
         "RowSplitPays: small, mid, one-thread and 2^20 networks");
  std::printf("row split: 6 steps, largest parameter difference %.3g\n", worst);
}

void NoAllocationPerStep() {
  const NetworkSpec spec = Spec(6, {16, 16, 16, 3}, {false, true, true, false}, Head::SoftmaxCce);
  Network<double> net(spec, 32);
  net.Initialize(1);
  const auto x = Uniform<double>(32 * 6, 0, 1);
  const auto y = Targets<double>(spec.head, 32, 3);
  const long before = g_allocations;
  for (int step = 0; step < 5; ++step) {
    net.Forward(x.data(), step % 2 ? 32 : 17, kTiling);  // full and partial minibatches
    net.Backward(x.data(), y.data(), step % 2 ? 32 : 17, kTiling);
    net.AdamStep(Adam{}, 1);
  }
  EXPECT(g_allocations == before, "5 training steps allocated %ld times", g_allocations - before);
}

void BadData() {
  Dataset data = Synthetic(100, 5, 2);
  TrainOptions o;
  o.network = Spec(5, {8, 2}, {false, false}, Head::SoftmaxCce);
  o.tiling = kTiling;
  auto code_of = [&](const Dataset& d, const TrainOptions& opt) -> std::string {
    try {
      Train(d, opt);
    } catch (const Error& e) {
      std::printf("  rejected: %s\n", e.what());
      return e.code();
    }
    return "none";
  };
  Dataset nan = data;
  nan.x_train[7] = std::nanf("");
  EXPECT(code_of(nan, o) == "INVALID_DATA", "NaN accepted");
  Dataset inf = data;
  inf.y_test[1] = INFINITY;
  EXPECT(code_of(inf, o) == "INVALID_DATA", "Inf accepted");
  Dataset ragged = data;
  ragged.y_train.pop_back();
  EXPECT(code_of(ragged, o) == "INVALID_DATA", "ragged y accepted");
  TrainOptions wrong = o;
  wrong.network = Spec(6, {8, 2}, {false, false}, Head::SoftmaxCce);
  EXPECT(code_of(data, wrong) == "INVALID_DATA", "wrong input width accepted");
  TrainOptions zero = o;
  zero.batch_size = 0;
  EXPECT(code_of(data, zero) == "INVALID_OPTION", "batch 0 accepted");
  TrainOptions shallow = o;
  shallow.network = Spec(5, {2}, {false}, Head::SoftmaxCce);
  EXPECT(code_of(data, shallow) == "INVALID_OPTION", "depth 1 accepted");
  // Targets the head cannot reach: a label value, an all-zero one-hot row, a binary 3, a regression −0.5.
  Dataset label = data;
  label.y_train[1] = 5.0f, label.y_train[0] = 0.0f;
  EXPECT(code_of(label, o) == "INVALID_DATA", "softmax target 5 accepted");
  Dataset empty_row = data;
  empty_row.y_test[2] = empty_row.y_test[3] = 0.0f;
  EXPECT(code_of(empty_row, o) == "INVALID_DATA", "all-zero one-hot row accepted");
  Dataset soft = data;
  for (size_t i = 0; i < 4; ++i) soft.y_train[i] = 0.5f;  // soft labels summing to 1 are a distribution
  EXPECT(code_of(soft, o) == "none", "soft labels summing to 1 rejected");
  const Dataset binary_data = Synthetic(100, 5, 1);
  TrainOptions binary = o;
  binary.network = Spec(5, {8, 1}, {false, false}, Head::SigmoidBce);
  Dataset three = binary_data;
  three.y_train[0] = 3.0f;
  EXPECT(code_of(three, binary) == "INVALID_DATA", "binary target 3 accepted");
  TrainOptions regression = binary;
  regression.network.head = Head::SigmoidMse;
  Dataset negative = binary_data;
  negative.y_test[0] = -0.5f;
  EXPECT(code_of(negative, regression) == "INVALID_DATA", "regression target -0.5 accepted");
  EXPECT(code_of(binary_data, regression) == "none", "targets in [0, 1] rejected for regression");
}

}  // namespace

// The float sigmoid heads (polynomial exp and log1p, nn/head_math_x.hpp) against the double-precision
// formulas with libm: σ and the BCE loss within a few ulp (relative to the value, or absolutely near 0),
// MSE and both gradients exact functions of p; the extremes saturate; NaN logits give NaN.
void SigmoidHeadAccuracy() {
  std::vector<float> z = {0.0f, -0.0f, 1e-8f, -1e-8f, 0.5f, -0.5f, 1.0f, -1.0f, 3.0f, -7.5f, 16.0f, -16.5f, 30.0f,
                          -30.0f, 87.0f, -87.0f, 88.0f, -88.0f, 100.0f, -100.0f, 1e30f, -1e30f};
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> d(-40.0f, 40.0f);
  for (int i = 0; i < 1000; ++i) z.push_back(d(rng));
  const int64_t count = static_cast<int64_t>(z.size());
  std::vector<float> y(count), p(count), dz(count);
  for (int64_t i = 0; i < count; ++i) y[i] = i % 3 == 0 ? 0.0f : i % 3 == 1 ? 1.0f : 0.3f;
  SigmoidActivate(z.data(), count, p.data());
  double worst_p = 0, worst_loss = 0;
  for (int64_t i = 0; i < count; ++i) {
    const double zi = z[i], want = 1.0 / (1.0 + std::exp(-zi));
    worst_p = std::max(worst_p, std::fabs(p[i] - want) / std::max(want, 1e-30));
    // Each value's loss alone (m = n = 1, so no mean): max(z, 0) − z·y + log1p(e^−|z|) in double.
    const double loss = SigmoidLossAndGradient(Head::SigmoidBce, &z[i], &p[i], &y[i], 1, 1, &dz[i], 1);
    const double want_loss = std::max(zi, 0.0) - zi * y[i] + std::log1p(std::exp(-std::fabs(zi)));
    worst_loss = std::max(worst_loss, std::fabs(loss - want_loss) / std::max(std::fabs(want_loss), 1e-6));
    EXPECT(dz[i] == p[i] - y[i], "BCE dz = p − y for one row (z=%g)", zi);
  }
  // σ's relative error is at most a few ulp (2^-23 ≈ 1.2e-7); the loss's too, or 1e-6 absolutely where it
  // is near 0 (z·y cancels max(z, 0) in float before the log1p term is added).
  EXPECT(worst_p < 6e-7, "sigmoid within a few ulp of 1/(1 + e^−z): worst relative error %g", worst_p);
  EXPECT(worst_loss < 6e-7, "BCE loss within a few ulp: worst relative error %g", worst_loss);
  EXPECT(p[18] == 1.0f && p[19] < 1e-37f && p[20] == 1.0f && p[21] == 0.0f, "saturation: σ(100)=%g σ(−100)=%g σ(±1e30)=%g %g",
         p[18], p[19], p[20], p[21]);
  // MSE: the float error e = p − y squared and summed in double, as head.hpp's reference loop does (one
  // output: in four running sums, so equal to the sequential sum up to double rounding); gradient
  // ((2/(n·m))·e)·p·(1 − p).
  const double mse = SigmoidLossAndGradient(Head::SigmoidMse, z.data(), p.data(), y.data(), count, 1, dz.data(), 0);
  double want_mse = 0;
  bool grads = true;
  const float scale = 2.0f * 1.0f * (1.0f / static_cast<float>(count));
  for (int64_t i = 0; i < count; ++i) {
    const float e = p[i] - y[i];
    want_mse += static_cast<double>(e) * e;
    grads &= dz[i] == scale * e * p[i] * (1.0f - p[i]);
  }
  EXPECT(std::fabs(mse - want_mse) <= 1e-14 * want_mse, "MSE sum %.17g, reference loop %.17g", mse, want_mse);
  EXPECT(grads, "MSE gradients as the reference loop computes them");
  const float nan = std::nanf("");
  float zn = nan, pn = 0, yn = 1, dn = 0;
  SigmoidActivate(&zn, 1, &pn);
  EXPECT(std::isnan(pn), "σ(NaN) is NaN, not %g", pn);
  EXPECT(std::isnan(SigmoidLossAndGradient(Head::SigmoidBce, &zn, &pn, &yn, 1, 1, &dn, 1)), "BCE loss of a NaN logit is NaN");
}

// The softmax head: float probabilities (polynomial exp, nn/head_math.hpp) within a few ulp of double
// libm ones; the loss takes log Σ e^(z − top) as −log p_top from Activate's probabilities, equal to the
// direct formula Σ y (log Σ e^z − z) to within a rounding of p (float) or to 1e-12 (double).
void SoftmaxLossFromProbabilities() {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> d(-30.0, 30.0);
  const int64_t m = 40, n = 7;
  std::vector<double> z(m * n), p(m * n), y(m * n, 0.0);
  for (auto& v : z) v = d(rng);
  for (int64_t r = 0; r < m; ++r) y[r * n + r % n] = 1.0, y[r * n + (r + 3) % n] += 0.25;  // not one-hot
  Activate<double>(Head::SoftmaxCce, z.data(), m, n, p.data());
  double direct = 0;
  for (int64_t r = 0; r < m; ++r) {
    double top = -1e300, sum = 0;
    for (int64_t j = 0; j < n; ++j) top = std::max(top, z[r * n + j]);
    for (int64_t j = 0; j < n; ++j) sum += std::exp(z[r * n + j] - top);
    for (int64_t j = 0; j < n; ++j) direct += y[r * n + j] * (std::log(sum) + top - z[r * n + j]);
  }
  // Float softmax (polynomial exp) vs double libm on the same float differences top − z (their rounding,
  // up to 4e-6 absolute at |z| ≈ 60, is the float head's, with or without the polynomial).
  std::vector<float> zs(z.begin(), z.end()), ps(m * n);
  Activate<float>(Head::SoftmaxCce, zs.data(), m, n, ps.data());
  double worst = 0;
  for (int64_t r = 0; r < m; ++r) {
    const float* zr = zs.data() + r * n;
    const float top = *std::max_element(zr, zr + n);
    double sum = 0;
    for (int64_t j = 0; j < n; ++j) sum += std::exp(-static_cast<double>(top - zr[j]));
    for (int64_t j = 0; j < n; ++j) {
      const double want = std::exp(-static_cast<double>(top - zr[j])) / sum;
      worst = std::max(worst, std::fabs(ps[r * n + j] - want) / std::max(want, 1e-30));
    }
  }
  EXPECT(worst < 1e-6, "float softmax within a few ulp of double: worst relative error %g", worst);
  const double loss = LossAndGradient<double>(Head::SoftmaxCce, z.data(), p.data(), y.data(), m, n, nullptr);
  EXPECT(std::fabs(loss - direct) <= 1e-12 * std::fabs(direct), "double CCE %.17g vs direct %.17g", loss, direct);
  std::vector<float> zf(z.begin(), z.end()), pf(m * n), yf(y.begin(), y.end());
  Activate<float>(Head::SoftmaxCce, zf.data(), m, n, pf.data());
  const double lossf = LossAndGradient<float>(Head::SoftmaxCce, zf.data(), pf.data(), yf.data(), m, n, nullptr);
  EXPECT(std::fabs(lossf - direct) <= 1e-5 * std::fabs(direct), "float CCE %.9g vs direct %.9g", lossf, direct);
}

int main() {
  try {
    GradientCheck("dense relu + sigmoid/MSE", Spec(4, {6, 5, 3}, {false, false, false}, Head::SigmoidMse), 5);
    GradientCheck("dense relu + sigmoid/BCE", Spec(3, {7, 4, 1}, {false, false, false}, Head::SigmoidBce), 6);
    GradientCheck("dense relu + softmax/CCE", Spec(5, {6, 4}, {false, false}, Head::SoftmaxCce), 4);
    GradientCheck("residual relu + softmax/CCE", Spec(3, {5, 5, 5, 5, 3}, {false, true, true, true, false}, Head::SoftmaxCce), 5);
    GradientCheck("residual relu + sigmoid/MSE", Spec(4, {6, 6, 2}, {false, true, false}, Head::SigmoidMse), 3);
    // One output unit: its backward pass and the mask sweep below it run fused (OutputUnitBackward).
    GradientCheck("residual relu + one sigmoid/MSE unit", Spec(4, {6, 6, 6, 1}, {false, true, true, false}, Head::SigmoidMse), 5);
    GradientCheck("one relu layer + one sigmoid/BCE unit", Spec(3, {5, 1}, {false, false}, Head::SigmoidBce), 4);
    FloatMatchesDouble(Spec(37, {70, 70, 70, 10}, {false, true, true, false}, Head::SoftmaxCce), 45);
    FloatMatchesDouble(Spec(13, {50, 33, 1}, {false, false, false}, Head::SigmoidBce), 64);
    // The fused one-unit backward over several column blocks with a tail (150 = 9 vectors of 16 + 6),
    // with a residual layer below the unit, and rows narrower than a vector.
    FloatMatchesDouble(Spec(7, {150, 150, 1}, {false, true, false}, Head::SigmoidMse), 37);
    FloatMatchesDouble(Spec(5, {3, 1}, {false, false}, Head::SigmoidBce), 19);
    FloatMatchesDouble(Spec(9, {40, 3}, {false, false}, Head::SigmoidMse), 31);
    // Eight or fewer inputs: layers 1 and 0 backward fused (InputLayerBackward) where AVX-512 runs it, under a
    // one-unit head (the 8-182-13-1), a softmax head with a tail of rows, and a skip above layer 1.
    FloatMatchesDouble(Spec(8, {182, 13, 1}, {false, false, false}, Head::SigmoidBce), 256);
    FloatMatchesDouble(Spec(3, {59, 59, 10}, {false, false, false}, Head::SoftmaxCce), 37);
    FloatMatchesDouble(Spec(1, {24, 24, 24, 2}, {false, false, true, false}, Head::SigmoidMse), 50);
    InputLayerFused();
    SigmoidHeadAccuracy();
    SoftmaxLossFromProbabilities();
    Randomness();
    NoAllocationPerStep();
    Determinism();
    RowSplitStep();
    BadData();
  } catch (const std::exception& e) {
    std::printf("FAIL: unexpected exception: %s\n", e.what());
    return 1;
  }
  std::printf("%d/%d checks passed\n", checks - failures, checks);
  return failures ? 1 : 0;
}
