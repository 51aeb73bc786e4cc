// The row-parallel training step. On small networks (BUTTER's 2^5–2^16 parameters) every GEMM of a
// step is a few µs of work, and handing half of each one to another thread costs more than it saves
// (measured: a 256×182×8 product on 2 threads is slower than on 1). So with threads > 1 such networks
// split the minibatch's rows instead: each thread runs the whole forward and backward pass on its share
// into its own gradient copy, then, after one barrier, sums a slice of the copies and takes the Adam
// step on that slice. Two hand-offs per step instead of two per GEMM.
//
// The gradient is summed in another order than the one-thread step, so results agree with it to float
// tolerance (as GEMM threading's do), and repeat exactly for a given thread count.
#pragma once
#include <algorithm>
#include <cstdint>
#include <exception>
#include <vector>

#include "common/thread_pool.hpp"
#include "nn/gather.hpp"
#include "nn/head.hpp"
#include "nn/network.hpp"

namespace mlpe::nn {

// Whether splitting rows beats splitting GEMMs for this network, minibatch and thread count. Measured on
// 2 Zen 5 cores (µs per datum, 1 thread / GEMM split / row split): 8-59-59-1 0.221/0.220/0.243,
// 784-19-19-10 1.07/0.96/0.82, 784-75-75-10 2.51/2.28/1.91, 784-220-220-10 6.56/5.21/4.73,
// 784-701-701-10 36.0/23.4/23.0. A share needs some 8 MFLOP of work to repay the cache lines that cross
// cores each step (x rows, gradients, parameters; ~0.3 µs a line here); above 2^20 parameters the GEMMs
// split well and the per-thread gradient copies (4 bytes a parameter) stop paying for themselves.
inline bool RowSplitPays(const NetworkSpec& spec, int64_t batch, int threads) {
  const int64_t params = spec.NumFreeParameters();
  const double share_flops = 6.0 * static_cast<double>(batch) * static_cast<double>(params) / threads;
  return threads > 1 && share_flops >= 8e6 && params <= (int64_t{1} << 20);
}

class RowSplitStepper {
 public:
  // Threads split at multiples of this many rows (and parameters at multiples of 16 floats), so shares
  // start on cache-line boundaries of the activation buffers more often than not.
  static constexpr int64_t kRowGrain = 16;

  RowSplitStepper(Network<float>& net, int threads)
      : net_(net), threads_(std::max(threads, 1)), partial_(threads_ - 1, std::vector<float>(net.params().size())),
        loss_(threads_), correct_(threads_), error_(threads_) {}

  // Gather, forward, backward and Adam on a minibatch of m rows; returns the summed loss of the m rows.
  double Step(const MinibatchRows& batch, int64_t m, const gemm::Tiling& tiling, const Adam& adam) {
    const int64_t in = net_.spec().inputs, out = net_.spec().outputs();
    const AdamFactors<float> f = net_.NextAdamFactors(adam);
    const int team = TeamFor(m);
    TeamBarrier barrier(team);
    const gemm::Tiling alone = Alone(tiling);
    ThreadPool::Shared().Run(team, [&](int tid, int size) {
      const int64_t row0 = Split(m, kRowGrain, tid, size), rows = Split(m, kRowGrain, tid + 1, size) - row0;
      float* grads = tid == 0 ? net_.grads_data() : partial_[tid - 1].data();
      try {
        Gather(batch.x, in, batch.order + row0, rows, batch.xb + row0 * in);
        Gather(batch.y, out, batch.order + row0, rows, batch.yb + row0 * out);
        net_.ForwardRows(batch.xb, row0, rows, alone);
        loss_[tid] = net_.BackwardRows(batch.xb, batch.yb, row0, rows, m, grads, alone);
      } catch (...) {
        error_[tid] = std::current_exception();  // still meet the barrier: the others wait for it
      }
      if (size > 1) barrier.Wait();
      for (const std::exception_ptr& e : error_)
        if (e) return;
      const int64_t n = static_cast<int64_t>(net_.params().size());
      const int64_t begin = Split(n, 16, tid, size), end = Split(n, 16, tid + 1, size);
      float* sum = net_.grads_data();
      for (int t = 1; t < size; ++t) {
        const float* part = partial_[t - 1].data();
        for (int64_t i = begin; i < end; ++i) sum[i] += part[i];
      }
      net_.AdamRange(f, begin, end);
    });
    return Collect(team, loss_);
  }

  // The test pass over m rows: forward on each thread's share, then its loss and correct count.
  double Evaluate(const float* x, const float* y, int64_t m, const gemm::Tiling& tiling, int64_t* correct) {
    const int team = TeamFor(m);
    const gemm::Tiling alone = Alone(tiling);
    const Head head = net_.spec().head;
    const int64_t n = net_.spec().outputs();
    ThreadPool::Shared().Run(team, [&](int tid, int size) {
      const int64_t row0 = Split(m, kRowGrain, tid, size), rows = Split(m, kRowGrain, tid + 1, size) - row0;
      try {
        net_.ForwardRows(x, row0, rows, alone);
        const float* p = net_.probabilities() + row0 * n;
        loss_[tid] = LossAndGradient<float>(head, net_.logits() + row0 * n, p, y + row0 * n, rows, n, nullptr);
        correct_[tid] = CountCorrect(p, y + row0 * n, rows, n);
      } catch (...) {
        error_[tid] = std::current_exception();
      }
    });
    const double loss = Collect(team, loss_);
    int64_t total = 0;
    for (int t = 0; t < team; ++t) total += correct_[t];
    std::fill(correct_.begin(), correct_.end(), 0);
    *correct += total;
    return loss;
  }

 private:
  // Element i·count/size of [0, count), rounded down to a multiple of grain (the last share takes the rest).
  static int64_t Split(int64_t count, int64_t grain, int i, int size) {
    if (i >= size) return count;
    return std::min(count, count * i / size / grain * grain);
  }
  int TeamFor(int64_t m) const {
    return static_cast<int>(std::clamp<int64_t>(m / kRowGrain, 1, threads_));  // every share ≥ kRowGrain rows
  }
  static gemm::Tiling Alone(const gemm::Tiling& tiling) {
    gemm::Tiling t = tiling;
    t.threads = 1;  // each share's GEMMs run on the thread that owns the share
    return t;
  }
  // Sums the shares' values in thread order (the same order every step) and rethrows a share's error.
  // The pool may have run the task alone (size 1: another caller held it), in which case share 0 was the
  // whole minibatch and the others were never written this step.
  double Collect(int team, std::vector<double>& values) {
    double total = 0;
    for (int t = 0; t < team; ++t) total += values[t];
    std::fill(values.begin(), values.end(), 0.0);
    for (std::exception_ptr& e : error_) {
      if (!e) continue;
      std::exception_ptr first = e;
      std::fill(error_.begin(), error_.end(), nullptr);
      std::rethrow_exception(first);
    }
    return total;
  }

  Network<float>& net_;
  const int threads_;
  std::vector<std::vector<float>> partial_;  // threads 1.. gradient copies (thread 0 uses the network's own)
  std::vector<double> loss_;
  std::vector<int64_t> correct_;
  std::vector<std::exception_ptr> error_;
};

}  // namespace mlpe::nn
