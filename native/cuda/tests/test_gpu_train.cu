// The device training loop against a float64 host reference of the same algorithm (forward, BUTTER's
// residual wiring, the three output losses, backward, Keras Adam) on small networks, with a partial last
// batch and a seeded shuffle; and CUDA Graph replay against plain launches (same kernels, same order, so
// the results must be identical). Tolerance: float32 vs float64 over a few hundred Adam steps drifts by
// rounding only, far below 1e-3 relative on the losses for these small, well-conditioned nets.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "common/error.hpp"
#include "gpu_test.hpp"
#include "train.hpp"

using namespace mlpe;
using namespace mlpe::cuda;

namespace {

struct Problem {
  GpuTrainSpec spec;
  std::vector<float> xtr, ytr, xte, yte;
  int64_t ntr, nte;
  std::vector<float> init;
};

Problem Make(std::vector<int> widths, std::vector<bool> residual, GpuLoss loss, int ntr, int nte, unsigned seed) {
  Problem p;
  p.spec.widths = widths;
  p.spec.residual = residual;
  p.spec.loss = loss;
  p.spec.batch_size = 16;
  p.spec.epochs = 4;
  p.spec.learning_rate = 1e-2f;
  p.ntr = ntr, p.nte = nte;
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.f, 1.f);
  std::uniform_real_distribution<float> ud(0.f, 1.f);
  const int in = widths.front(), out = widths.back();
  auto fill = [&](std::vector<float>& x, std::vector<float>& y, int64_t n) {
    x.resize(size_t(n) * in), y.assign(size_t(n) * out, 0.f);
    for (auto& v : x) v = nd(rng);
    for (int64_t i = 0; i < n; ++i) {
      if (loss == GpuLoss::SoftmaxCce) {
        y[size_t(i) * out + (x[size_t(i) * in] > 0 ? 1 : 0) + (x[size_t(i) * in + 1] > 0.5f ? 1 : 0)] = 1.f;
      } else {
        for (int j = 0; j < out; ++j)
          y[size_t(i) * out + j] = loss == GpuLoss::SigmoidBce ? float(x[size_t(i) * in + j] > 0) : ud(rng);
      }
    }
  };
  fill(p.xtr, p.ytr, ntr);
  fill(p.xte, p.yte, nte);
  // Glorot-uniform-like weights, zero biases (the values only need to be the same for both paths).
  for (size_t l = 0; l + 1 < widths.size(); ++l) {
    const float lim = std::sqrt(6.f / (widths[l] + widths[l + 1]));
    for (int i = 0; i < widths[l] * widths[l + 1]; ++i) p.init.push_back((2 * ud(rng) - 1) * lim);
    for (int j = 0; j < widths[l + 1]; ++j) p.init.push_back(0.f);
  }
  return p;
}

void Shuffle(int epoch, std::vector<int32_t>& order) {
  for (size_t i = 0; i < order.size(); ++i) order[i] = int32_t(i);
  std::mt19937 rng(1000 + epoch);
  std::shuffle(order.begin(), order.end(), rng);
}

