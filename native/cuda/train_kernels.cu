#include "check.hpp"
#include "train_kernels.cuh"

namespace mlpe::cuda::train {

namespace {

constexpr int kThreads = 256;

unsigned Blocks(int64_t n) { return static_cast<unsigned>((n + kThreads - 1) / kThreads); }

__global__ void GatherKernel(const float* __restrict__ x, const float* __restrict__ y, const int32_t* __restrict__ order,
                             const StepState* state, int batch_size, int rows, int inputs, int outputs,
                             float* __restrict__ xb, float* __restrict__ yb) {
  const int i = blockIdx.x;  // one block per batch row
  if (i >= rows) return;
  const int64_t src = order[static_cast<int64_t>(state->batch) * batch_size + i];
  for (int j = threadIdx.x; j < inputs; j += blockDim.x) xb[int64_t(i) * inputs + j] = x[src * inputs + j];
  for (int j = threadIdx.x; j < outputs; j += blockDim.x) yb[int64_t(i) * outputs + j] = y[src * outputs + j];
}

__global__ void AddKernel(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ out, int64_t n) {
  const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i < n) out[i] = a[i] + b[i];
}

__global__ void ReluBackwardKernel(const float* __restrict__ dh, const float* __restrict__ a, float* __restrict__ dz,
                                   int64_t n) {
  const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i < n) dz[i] = a[i] > 0.f ? dh[i] : 0.f;
}

// One thread per column, walking the rows: neighbouring threads read neighbouring columns (coalesced).
__global__ void BiasGradKernel(const float* __restrict__ dz, int rows, int cols, float* __restrict__ db) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= cols) return;
  float sum = 0.f;
  for (int i = 0; i < rows; ++i) sum += dz[int64_t(i) * cols + j];
  db[j] = sum;
}

// One thread per row (BUTTER has at most a few tens of outputs). Formulas: nn/head.hpp.
__global__ void LossKernel(nn::Head head, const float* __restrict__ z, const float* __restrict__ y, int rows,
                           int outputs, int mean_rows, float* __restrict__ dz, double* loss_sum,
                           unsigned long long* correct) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  double row_loss = 0;
  bool right = false;
  if (i < rows) {
    const float* zi = z + int64_t(i) * outputs;
    const float* yi = y + int64_t(i) * outputs;
    float* dzi = dz ? dz + int64_t(i) * outputs : nullptr;
    const float inv_m = 1.f / float(mean_rows), inv_n = 1.f / float(outputs);
    int arg_z = 0, arg_y = 0;
    for (int j = 1; j < outputs; ++j) {
      if (zi[j] > zi[arg_z]) arg_z = j;  // softmax and sigmoid are monotone: argmax p = argmax z
      if (yi[j] > yi[arg_y]) arg_y = j;
    }
    if (head == nn::Head::SoftmaxCce) {
      const float top = zi[arg_z];
      double sum_exp = 0, sum_y = 0, y_dot_z = 0;
      for (int j = 0; j < outputs; ++j) {
        sum_exp += exp(double(zi[j] - top));
        sum_y += yi[j];
        y_dot_z += double(yi[j]) * (zi[j] - top);
      }
      row_loss = sum_y * log(sum_exp) - y_dot_z;
      if (dzi) {
        float fsum = 0;
        for (int j = 0; j < outputs; ++j) fsum += expf(zi[j] - top);
        for (int j = 0; j < outputs; ++j) dzi[j] = inv_m * (expf(zi[j] - top) / fsum * float(sum_y) - yi[j]);
      }
    } else {
      for (int j = 0; j < outputs; ++j) {
        const float p = 1.f / (1.f + expf(-zi[j]));
        if (head == nn::Head::SigmoidBce) {
          row_loss += double(fmaxf(zi[j], 0.f) - zi[j] * yi[j] + log1pf(expf(-fabsf(zi[j]))));
          if (dzi) dzi[j] = inv_n * inv_m * (p - yi[j]);
        } else {
          const float e = p - yi[j];
          row_loss += double(e) * e;
          if (dzi) dzi[j] = 2.f * inv_n * inv_m * e * p * (1.f - p);
        }
      }
      row_loss /= outputs;
    }
    right = outputs == 1 ? (1.f / (1.f + expf(-zi[0])) > 0.5f) == (yi[0] > 0.5f) : arg_z == arg_y;
  }
  // Warp sums first, then one atomic per warp.
  double v = row_loss;
  unsigned c = right ? 1u : 0u;
  for (int off = 16; off > 0; off /= 2) {
    v += __shfl_down_sync(0xffffffffu, v, off);
    c += __shfl_down_sync(0xffffffffu, c, off);
  }
  if ((threadIdx.x & 31) == 0) {
    if (v != 0.0) atomicAdd(loss_sum, v);
    if (correct && c) atomicAdd(correct, static_cast<unsigned long long>(c));
  }
}

