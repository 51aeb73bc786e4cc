// The device training loop (see train.hpp). Per run everything is allocated once: parameters, gradients
// and Adam moments as one contiguous block each (one Adam launch per step), activations and their
// gradients per layer for one batch, the data sets, the shuffle order and the step counters.
#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "check.hpp"
#include "device.hpp"
#include "device_buffer.hpp"
#include "sgemm.hpp"
#include "train.hpp"
#include "train_kernels.cuh"

namespace mlpe::cuda {

int64_t ParameterCount(const std::vector<int>& widths) {
  int64_t n = 0;
  for (size_t l = 0; l + 1 < widths.size(); ++l) n += (int64_t(widths[l]) + 1) * widths[l + 1];
  return n;
}

namespace {

[[noreturn]] void Invalid(const std::string& msg) { throw Error("INVALID_ARGUMENT", "GPU training: " + msg); }

void ValidateSpec(const GpuTrainSpec& s, const GpuTrainData& d, const std::vector<float>& init) {
  if (s.widths.size() < 2) Invalid("widths needs at least an input and an output width");
  for (int w : s.widths)
    if (w < 1) Invalid("every width must be at least 1");
  const size_t layers = s.widths.size() - 1;
  if (!s.residual.empty() && s.residual.size() != layers)
    Invalid("residual needs one flag per layer (" + std::to_string(layers) + ")");
  for (size_t l = 0; l < s.residual.size(); ++l)
    if (s.residual[l] && (s.widths[l] != s.widths[l + 1] || l + 1 == layers))
      Invalid("layer " + std::to_string(l) + " is residual but is the output layer or changes width");
  if (s.loss == GpuLoss::SoftmaxCce && s.widths.back() < 2) Invalid("softmax cross-entropy needs at least 2 outputs");
  if (s.batch_size < 1) Invalid("batch_size must be at least 1");
  if (s.epochs < 0) Invalid("epochs must be non-negative");
  if (!(s.learning_rate > 0) || !(s.beta1 >= 0 && s.beta1 < 1) || !(s.beta2 >= 0 && s.beta2 < 1) || !(s.epsilon > 0))
    Invalid("Adam needs learning_rate > 0, 0 <= beta1, beta2 < 1 and epsilon > 0");
  if (d.n_train < 1 || d.x_train == nullptr || d.y_train == nullptr) Invalid("no training data");
  if (d.n_train > INT32_MAX) Invalid("at most 2^31-1 training examples");
  if (d.n_test < 0 || (d.n_test > 0 && (d.x_test == nullptr || d.y_test == nullptr))) Invalid("test data missing");
  if (static_cast<int64_t>(init.size()) != ParameterCount(s.widths))
    Invalid("initial parameters have " + std::to_string(init.size()) + " values, the network has " +
            std::to_string(ParameterCount(s.widths)));
  if (s.tiling) Validate(*s.tiling);
}

class Trainer {
 public:
  Trainer(const GpuTrainSpec& spec, const GpuTrainData& data, const std::vector<float>& init)
      : spec_(spec), data_(data), layers_(int(spec.widths.size()) - 1), bs_(spec.batch_size) {
    MLPE_CUDA_CHECK(cudaSetDevice(spec.device));
    MLPE_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    MLPE_CUDA_CHECK(cudaDeviceGetAttribute(&sm_count_, cudaDevAttrMultiProcessorCount, spec.device));
    const int in = spec.widths.front(), out = spec.widths.back();
    x_train_ = DeviceBuffer<float>(size_t(data.n_train) * in);
    y_train_ = DeviceBuffer<float>(size_t(data.n_train) * out);
    x_train_.Upload(data.x_train, x_train_.size());
    y_train_.Upload(data.y_train, y_train_.size());
    x_test_ = DeviceBuffer<float>(size_t(data.n_test) * in);
    y_test_ = DeviceBuffer<float>(size_t(data.n_test) * out);
    x_test_.Upload(data.x_test, x_test_.size());
    y_test_.Upload(data.y_test, y_test_.size());

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
      const int w_in = spec.widths[l], w_out = spec.widths[l + 1];
      w_off_.push_back(offset);
      b_off_.push_back(offset + int64_t(w_in) * w_out);
      offset += (int64_t(w_in) + 1) * w_out;
      act_.emplace_back(size_t(bs_) * w_out);  // post-ReLU (hidden) or logits (output)
      out_.emplace_back(Residual(l) ? size_t(bs_) * w_out : 0);  // act + input, residual layers only
      dz_.emplace_back(size_t(bs_) * w_out);
      dh_.emplace_back(l > 0 ? size_t(bs_) * w_in : 0);  // gradient w.r.t. this layer's input
    }
    order_ = DeviceBuffer<int32_t>(size_t(data.n_train));
    MLPE_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&order_host_), sizeof(int32_t) * data.n_train));
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

  GpuTrainResult Run(const GpuTrainCallbacks& cb) {
    GpuTrainResult result;
    const auto t0 = std::chrono::steady_clock::now();
    const int full = int(data_.n_train / bs_), rest = int(data_.n_train % bs_);
    std::vector<int32_t> order(size_t(data_.n_train));
    for (int e = 0; e < spec_.epochs; ++e) {
      const auto e0 = std::chrono::steady_clock::now();
      NextOrder(cb, e, order);
      std::copy(order.begin(), order.end(), order_host_);
      MLPE_CUDA_CHECK(cudaMemcpyAsync(order_.get(), order_host_, sizeof(int32_t) * order.size(),
                                      cudaMemcpyHostToDevice, stream_));
      MLPE_CUDA_CHECK(cudaMemsetAsync(metrics_.get(), 0, sizeof(train::Metrics), stream_));
      // batch = 0 for the new epoch; adam_t carries on.
      MLPE_CUDA_CHECK(cudaMemsetAsync(&state_.get()->batch, 0, sizeof(int), stream_));
      for (int b = 0; b < full; ++b) {
        if (spec_.cuda_graph) {
          if (!graph_exec_) Capture();
          MLPE_CUDA_CHECK(cudaGraphLaunch(graph_exec_, stream_));
        } else {
          Step(bs_);
        }
      }
      if (rest > 0) Step(rest);
      Evaluate();
      // The epoch's only device-to-host copy.
      MLPE_CUDA_CHECK(cudaMemcpyAsync(metrics_host_, metrics_.get(), sizeof(train::Metrics), cudaMemcpyDeviceToHost,
                                      stream_));
      MLPE_CUDA_CHECK(cudaStreamSynchronize(stream_));
      GpuEpoch ep;
      ep.epoch = e;
      ep.train_loss = metrics_host_->train_loss_sum / double(data_.n_train);
      const double nan = std::numeric_limits<double>::quiet_NaN();
      ep.test_loss = data_.n_test > 0 ? metrics_host_->test_loss_sum / double(data_.n_test) : nan;
      ep.test_accuracy = data_.n_test > 0 && spec_.loss != GpuLoss::SigmoidMse
                             ? double(metrics_host_->test_correct) / double(data_.n_test)
                             : nan;
      ep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count();
      result.epochs.push_back(ep);
      if (cb.on_epoch && !cb.on_epoch(ep)) {
        result.cancelled = true;
        break;
      }
    }
    result.parameters.resize(params_.size());
    MLPE_CUDA_CHECK(cudaMemcpy(result.parameters.data(), params_.get(), params_.size() * sizeof(float),
                               cudaMemcpyDeviceToHost));
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return result;
  }

 private:
  bool Residual(int l) const { return !spec_.residual.empty() && spec_.residual[l]; }
  const float* W(int l) const { return params_.get() + w_off_[l]; }
  const float* B(int l) const { return params_.get() + b_off_[l]; }
  float* GW(int l) const { return grads_.get() + w_off_[l]; }
  float* GB(int l) const { return grads_.get() + b_off_[l]; }
  // Output of layer l: the residual sum where there is one, else the activation.
  float* Out(int l) const { return Residual(l) ? out_[l].get() : act_[l].get(); }

  void NextOrder(const GpuTrainCallbacks& cb, int epoch, std::vector<int32_t>& order) {
    if (cb.shuffle) {
      cb.shuffle(epoch, order);
      if (order.size() != size_t(data_.n_train)) Invalid("shuffle must leave n_train indices");
      for (int32_t i : order)
        if (i < 0 || i >= data_.n_train) Invalid("shuffle produced index " + std::to_string(i) + " out of range");
    } else {
      for (size_t i = 0; i < order.size(); ++i) order[i] = int32_t(i);
    }
  }

  void Gemm(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float beta,
            float* c, int ldc, const float* bias, bool relu) {
    gemm::Args g;
    g.trans_a = ta, g.trans_b = tb, g.m = m, g.n = n, g.k = k;
    g.a = a, g.lda = lda, g.b = b, g.ldb = ldb, g.beta = beta, g.c = c, g.ldc = ldc;
    g.epilogue.bias = bias, g.epilogue.relu = relu;
    Sgemm(g, spec_.tiling ? *spec_.tiling : DefaultGpuTiling(m, n, sm_count_), stream_);
  }

  // Forward over `rows` examples starting at x; leaves logits in act_.back().
  void Forward(const float* x, int rows) {
    const float* h = x;
    for (int l = 0; l < layers_; ++l) {
      const int w_in = spec_.widths[l], w_out = spec_.widths[l + 1];
      const bool hidden = l + 1 < layers_;
      Gemm(false, false, rows, w_out, w_in, h, w_in, W(l), w_out, 0.f, act_[l].get(), w_out, B(l), hidden);
      if (Residual(l)) train::Add(act_[l].get(), h, out_[l].get(), int64_t(rows) * w_out, stream_);
      h = Out(l);
    }
  }

  // One training step on `rows` examples of the current batch (batch index read on the device).
  void Step(int rows) {
    const int in = spec_.widths.front(), outs = spec_.widths.back();
    train::Gather(x_train_.get(), y_train_.get(), order_.get(), state_.get(), bs_, rows, in, outs, xb_.get(),
                  yb_.get(), stream_);
    Forward(xb_.get(), rows);
    train::LossAndGrad(spec_.loss, act_.back().get(), yb_.get(), rows, outs, rows, dz_.back().get(),
                       &metrics_.get()->train_loss_sum, nullptr, stream_);
    for (int l = layers_ - 1; l >= 0; --l) {
      const int w_in = spec_.widths[l], w_out = spec_.widths[l + 1];
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
    train::Adam(params_.get(), grads_.get(), m_.get(), v_.get(), int64_t(params_.size()), state_.get(),
                spec_.learning_rate, spec_.beta1, spec_.beta2, spec_.epsilon, stream_);
    train::AdvanceStep(state_.get(), stream_);
  }

  void Evaluate() {
    const int in = spec_.widths.front(), outs = spec_.widths.back();
    for (int64_t s = 0; s < data_.n_test; s += bs_) {
      const int rows = int(std::min<int64_t>(bs_, data_.n_test - s));
      Forward(x_test_.get() + s * in, rows);
      train::LossAndGrad(spec_.loss, act_.back().get(), y_test_.get() + s * outs, rows, outs, rows, nullptr,
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

  const GpuTrainSpec& spec_;
  const GpuTrainData& data_;
  const int layers_, bs_;
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

GpuTrainResult GpuTrain(const GpuTrainSpec& spec, const GpuTrainData& data, const std::vector<float>& init,
                        const GpuTrainCallbacks& callbacks) {
  ValidateSpec(spec, data, init);
  RequireDevice();
  Trainer trainer(spec, data, init);
  return trainer.Run(callbacks);
}

}  // namespace mlpe::cuda