// float64 reference: returns per-epoch {train loss, test loss}.
std::vector<std::pair<double, double>> Reference(const Problem& p, std::vector<double>& params) {
  const auto& w = p.spec.widths;
  const int L = int(w.size()) - 1, out = w.back();
  auto res = [&](int l) { return !p.spec.residual.empty() && p.spec.residual[l]; };
  params.assign(p.init.begin(), p.init.end());
  std::vector<double> m(params.size(), 0), v(params.size(), 0), g(params.size());
  std::vector<int64_t> woff, boff;
  int64_t off = 0;
  for (int l = 0; l < L; ++l) woff.push_back(off), boff.push_back(off + int64_t(w[l]) * w[l + 1]),
                              off += (int64_t(w[l]) + 1) * w[l + 1];
  // forward for one example: h[0] = x, a[l] activations, h[l+1] outputs
  auto forward = [&](const float* x, std::vector<std::vector<double>>& h, std::vector<std::vector<double>>& a) {
    h.assign(L + 1, {}), a.assign(L, {});
    h[0].assign(x, x + w[0]);
    for (int l = 0; l < L; ++l) {
      a[l].assign(w[l + 1], 0);
      for (int j = 0; j < w[l + 1]; ++j) {
        double z = params[boff[l] + j];
        for (int i = 0; i < w[l]; ++i) z += h[l][i] * params[woff[l] + int64_t(i) * w[l + 1] + j];
        a[l][j] = l + 1 < L ? std::max(z, 0.0) : z;
      }
      h[l + 1] = a[l];
      if (res(l))
        for (int j = 0; j < w[l + 1]; ++j) h[l + 1][j] += h[l][j];
    }
  };
  auto loss_grad = [&](const std::vector<double>& z, const float* y, std::vector<double>* dz, double scale) {
    const double clip = 1e-7;
    double loss = 0;
    if (p.spec.loss == GpuLoss::SoftmaxCce) {
      double zmax = *std::max_element(z.begin(), z.end()), den = 0;
      for (double zi : z) den += std::exp(zi - zmax);
      for (int j = 0; j < out; ++j) {
        const double pj = std::exp(z[j] - zmax) / den;
        loss -= y[j] * std::log(std::clamp(pj, clip, 1 - clip));
        if (dz) (*dz)[j] = (pj - y[j]) * scale;
      }
    } else {
      for (int j = 0; j < out; ++j) {
        const double pj = 1 / (1 + std::exp(-z[j]));
        if (p.spec.loss == GpuLoss::SigmoidBce) {
          const double pc = std::clamp(pj, clip, 1 - clip);
          loss -= (y[j] * std::log(pc) + (1 - y[j]) * std::log(1 - pc)) / out;
          if (dz) (*dz)[j] = (pj - y[j]) * scale / out;
        } else {
          loss += (pj - y[j]) * (pj - y[j]) / out;
          if (dz) (*dz)[j] = 2 * (pj - y[j]) / out * pj * (1 - pj) * scale;
        }
      }
    }
    return loss;
  };
  std::vector<std::pair<double, double>> epochs;
  int t = 0;
  const int bs = p.spec.batch_size;
  for (int e = 0; e < p.spec.epochs; ++e) {
    std::vector<int32_t> order(p.ntr);
    Shuffle(e, order);
    double train = 0;
    for (int64_t s = 0; s < p.ntr; s += bs) {
      const int rows = int(std::min<int64_t>(bs, p.ntr - s));
      std::fill(g.begin(), g.end(), 0.0);
      for (int r = 0; r < rows; ++r) {
        const int64_t ex = order[s + r];
        std::vector<std::vector<double>> h, a;
        forward(&p.xtr[ex * w[0]], h, a);
        std::vector<double> dz(out);
        train += loss_grad(a[L - 1], &p.ytr[ex * out], &dz, 1.0 / rows);
        std::vector<double> up;  // gradient w.r.t. h[l+1]
        for (int l = L - 1; l >= 0; --l) {
          if (l < L - 1) {
            dz.assign(w[l + 1], 0);
            for (int j = 0; j < w[l + 1]; ++j) dz[j] = a[l][j] > 0 ? up[j] : 0;
          }
          for (int i = 0; i < w[l]; ++i)
            for (int j = 0; j < w[l + 1]; ++j) g[woff[l] + int64_t(i) * w[l + 1] + j] += h[l][i] * dz[j];
          for (int j = 0; j < w[l + 1]; ++j) g[boff[l] + j] += dz[j];
          std::vector<double> dh(w[l], 0);
          for (int i = 0; i < w[l]; ++i)
            for (int j = 0; j < w[l + 1]; ++j) dh[i] += dz[j] * params[woff[l] + int64_t(i) * w[l + 1] + j];
          if (res(l))
            for (int i = 0; i < w[l]; ++i) dh[i] += up[i];
          up = dh;
        }
      }
      ++t;
      const double b1 = p.spec.beta1, b2 = p.spec.beta2;
      const double lr_t = p.spec.learning_rate * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
      for (size_t i = 0; i < params.size(); ++i) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        params[i] -= lr_t * m[i] / (std::sqrt(v[i]) + p.spec.epsilon);
      }
    }
    double test = 0;
    for (int64_t ex = 0; ex < p.nte; ++ex) {
      std::vector<std::vector<double>> h, a;
      forward(&p.xte[ex * w[0]], h, a);
      test += loss_grad(a[L - 1], &p.yte[ex * out], nullptr, 1);
    }
    epochs.push_back({train / p.ntr, test / p.nte});
  }
  return epochs;
}

