// The NVML side of the GPU check: how often the energy counter updates and how long a read takes, then
// J per training datum on the device for a mini grid of network sizes 2^10 … 2^24 (BUTTER-E's GPU finding:
// flat while the parameters and their Adam state fit in L2, climbing after). Windows are bracketed by
// device synchronisation (GpuTrain's epoch callback runs after the stream has drained) and read with the
// meters core's NvmlSource (no second NVML loader).
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

#include "check.hpp"
#include "device.hpp"
#include "device_buffer.hpp"
#include "sgemm.hpp"
#include "nn/trainer.hpp"
#include "train.hpp"

#if __has_include("meters/nvml.hpp")
#include "meters/nvml.hpp"
#define MLPE_BENCH_HAVE_NVML 1
#endif

using namespace mlpe;
using Clock = std::chrono::steady_clock;

#ifdef MLPE_BENCH_HAVE_NVML
namespace {

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? NAN : v[v.size() / 2];
}

// Rectangle widths for a parameter budget: depth-1 hidden layers of width w; params(w) is increasing, so an
// integer bisection finds the closest w (lib/networks.ts holds BUTTER's general search for every shape).
std::vector<int> RectangleWidths(int64_t size, int depth, int inputs, int outputs) {
  auto params = [&](int64_t w) { return (inputs + 1) * w + (depth - 2) * (w + 1) * w + (w + 1) * outputs; };
  int64_t lo = 1, hi = 1 << 20;
  while (lo < hi) {
    const int64_t mid = (lo + hi) / 2;
    if (params(mid) < size) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 1 && std::llabs(params(lo - 1) - size) <= std::llabs(params(lo) - size)) --lo;
  std::vector<int> widths{inputs};
  for (int l = 0; l < depth - 1; ++l) widths.push_back(int(lo));
  widths.push_back(outputs);
  return widths;
}

}  // namespace
#endif

