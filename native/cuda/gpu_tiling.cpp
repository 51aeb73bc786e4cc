// Validation of GpuTiling: each rule with the reason it exists, checked in the order a user would fix them.
#include "gpu_tiling.hpp"

#include <sstream>

#include "common/error.hpp"

namespace mlpe::cuda {

int Threads(const GpuTiling& t) {
  if (t.wm <= 0 || t.wn <= 0) return 0;
  return (t.bm / t.wm) * (t.bn / t.wn) * 32;
}

int SharedBytes(const GpuTiling& t) {
  return t.stages * t.bk * ((t.bm + kSmemPad) + (t.bn + kSmemPad)) * static_cast<int>(sizeof(float));
}

std::string Describe(const GpuTiling& t) {
  std::ostringstream s;
  s << "bm=" << t.bm << " bn=" << t.bn << " bk=" << t.bk << " wm=" << t.wm << " wn=" << t.wn << " tm=" << t.tm
    << " tn=" << t.tn << " stages=" << t.stages;
  return s.str();
}

std::string BrokenRule(const GpuTiling& t) {
  std::ostringstream s;
  if (t.bm <= 0 || t.bn <= 0 || t.bk <= 0 || t.wm <= 0 || t.wn <= 0 || t.tm <= 0 || t.tn <= 0) {
    s << "every field must be a positive integer";
  } else if (t.tm % 4 != 0 || t.tn % 4 != 0) {
    // Micro-tile fragments are read from shared memory as float4.
    s << "tm and tn must be multiples of 4 (fragments are read as float4), got tm=" << t.tm << " tn=" << t.tn;
  } else if (t.wm % (kLaneRows * t.tm) != 0 || t.wn % (kLaneCols * t.tn) != 0) {
    // 4×8 lanes tile the warp tile with whole micro-tiles.
    s << "wm must be a multiple of " << kLaneRows << "·tm and wn of " << kLaneCols << "·tn (a warp is 4×8 lanes), got wm="
      << t.wm << " wn=" << t.wn;
  } else if (t.bm % t.wm != 0 || t.bn % t.wn != 0) {
    s << "bm must be a multiple of wm and bn of wn, got bm=" << t.bm << " wm=" << t.wm << " bn=" << t.bn << " wn=" << t.wn;
  } else if (t.bk % 4 != 0) {
    s << "bk must be a multiple of 4 (tiles are loaded as float4 along k), got " << t.bk;
  } else if (Threads(t) > 1024) {
    s << "(bm/wm)·(bn/wn)·32 = " << Threads(t) << " threads per CTA exceeds 1024: use larger warp tiles";
  } else if ((t.bm * t.bk) % (4 * Threads(t)) != 0 || (t.bn * t.bk) % (4 * Threads(t)) != 0) {
    // Each thread loads whole float4s of both tiles every k step.
    s << "bm·bk and bn·bk must be multiples of 4·threads = " << 4 * Threads(t) << " (each thread loads whole float4s)";
  } else if ((t.wm / kLaneRows) * (t.wn / kLaneCols) > 128) {
    // More accumulators than this spill registers to local memory.
    s << "a thread would hold " << (t.wm / kLaneRows) * (t.wn / kLaneCols)
      << " accumulators (wm·wn/32); at most 128 fit in registers";
  } else if (t.stages != 1 && t.stages != 2) {
    s << "stages must be 1 (single buffer) or 2 (double buffer), got " << t.stages;
  } else if (SharedBytes(t) > 48 * 1024) {
    s << "shared memory stages·bk·(bm+bn+8)·4 = " << SharedBytes(t) << " bytes exceeds the 48 KiB static limit";
  }
  return s.str();
}

void Validate(const GpuTiling& t) {
  const std::string broken = BrokenRule(t);
  if (!broken.empty()) throw Error("INVALID_TILING", "invalid GPU tiling (" + Describe(t) + "): " + broken);
  for (const auto& c : CompiledGpuTilings())
    if (c == t) return;
  std::string list;
  for (const auto& c : CompiledGpuTilings()) list += "\n  " + Describe(c);
  throw Error("INVALID_TILING", "GPU tiling " + Describe(t) +
                                    " is valid but not compiled into this build; use one of:" + list);
}

GpuTiling DefaultGpuTiling(long long m, long long n, int sm_count) {
  const auto& all = CompiledGpuTilings();  // ordered from the largest CTA tile to the smallest
  const GpuTiling* best = &all.back();
  for (const auto& t : all) {
    if (t.stages != 2) continue;
    const long long ctas = ((m + t.bm - 1) / t.bm) * ((n + t.bn - 1) / t.bn);
    if (ctas >= sm_count) return t;
  }
  for (const auto& t : all)
    if (t.stages == 2) best = &t;
  return *best;
}

}  // namespace mlpe::cuda