GpuTrainResult RunGpu(Problem& p, bool graph) {
  p.spec.cuda_graph = graph;
  GpuTrainData d{p.xtr.data(), p.ytr.data(), p.ntr, p.xte.data(), p.yte.data(), p.nte};
  GpuTrainCallbacks cb;
  cb.shuffle = Shuffle;
  return GpuTrain(p.spec, d, p.init, cb);
}

void Check(const char* name, Problem p) {
  std::vector<double> ref_params;
  const auto ref = Reference(p, ref_params);
  const GpuTrainResult eager = RunGpu(p, false);
  const GpuTrainResult graph = RunGpu(p, true);
  GPU_CHECK(eager.epochs.size() == ref.size(), "%s: %zu epochs", name, eager.epochs.size());
  for (size_t e = 0; e < ref.size() && e < eager.epochs.size(); ++e) {
    const auto& g = eager.epochs[e];
    std::printf("  %s epoch %zu: train %.6f (ref %.6f)  test %.6f (ref %.6f)  acc %.3f\n", name, e, g.train_loss,
                ref[e].first, g.test_loss, ref[e].second, g.test_accuracy);
    GPU_CHECK(std::fabs(g.train_loss - ref[e].first) <= 1e-3 * std::fabs(ref[e].first) + 1e-6, "%s train loss", name);
    GPU_CHECK(std::fabs(g.test_loss - ref[e].second) <= 1e-3 * std::fabs(ref[e].second) + 1e-6, "%s test loss", name);
    GPU_CHECK(g.train_loss == graph.epochs[e].train_loss && g.test_loss == graph.epochs[e].test_loss,
              "%s: CUDA Graph replay differs from plain launches at epoch %zu", name, e);
  }
  double max_diff = 0;
  for (size_t i = 0; i < ref_params.size(); ++i)
    max_diff = std::max(max_diff, std::fabs(ref_params[i] - eager.parameters[i]));
  GPU_CHECK(max_diff < 5e-3, "%s: parameters differ from the reference by %.3g", name, max_diff);
  GPU_CHECK(eager.parameters == graph.parameters, "%s: graph parameters differ", name);
  GPU_CHECK(ref.back().first < ref.front().first, "%s: the reference did not learn", name);
}

}  // namespace

int main() {
  test::SkipWithoutDevice("test_gpu_train");
  Check("softmax+residual", Make({5, 12, 12, 12, 3}, {false, true, false, false}, GpuLoss::SoftmaxCce, 200, 37, 1));
  Check("sigmoid+mse", Make({4, 9, 1}, {}, GpuLoss::SigmoidMse, 77, 20, 2));
  Check("sigmoid+bce", Make({6, 20, 10, 1}, {}, GpuLoss::SigmoidBce, 130, 33, 3));
  // Bad specs are errors naming the field.
  try {
    Problem p = Make({4, 9, 1}, {true, false}, GpuLoss::SigmoidMse, 10, 5, 4);
    RunGpu(p, false);
    GPU_CHECK(false, "a residual layer that changes width was accepted");
  } catch (const Error& e) {
    GPU_CHECK(e.code() == "INVALID_ARGUMENT", "code %s", e.code().c_str());
  }
  std::printf("%d failures\n", test::failures);
  return test::failures == 0 ? 0 : 1;
}
