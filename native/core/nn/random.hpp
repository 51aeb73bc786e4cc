// The run's randomness, shared by the CPU trainer and the CUDA one (host side) so both start from the
// same weights and visit the data in the same order for a given seed.
//
// Generator: SplitMix64 (Steele, Lea, Flood 2014) used as a counter-based generator: the value for
// (seed, stream, index) is the SplitMix64 output mix of seed' + (index + 1)·γ, where seed' mixes the seed
// with the stream number. Every value is independent of the order it is drawn in, so weights can be
// produced in parallel or on a device and still match bit for bit.
//
// Streams: kInitStream + layer for layer weights, kShuffleStream + epoch for the epoch's order.
#pragma once
#include <cmath>
#include <cstdint>

namespace mlpe::nn {

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;  // SplitMix64's increment γ (2^64 / φ)
constexpr uint64_t kInitStream = 0x1000;
constexpr uint64_t kShuffleStream = 0x100000000ull;

// SplitMix64's output function (a bijective 64-bit mix).
constexpr uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

constexpr uint64_t RandomBits(uint64_t seed, uint64_t stream, uint64_t index) {
  return Mix64(Mix64(seed ^ Mix64(stream * kGolden)) + (index + 1) * kGolden);
}

// Uniform on [0, 1) with 53 random bits (exact in double).
inline double RandomUniform(uint64_t seed, uint64_t stream, uint64_t index) {
  return static_cast<double>(RandomBits(seed, stream, index) >> 11) * 0x1.0p-53;
}

// Keras glorot_uniform: U(−limit, limit) with limit = sqrt(6 / (fan_in + fan_out)), evaluated in double
// and rounded once to T. Layout is Keras's kernel layout, fan_in × fan_out row-major (index r·fan_out + c).
template <typename T>
void GlorotUniform(uint64_t seed, int layer, int64_t fan_in, int64_t fan_out, T* kernel) {
  const double limit = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  const int64_t count = fan_in * fan_out;
  for (int64_t i = 0; i < count; ++i) {
    const double u = RandomUniform(seed, kInitStream + static_cast<uint64_t>(layer), static_cast<uint64_t>(i));
    kernel[i] = static_cast<T>((2.0 * u - 1.0) * limit);
  }
}

// The epoch's visiting order: Fisher–Yates from the identity, j drawn for position i as
// floor(u · (i + 1)) with u from RandomUniform (bias below 2^-53·n, irrelevant).
template <typename Index>
void ShuffleOrder(uint64_t seed, int64_t epoch, int64_t n, Index* order) {
  for (int64_t i = 0; i < n; ++i) order[i] = static_cast<Index>(i);
  for (int64_t i = n - 1; i > 0; --i) {
    const double u = RandomUniform(seed, kShuffleStream + static_cast<uint64_t>(epoch), static_cast<uint64_t>(i));
    const int64_t j = static_cast<int64_t>(u * static_cast<double>(i + 1));
    const Index t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}

}  // namespace mlpe::nn
