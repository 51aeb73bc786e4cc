// The device training loop (see train.hpp). Per run everything is allocated once: parameters, gradients
// and Adam moments as one contiguous block each (one Adam launch per step), activations and their
// gradients per layer for one batch, the data sets, the shuffle order and the step counters.
#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "check.hpp"
#include "device.hpp"
#include "nn/random.hpp"
#include "device_buffer.hpp"
#include "sgemm.hpp"
#include "train.hpp"
#include "train_kernels.cuh"

namespace mlpe::cuda {

namespace {

// nn::Train's checks (the shared nn::ValidateRunOptions), then the GPU trainer's own limits and tiling.
void ValidateRun(const nn::Dataset& data, const nn::TrainOptions& o, const GpuTrainOptions& gpu) {
  nn::ValidateDataset(data);
  nn::Validate(o.network);
  nn::ValidateRunOptions(data, o);
  if (data.train_rows() > INT32_MAX || data.test_rows() > INT32_MAX)
    throw Error("INVALID_DATA", "the GPU trainer takes at most 2^31 − 1 rows per set");
  if (gpu.tiling) Validate(*gpu.tiling);
}

class Trainer {
 public:
  Trainer(const nn::Dataset& data, const nn::TrainOptions& options, const GpuTrainOptions& gpu)
      : options_(options),
        gpu_(gpu),
        layers_(options.network.depth()),
        n_train_(data.train_rows()),
        n_test_(data.test_rows()),
        bs_(int(std::min<int64_t>(options.batch_size, data.train_rows()))) {
    widths_.push_back(int(options.network.inputs));
    for (int64_t w : options.network.widths) widths_.push_back(int(w));
    MLPE_CUDA_CHECK(cudaSetDevice(gpu.device));
    MLPE_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    MLPE_CUDA_CHECK(cudaDeviceGetAttribute(&sm_count_, cudaDevAttrMultiProcessorCount, gpu.device));
    const int in = widths_.front(), out = widths_.back();
    x_train_ = DeviceBuffer<float>(data.x_train.size());
    y_train_ = DeviceBuffer<float>(data.y_train.size());
    x_train_.Upload(data.x_train.data(), x_train_.size());
    y_train_.Upload(data.y_train.data(), y_train_.size());
    x_test_ = DeviceBuffer<float>(data.x_test.size());
    y_test_ = DeviceBuffer<float>(data.y_test.size());
    x_test_.Upload(data.x_test.data(), x_test_.size());
    y_test_.Upload(data.y_test.data(), y_test_.size());

    // The CPU network's start: Glorot-uniform kernels from the seed, zero biases.
    std::vector<float> init(size_t(options.network.NumFreeParameters()), 0.f);
    for (int64_t l = 0, offset = 0; l < layers_; ++l) {
      nn::GlorotUniform(options.seed, int(l), widths_[l], widths_[l + 1], init.data() + offset);
      offset += (int64_t(widths_[l]) + 1) * widths_[l + 1];
    }
    const size_t np = init.size();
    params_ = DeviceBuffer<float>(np);
    params_.Upload(init.data(), np);
    grads_ = DeviceBuffer<float>(np);
    m_ = DeviceBuffer<float>(np);
    v_ = DeviceBuffer<float>(np);
    MLPE_CUDA_CHECK(cudaMemset(m_.get(), 0, np * sizeof(float)));
    MLPE_CUDA_CHECK(cudaMemset(v_.get(), 0, np * sizeof(float)));

    xb_ = DeviceBuffer<float>(size_t(bs_) * in);
    yb_ = DeviceBuffer<float>(size_t(bs_) * out);
    int64_t offset = 0;
    for (int l = 0; l < layers_; ++l) {
      const int w_in = widths_[l], w_out = widths_[l + 1];
      w_off_.push_back(offset);
      b_off_.push_back(offset + int64_t(w_in) * w_out);
      offset += (int64_t(w_in) + 1) * w_out;
      act_.emplace_back(size_t(bs_) * w_out);  // post-ReLU (hidden) or logits (output)
      out_.emplace_back(Residual(l) ? size_t(bs_) * w_out : 0);  // act + input, residual layers only
      dz_.emplace_back(size_t(bs_) * w_out);
      dh_.emplace_back(l > 0 ? size_t(bs_) * w_in : 0);  // gradient w.r.t. this layer's input
    }
    order_ = DeviceBuffer<int32_t>(size_t(n_train_));
    MLPE_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&order_host_), sizeof(int32_t) * n_train_));
    MLPE_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&metrics_host_), sizeof(train::Metrics)));
    state_ = DeviceBuffer<train::StepState>(1);
    metrics_ = DeviceBuffer<train::Metrics>(1);
    MLPE_CUDA_CHECK(cudaMemset(state_.get(), 0, sizeof(train::StepState)));
  }

  ~Trainer() {
    if (graph_exec_) cudaGraphExecDestroy(graph_exec_);
    if (order_host_) cudaFreeHost(order_host_);
    if (metrics_host_) cudaFreeHost(metrics_host_);
    if (stream_) cudaStreamDestroy(stream_);
  }

  nn::TrainResult Run(const nn::TrainHooks& hooks, std::vector<float>* final_params) {
    nn::TrainResult result;
    const auto t0 = std::chrono::steady_clock::now();
    const int full = int(n_train_ / bs_), rest = int(n_train_ % bs_);
    for (int e = 0; e < options_.epochs; ++e) {
      const auto e0 = std::chrono::steady_clock::now();
      nn::ShuffleOrder(options_.seed, e, n_train_, order_host_);  // the CPU trainer's order
      MLPE_CUDA_CHECK(cudaMemcpyAsync(order_.get(), order_host_, sizeof(int32_t) * n_train_,
                                      cudaMemcpyHostToDevice, stream_));
      MLPE_CUDA_CHECK(cudaMemsetAsync(metrics_.get(), 0, sizeof(train::Metrics), stream_));
      // batch = 0 for the new epoch; adam_t carries on.
      MLPE_CUDA_CHECK(cudaMemsetAsync(&state_.get()->batch, 0, sizeof(int), stream_));
      // A stop request ends the enqueueing; steps already queued still run before the next synchronising
      // call (the host runs ahead of the device by up to the launch queue's depth).
      for (int b = 0; b < full + (rest > 0 ? 1 : 0); ++b) {
        if (hooks.stop_requested && hooks.stop_requested()) {
          result.cancelled = true;
          break;
        }
        if (b == full) {
          Step(rest);
        } else if (gpu_.cuda_graph) {
          if (!graph_exec_) Capture();
          MLPE_CUDA_CHECK(cudaGraphLaunch(graph_exec_, stream_));
        } else {
          Step(bs_);
        }
      }
      if (result.cancelled) {  // the epoch in progress is dropped once its queued steps are done
        MLPE_CUDA_CHECK(cudaStreamSynchronize(stream_));
        break;
      }
      Evaluate();
      // The epoch's only device-to-host copy.
      MLPE_CUDA_CHECK(cudaMemcpyAsync(metrics_host_, metrics_.get(), sizeof(train::Metrics), cudaMemcpyDeviceToHost,
                                      stream_));
      MLPE_CUDA_CHECK(cudaStreamSynchronize(stream_));
      nn::EpochStats ep;
      ep.epoch = e;
      ep.train_loss = metrics_host_->train_loss_sum / double(n_train_);
      const double nan = std::numeric_limits<double>::quiet_NaN();
      ep.test_loss = n_test_ > 0 ? metrics_host_->test_loss_sum / double(n_test_) : nan;
      ep.test_accuracy = n_test_ > 0 ? double(metrics_host_->test_correct) / double(n_test_) : nan;
      ep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count();
      result.epochs.push_back(ep);
      if (hooks.on_epoch && !hooks.on_epoch(ep)) {
        result.cancelled = true;
        break;
      }
    }
    if (final_params) {
      final_params->resize(params_.size());
      MLPE_CUDA_CHECK(cudaMemcpy(final_params->data(), params_.get(), params_.size() * sizeof(float),
                                 cudaMemcpyDeviceToHost));
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return result;
  }

 private:
  bool Residual(int l) const { return options_.network.residual[l]; }
  const float* W(int l) const { return params_.get() + w_off_[l]; }
  const float* B(int l) const { return params_.get() + b_off_[l]; }
  float* GW(int l) const { return grads_.get() + w_off_[l]; }
  float* GB(int l) const { return grads_.get() + b_off_[l]; }
  // Output of layer l: the residual sum where there is one, else the activation.
  float* Out(int l) const { return Residual(l) ? out_[l].get() : act_[l].get(); }

  void Gemm(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float beta,
            float* c, int ldc, const float* bias, bool relu) {
    gemm::Args g;
    g.trans_a = ta, g.trans_b = tb, g.m = m, g.n = n, g.k = k;
    g.a = a, g.lda = lda, g.b = b, g.ldb = ldb, g.beta = beta, g.c = c, g.ldc = ldc;
    g.epilogue.bias = bias, g.epilogue.relu = relu;
    Sgemm(g, gpu_.tiling ? *gpu_.tiling : DefaultGpuTiling(m, n, sm_count_), stream_);
  }

  // Forward over `rows` examples starting at x; leaves logits in act_.back().
  void Forward(const float* x, int rows) {
    const float* h = x;
    for (int l = 0; l < layers_; ++l) {
      const int w_in = widths_[l], w_out = widths_[l + 1];
      const bool hidden = l + 1 < layers_;
      Gemm(false, false, rows, w_out, w_in, h, w_in, W(l), w_out, 0.f, act_[l].get(), w_out, B(l), hidden);
      if (Residual(l)) train::Add(act_[l].get(), h, out_[l].get(), int64_t(rows) * w_out, stream_);
      h = Out(l);
    }
  }

  // One training step on `rows` examples of the current batch (batch index read on the device).
  void Step(int rows) {
    const int in = widths_.front(), outs = widths_.back();
    train::Gather(x_train_.get(), y_train_.get(), order_.get(), state_.get(), bs_, rows, in, outs, xb_.get(),
                  yb_.get(), stream_);
    Forward(xb_.get(), rows);
    train::LossAndGrad(options_.network.head, act_.back().get(), yb_.get(), rows, outs, rows, dz_.back().get(),
                       &metrics_.get()->train_loss_sum, nullptr, stream_);
    for (int l = layers_ - 1; l >= 0; --l) {
      const int w_in = widths_[l], w_out = widths_[l + 1];
      const float* h = l == 0 ? xb_.get() : Out(l - 1);
      // dW_l = H_lᵀ·dZ_l, db_l = Σ_rows dZ_l
      Gemm(true, false, w_in, w_out, rows, h, w_in, dz_[l].get(), w_out, 0.f, GW(l), w_out, nullptr, false);
      train::BiasGrad(dz_[l].get(), rows, w_out, GB(l), stream_);
      if (l == 0) break;
      // dH_l = dZ_l·W_lᵀ (+ dH_{l+1} through the skip connection of a residual layer)
      float beta = 0.f;
      if (Residual(l)) {
        const float* upstream = dh_[l + 1].get();
        MLPE_CUDA_CHECK(cudaMemcpyAsync(dh_[l].get(), upstream, sizeof(float) * size_t(rows) * w_out,
                                        cudaMemcpyDeviceToDevice, stream_));
        beta = 1.f;
      }
      Gemm(false, true, rows, w_in, w_out, dz_[l].get(), w_out, W(l), w_out, beta, dh_[l].get(), w_in, nullptr, false);
      // dZ_{l-1} = dH_l ⊙ [A_{l-1} > 0]
      train::ReluBackward(dh_[l].get(), act_[l - 1].get(), dz_[l - 1].get(), int64_t(rows) * w_in, stream_);
    }
    train::Adam(params_.get(), grads_.get(), m_.get(), v_.get(), int64_t(params_.size()), state_.get(), options_.adam,
                stream_);
    train::AdvanceStep(state_.get(), stream_);
  }

  void Evaluate() {
    const int in = widths_.front(), outs = widths_.back();
    for (int64_t s = 0; s < n_test_; s += bs_) {
      const int rows = int(std::min<int64_t>(bs_, n_test_ - s));
      Forward(x_test_.get() + s * in, rows);
      train::LossAndGrad(options_.network.head, act_.back().get(), y_test_.get() + s * outs, rows, outs, rows, nullptr,
                         &metrics_.get()->test_loss_sum, &metrics_.get()->test_correct, stream_);
    }
  }

  // One full-batch step as a CUDA Graph: the same launches as Step, replayed with device-side counters.
  void Capture() {
    cudaGraph_t graph;
    MLPE_CUDA_CHECK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal));
    try {
      Step(bs_);
    } catch (...) {
      cudaStreamEndCapture(stream_, &graph);
      throw;
    }
    MLPE_CUDA_CHECK(cudaStreamEndCapture(stream_, &graph));
    const cudaError_t st = cudaGraphInstantiate(&graph_exec_, graph, 0);
    cudaGraphDestroy(graph);
    MLPE_CUDA_CHECK(st);
  }

  const nn::TrainOptions& options_;
  const GpuTrainOptions& gpu_;
  const int layers_;
  const int64_t n_train_, n_test_;
  const int bs_;
  std::vector<int> widths_;  // inputs, then each layer's width
  int sm_count_ = 0;
  cudaStream_t stream_ = nullptr;
  cudaGraphExec_t graph_exec_ = nullptr;
  DeviceBuffer<float> x_train_, y_train_, x_test_, y_test_, params_, grads_, m_, v_, xb_, yb_;
  std::vector<DeviceBuffer<float>> act_, out_, dz_, dh_;
  std::vector<int64_t> w_off_, b_off_;
  DeviceBuffer<int32_t> order_;
  int32_t* order_host_ = nullptr;
  train::Metrics* metrics_host_ = nullptr;
  DeviceBuffer<train::StepState> state_;
  DeviceBuffer<train::Metrics> metrics_;
};

}  // namespace

nn::TrainResult GpuTrain(const nn::Dataset& data, const nn::TrainOptions& options, const GpuTrainOptions& gpu,
                         const nn::TrainHooks& hooks, std::vector<float>* final_parameters) {
  ValidateRun(data, options, gpu);
  RequireDevice();
  Trainer trainer(data, options, gpu);
  return trainer.Run(hooks, final_parameters);
}

}  // namespace mlpe::cuda