__global__ void AdamKernel(float* __restrict__ p, const float* __restrict__ g, float* __restrict__ m,
                           float* __restrict__ v, int64_t n, const StepState* state, double lr, float beta1,
                           float beta2, float eps, double beta1_d, double beta2_d) {
  const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const double t = static_cast<double>(state->adam_t + 1);
  const float lr_t = static_cast<float>(lr * sqrt(1.0 - pow(beta2_d, t)) / (1.0 - pow(beta1_d, t)));
  const float gi = g[i];
  const float mi = beta1 * m[i] + (1.f - beta1) * gi;
  const float vi = beta2 * v[i] + (1.f - beta2) * gi * gi;
  m[i] = mi;
  v[i] = vi;
  p[i] -= lr_t * mi / (sqrtf(vi) + eps);
}

__global__ void AdvanceStepKernel(StepState* state) {
  state->batch += 1;
  state->adam_t += 1;
}

}  // namespace

void Gather(const float* x, const float* y, const int32_t* order, const StepState* state, int batch_size, int rows,
            int inputs, int outputs, float* xb, float* yb, cudaStream_t s) {
  GatherKernel<<<rows, 128, 0, s>>>(x, y, order, state, batch_size, rows, inputs, outputs, xb, yb);
  MLPE_CUDA_CHECK(cudaGetLastError());
}

void Add(const float* a, const float* b, float* out, int64_t n, cudaStream_t s) {
  AddKernel<<<Blocks(n), kThreads, 0, s>>>(a, b, out, n);
  MLPE_CUDA_CHECK(cudaGetLastError());
}

void ReluBackward(const float* dh, const float* a, float* dz, int64_t n, cudaStream_t s) {
  ReluBackwardKernel<<<Blocks(n), kThreads, 0, s>>>(dh, a, dz, n);
  MLPE_CUDA_CHECK(cudaGetLastError());
}

void BiasGrad(const float* dz, int rows, int cols, float* db, cudaStream_t s) {
  BiasGradKernel<<<Blocks(cols), kThreads, 0, s>>>(dz, rows, cols, db);
  MLPE_CUDA_CHECK(cudaGetLastError());
}

void LossAndGrad(nn::Head head, const float* z, const float* y, int rows, int outputs, int mean_rows, float* dz,
                 double* loss_sum, unsigned long long* correct, cudaStream_t s) {
  LossKernel<<<Blocks(rows), kThreads, 0, s>>>(head, z, y, rows, outputs, mean_rows, dz, loss_sum, correct);
  MLPE_CUDA_CHECK(cudaGetLastError());
}

void Adam(float* p, const float* g, float* m, float* v, int64_t n, const StepState* state, const nn::Adam& adam,
          cudaStream_t s) {
  AdamKernel<<<Blocks(n), kThreads, 0, s>>>(p, g, m, v, n, state, adam.learning_rate, float(adam.beta1),
                                            float(adam.beta2), float(adam.epsilon), adam.beta1, adam.beta2);
  MLPE_CUDA_CHECK(cudaGetLastError());
}

void AdvanceStep(StepState* state, cudaStream_t s) {
  AdvanceStepKernel<<<1, 1, 0, s>>>(state);
  MLPE_CUDA_CHECK(cudaGetLastError());
}

}  // namespace mlpe::cuda::train
