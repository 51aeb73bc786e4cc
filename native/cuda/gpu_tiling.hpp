// Explicit tiling of the CUDA SGEMM, named as CUTLASS names the levels: a bm×bn block tile of C per CTA
// stepping through k by bk (shared memory, `stages` buffers), a wm×wn warp tile, and a tm×tn thread
// micro-tile in registers. A warp's 32 lanes sit as 4 rows × 8 columns, so a warp tile is covered by
// (wm / 4tm) × (wn / 8tn) thread micro-tiles per lane. Only a fixed set of instances is compiled
// (CompiledGpuTilings); Validate names the broken rule or the nearest compiled tiling.
#pragma once
#include <string>
#include <vector>

namespace mlpe::cuda {

struct GpuTiling {
  int bm = 0, bn = 0, bk = 0;  // CTA tile of C and its k step (shared memory)
  int wm = 0, wn = 0;          // warp tile
  int tm = 0, tn = 0;          // thread micro-tile (registers), in float4 groups
  int stages = 0;              // shared-memory buffers: 1 = single, 2 = double buffered with register prefetch

  bool operator==(const GpuTiling& o) const {
    return bm == o.bm && bn == o.bn && bk == o.bk && wm == o.wm && wn == o.wn && tm == o.tm && tn == o.tn &&
           stages == o.stages;
  }
};

// Lanes of a warp over its tile (fixed; see the header comment).
constexpr int kLaneRows = 4;
constexpr int kLaneCols = 8;
// Padding of each shared-memory row (floats): keeps float4 alignment and breaks the 2-way bank conflict
// of the transposed stores.
constexpr int kSmemPad = 4;

int Threads(const GpuTiling& t);          // (bm/wm)·(bn/wn)·32
int SharedBytes(const GpuTiling& t);      // stages·bk·(bm+pad + bn+pad)·4
std::string Describe(const GpuTiling& t); // "bm=128 bn=128 bk=8 wm=32 wn=64 tm=4 tn=4 stages=2"

// Rules every tiling must obey, whether compiled or not; empty string when all hold.
std::string BrokenRule(const GpuTiling& t);

// Throws mlpe::Error(INVALID_TILING) naming the broken rule, or, for a valid tiling that is not
// compiled, listing the compiled ones.
void Validate(const GpuTiling& t);

// The compiled instances (sgemm.cu owns the table).
const std::vector<GpuTiling>& CompiledGpuTilings();

// The compiled tiling for C of m×n on a device with `sm_count` multiprocessors: the largest CTA tile
// that still fills about one wave, else the smallest tile.
GpuTiling DefaultGpuTiling(long long m, long long n, int sm_count);

}  // namespace mlpe::cuda