int main() {
  const cuda::CudaInfo info = cuda::QueryCudaInfo();
  if (!info.available) {
    std::printf("SKIPPED energy_per_datum: %s\n", info.reason.c_str());
    return 77;
  }
#ifndef MLPE_BENCH_HAVE_NVML
  std::printf("SKIPPED energy_per_datum: native/core/meters/nvml.hpp is not in this checkout\n");
  return 77;
#else
  meters::NvmlOptions opts;
  opts.devices = {0};
  meters::NvmlSource nvml(opts);
  if (nvml.Devices().empty() || !nvml.Devices()[0].energy_counter) {
    std::printf("NVML gives no energy counter on GPU 0 (power only): nothing to bracket\n");
    return 1;
  }
  const double j_per_count = nvml.Counters()[0].joules_per_count;
  auto joules = [&] { return double(nvml.ReadRaw(0)) * j_per_count; };
  std::printf("device %s (%d SMs, L2 %.1f MiB); NVML %s\n", info.devices[0].name.c_str(), info.devices[0].sm_count,
              info.devices[0].l2_bytes / 1048576.0, nvml.Method().c_str());

  // 1. Read latency: back-to-back reads.
  std::vector<double> lat;
  for (int i = 0; i < 300; ++i) {
    const auto a = Clock::now();
    (void)nvml.ReadRaw(0);
    lat.push_back(Seconds(a, Clock::now()));
  }
  std::sort(lat.begin(), lat.end());
  std::printf("NVML energy read latency: median %.1f us, p95 %.1f us, max %.1f us (300 reads)\n", lat[150] * 1e6,
              lat[284] * 1e6, lat.back() * 1e6);

  // 2. Idle power over 1 s, then the update period under load: keep the GPU busy with GEMMs while the host
  // polls, and time the steps of the counter.
  {
    const double e0 = joules();
    const auto t0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    const double e1 = joules();
    std::printf("idle power: %.1f W (1 s window)\n", (e1 - e0) / Seconds(t0, Clock::now()));
  }
  double idle_w = 0;
  {
    const int n = 4096;
    cuda::DeviceBuffer<float> a(size_t(n) * n), b(size_t(n) * n), c(size_t(n) * n);
    MLPE_CUDA_CHECK(cudaMemset(a.get(), 0x3c, a.size() * 4));  // 0x3c3c3c3c ≈ 0.0115: finite, non-zero
    MLPE_CUDA_CHECK(cudaMemset(b.get(), 0x3c, b.size() * 4));
    gemm::Args g;
    g.m = g.n = g.k = n, g.a = a.get(), g.lda = n, g.b = b.get(), g.ldb = n, g.c = c.get(), g.ldc = n;
    cudaEvent_t done;
    MLPE_CUDA_CHECK(cudaEventCreate(&done));
    for (int i = 0; i < 400; ++i) cuda::Sgemm(g);  // ~1-2 s of queued work
    MLPE_CUDA_CHECK(cudaEventRecord(done));
    std::vector<double> steps;
    double last = joules();
    auto t_last = Clock::now();
    const auto t0 = Clock::now();
    while (cudaEventQuery(done) == cudaErrorNotReady && Seconds(t0, Clock::now()) < 3.0) {
      const double v = joules();
      if (v != last) {
        const auto now = Clock::now();
        steps.push_back(Seconds(t_last, now));
        t_last = now, last = v;
      }
    }
    MLPE_CUDA_CHECK(cudaEventSynchronize(done));
    if (steps.size() > 2) steps.erase(steps.begin());  // the first step starts at an arbitrary phase
    std::printf("NVML energy counter update period under load: median %.2f ms over %zu updates (min %.2f, max %.2f)\n",
                Median(steps) * 1e3, steps.size(), steps.empty() ? NAN : *std::min_element(steps.begin(), steps.end()) * 1e3,
                steps.empty() ? NAN : *std::max_element(steps.begin(), steps.end()) * 1e3);
    cudaEventDestroy(done);
    // Idle again after the load, for the idle-corrected column.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const double e0 = joules();
    const auto t1 = Clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    idle_w = (joules() - e0) / Seconds(t1, Clock::now());
    std::printf("idle power after load: %.1f W\n", idle_w);
  }

  // 3. J/datum grid: rectangle depth 4, 32 inputs, 10 classes (softmax), 16384 training / 4096 test examples,
  // batch 256, Adam 1e-4, CUDA Graph replay. Window: from the end of epoch 1 to the end of the last epoch.
  const int inputs = 32, outputs = 10, depth = 4;
  const int64_t n_train = 16384, n_test = 4096;
  nn::Dataset data;
  data.inputs = inputs, data.outputs = outputs;
  std::mt19937 rng(42);
  std::normal_distribution<float> nd(0.f, 1.f);
  auto fill = [&](std::vector<float>& x, std::vector<float>& y, int64_t n) {
    x.resize(size_t(n) * inputs), y.assign(size_t(n) * outputs, 0.f);
    for (auto& v : x) v = nd(rng);
    for (int64_t i = 0; i < n; ++i) y[size_t(i) * outputs + (x[size_t(i) * inputs] > 0) * 5 + (i % 5)] = 1.f;
  };
  fill(data.x_train, data.y_train, n_train);
  fill(data.x_test, data.y_test, n_test);
  cuda::GpuTrainOptions gpu;
  gpu.cuda_graph = true;

  std::printf("\n%-6s %-22s %12s %10s %10s %9s %12s %12s %10s\n", "size", "widths", "params", "state MiB", "epochs",
              "s/epoch", "J/datum", "J/datum-idle", "avg W");
  for (int log2 = 10; log2 <= 24; log2 += 2) {
    nn::TrainOptions options;
    const std::vector<int> widths = RectangleWidths(int64_t(1) << log2, depth, inputs, outputs);
    options.network.inputs = inputs;
    options.network.widths.assign(widths.begin() + 1, widths.end());
    options.network.residual.assign(depth, false);
    options.network.head = nn::Head::SoftmaxCce;
    options.batch_size = 256;
    options.seed = 7;
    const int64_t np = options.network.NumFreeParameters();
    // Probe: 2 epochs to size the measured run to about 1.5 s.
    options.epochs = 2;
    const nn::TrainResult probe = cuda::GpuTrain(data, options, gpu);
    const double t_epoch = probe.epochs.back().seconds;
    options.epochs = std::clamp(int(std::ceil(1.5 / t_epoch)) + 1, 3, 400);
    double e_start = 0, e_end = 0;
    Clock::time_point t_start, t_end;
    nn::TrainHooks hooks;
    hooks.on_epoch = [&](const nn::EpochStats& ep) {
      if (ep.epoch == 0) e_start = joules(), t_start = Clock::now();
      if (ep.epoch == options.epochs - 1) e_end = joules(), t_end = Clock::now();
      return true;
    };
    const nn::TrainResult run = cuda::GpuTrain(data, options, gpu, hooks);
    const int measured = options.epochs - 1;
    const double secs = Seconds(t_start, t_end), joule = e_end - e_start;
    const double data_seen = double(measured) * n_train;
    char label[64];
    std::snprintf(label, sizeof label, "%d-%dx%d-%d", inputs, widths[1], depth - 1, outputs);
    std::printf("2^%-4d %-22s %12lld %10.1f %10d %9.4f %12.3e %12.3e %10.1f   (loss %.4f -> %.4f)\n", log2, label,
                static_cast<long long>(np), np * 16.0 / 1048576.0, measured, secs / measured, joule / data_seen,
                (joule - idle_w * secs) / data_seen, joule / secs, run.epochs.front().train_loss,
                run.epochs.back().train_loss);
    std::fflush(stdout);
  }
  std::printf("\nstate MiB = parameters + gradients + Adam m, v (16 B per parameter); L2 = %.1f MiB.\n",
              info.devices[0].l2_bytes / 1048576.0);
  std::printf("J/datum = NVML energy over the window / training examples processed (test evaluation included in the "
              "window, as BUTTER-E's per-epoch energy does); J/datum-idle subtracts the idle power measured above.\n");
  return 0;
#endif
}
