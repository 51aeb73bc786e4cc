// The BUTTER training loop on the GPU, with the CPU trainer's contract (nn/trainer.hpp: Dataset,
// TrainOptions, TrainResult, EpochStats): data resident on the device, forward (GEMM + fused bias/ReLU),
// output head + loss, backward (Xᵀ·dY and dY·Wᵀ GEMMs), Adam in one launch, per-epoch metrics copied back
// once per epoch, optionally one training step captured as a CUDA Graph and replayed.
// The seed gives the same start as the CPU path: nn/random.hpp's Glorot-uniform weights (zero biases) and
// its per-epoch shuffle order, computed on the host. Plain C++ header.
#pragma once
#include <functional>
#include <optional>
#include <vector>

#include "gpu_tiling.hpp"
#include "nn/trainer.hpp"

namespace mlpe::cuda {

struct GpuTrainOptions {
  std::optional<GpuTiling> tiling;  // every GEMM with this tiling; default: DefaultGpuTiling per GEMM shape
  bool cuda_graph = false;          // replay one captured step per full batch
  int device = 0;
};

// Throws what nn::Train throws for bad data/options (INVALID_DATA, INVALID_OPTION), INVALID_TILING,
// CUDA_UNAVAILABLE, OUT_OF_MEMORY, CUDA_ERROR. `final_parameters`, when set, receives the trained
// parameters in the CPU network's layout (per layer: kernel fan_in × width row-major, then bias).
nn::TrainResult GpuTrain(const nn::Dataset& data, const nn::TrainOptions& options, const GpuTrainOptions& gpu,
                         const nn::TrainHooks& hooks = {}, std::vector<float>* final_parameters = nullptr);

}  // namespace mlpe::cuda
