// The GPU side of trainStart (native/addon/train.cpp): the `gpu` field of the call parsed here, and the
// run dispatched to the CUDA trainer. Compiles without CUDA: then a `gpu` request is CUDA_UNAVAILABLE.
#pragma once
#include <napi.h>

#include <array>
#include <functional>

#include "nn/trainer.hpp"

namespace mlpe::addon {

struct GpuRunOptions {
  bool enabled = false;     // the call asked for device 'gpu'
  bool cuda_graph = false;
  bool has_tiling = false;
  std::array<int, 8> tiling{};  // bm, bn, bk, wm, wn, tm, tn, stages
};

// `gpu` is undefined (CPU run) or { cudaGraph?: boolean, tiling?: GpuTiling }. Throws CUDA_UNAVAILABLE
// with the reason when this build or machine cannot run it, INVALID_TILING for a bad tiling.
GpuRunOptions ParseGpuRunOptions(Napi::Env env, const Napi::Value& gpu);

// Runs on the worker thread (no Napi).
nn::TrainResult TrainOnGpu(const nn::Dataset& data, const nn::TrainOptions& options, const GpuRunOptions& gpu,
                           const nn::TrainHooks& hooks);

}  // namespace mlpe::addon
