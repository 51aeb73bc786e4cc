// Side-by-side SGEMM benchmark: mlp-energy's blocked sgemm vs OpenBLAS (cblas_sgemm, same thread
// count) in one process, interleaved rep by rep so machine noise hits both alike. Prints GFLOP/s
// (best of the reps), the ratio ours/OpenBLAS and its ceiling: the ratio a kernel running at this
// machine's FMA peak (fma_peak.hpp) would reach. Not a test: run `bash bench/gemm/run.sh`.
//   bench_gemm [--quick] [--section square|butter|overhang|sweep|isa|peak|all] [--threads 1,2] [--isa avx2|avx512|reference]
// --isa forces our kernels' ISA (default: the best this CPU has); run.sh pins OpenBLAS to the matching core
// for a like-for-like ratio (avx2: OPENBLAS_CORETYPE=Haswell).
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fma_peak.hpp"
#include "gemm/gemm.hpp"
#include "gemm/tiling.hpp"
#include "hw/cache.hpp"
#include "hw/cpu.hpp"

extern "C" void openblas_set_num_threads(int);
extern "C" char* openblas_get_corename(void);
extern "C" char* openblas_get_config(void);

using namespace mlpe::gemm;
namespace hw = mlpe::hw;
using Clock = std::chrono::steady_clock;

namespace {

bool quick = false;
Isa our_isa = BestIsa();  // --isa

struct Shape {
  bool ta, tb;
  int64_t m, n, k;
  std::string label;
};

struct Operands {
  std::vector<float> a, b, c_ours, c_blas;
};

Operands Make(const Shape& s) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> d(-1, 1);
  Operands o;
  o.a.resize(s.m * s.k);
  o.b.resize(s.k * s.n);
  for (auto& x : o.a) x = d(rng);
  for (auto& x : o.b) x = d(rng);
  o.c_ours.assign(s.m * s.n, 0.0f);
  o.c_blas.assign(s.m * s.n, 0.0f);
  return o;
}

Args ArgsFor(const Shape& s, Operands& o) {
  Args g;
  g.trans_a = s.ta, g.trans_b = s.tb, g.m = s.m, g.n = s.n, g.k = s.k;
  g.a = o.a.data(), g.lda = s.ta ? s.m : s.k;
  g.b = o.b.data(), g.ldb = s.tb ? s.k : s.n;
  g.c = o.c_ours.data(), g.ldc = s.n;
  return g;
}

void Blas(const Shape& s, Operands& o) {
  cblas_sgemm(CblasRowMajor, s.ta ? CblasTrans : CblasNoTrans, s.tb ? CblasTrans : CblasNoTrans, s.m, s.n, s.k,
              1.0f, o.a.data(), s.ta ? s.m : s.k, o.b.data(), s.tb ? s.k : s.n, 0.0f, o.c_blas.data(), s.n);
}

double Seconds(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Reps until ~budget seconds per side (at least 3), ours first, then OpenBLAS; best time each.
// The sides are timed in separate phases, not alternated: after each call OpenBLAS's idle workers
// busy-wait (about 2^28 cycles, its THREAD_TIMEOUT) before sleeping, and on a 2-core machine that spin
// would take the second core from our team. Our pool's idle workers sleep on a condition variable.
void Time(const Shape& s, const Tiling& t, bool with_blas, double* ours_gf, double* blas_gf) {
  Operands o = Make(s);
  const Args g = ArgsFor(s, o);
  const double flops = 2.0 * s.m * s.n * s.k;
  const double budget = quick ? 0.05 : 0.25;
  std::this_thread::sleep_for(std::chrono::milliseconds(250));  // let the previous row's OpenBLAS spin end
  sgemm(g, t);  // warm-up: buffers, pages, pool threads
  double best_ours = 1e30, best_blas = 1e30, spent = 0;
  for (int rep = 0; rep < 3 || (spent < budget && rep < 2000); ++rep) {
    const auto t0 = Clock::now();
    sgemm(g, t);
    const double dt = Seconds(t0);
    best_ours = std::min(best_ours, dt);
    spent += dt;
  }
  if (with_blas) {
    Blas(s, o);  // warm-up
    spent = 0;
    for (int rep = 0; rep < 3 || (spent < budget && rep < 2000); ++rep) {
      const auto t0 = Clock::now();
      Blas(s, o);
      const double dt = Seconds(t0);
      best_blas = std::min(best_blas, dt);
      spent += dt;
    }
  }
  if (with_blas) {  // guard against timing two different computations
    double worst = 0, scale = 0;
    for (size_t i = 0; i < o.c_ours.size(); ++i) {
      worst = std::max(worst, double(std::fabs(o.c_ours[i] - o.c_blas[i])));
      scale = std::max(scale, double(std::fabs(o.c_blas[i])));
    }
    if (worst > 1e-4 * std::max(1.0, scale) * std::sqrt(double(s.k)))
      std::printf("!! results differ from OpenBLAS by %g for %s\n", worst, s.label.c_str());
  }
  *ours_gf = flops / best_ours * 1e-9;
  *blas_gf = with_blas ? flops / best_blas * 1e-9 : 0;
}

std::vector<int> thread_list = {1, 2};

// FMA peak of `threads` threads on our ISA, measured once per thread count.
double Peak(int threads) {
  static std::vector<double> peaks;
  if (peaks.size() <= size_t(threads)) peaks.resize(threads + 1, -1);
  if (peaks[threads] < 0) peaks[threads] = mlpe::bench::FmaPeakGflops(our_isa, threads);
  return peaks[threads];
}

void Row(const Shape& s, int threads) {
  openblas_set_num_threads(threads);
  const Tiling t = DefaultTiling(our_isa, threads);
  double ours, blas;
  Time(s, t, true, &ours, &blas);
  const double peak = Peak(threads);
  char ceiling[16] = "-";
  if (peak > 0) std::snprintf(ceiling, sizeof ceiling, "%.2f", peak / blas);
  std::printf("| %-22s | %2s | %5lld | %5lld | %5lld | %2d | %8.1f | %8.1f | %5.2f | %7s |\n", s.label.c_str(),
              std::string(s.ta ? "T" : "N").append(s.tb ? "T" : "N").c_str(), (long long)s.m, (long long)s.n,
              (long long)s.k, threads, ours, blas, ours / blas, ceiling);
  std::fflush(stdout);
}

void Header(const char* title) {
  std::printf("\n### %s\n\n", title);
  std::printf("| %-22s | op | %5s | %5s | %5s | th | ours GF/s | OpenBLAS GF/s | ratio | ceiling |\n", "shape", "m", "n", "k");
  std::printf("|------------------------|----|-------|-------|-------|----|----------:|--------------:|------:|--------:|\n");
}

void Square() {
  Header("Square (target: ratio ≥ 0.95)");
  for (int th : thread_list)
    for (int64_t n : {256, 512, 1024, 2048}) {
      if (quick && n == 2048) continue;
      Row({false, false, n, n, n, "square " + std::to_string(n)}, th);
    }
}

void Butter() {
  Header("BUTTER layers, batch 256 (target: ratio ≥ 1.2 for W ≤ 512)");
  std::vector<int64_t> widths = {32, 64, 128, 256, 512, 1024, 2048};
  if (quick) widths = {32, 128, 512};
  for (int th : thread_list) {
    for (int64_t w : widths) {
      const std::string W = std::to_string(w);
      Row({false, false, 256, w, w, "fwd   X*W    W=" + W}, th);
      Row({false, true, 256, w, w, "bwd   dY*W^T W=" + W}, th);
      Row({true, false, w, w, 256, "grad  X^T*dY W=" + W}, th);
    }
    for (int64_t w : widths) {
      const std::string W = std::to_string(w);
      Row({false, false, 256, w, 784, "in fwd  784->" + W}, th);
      Row({false, true, 256, 784, w, "in bwd  " + W + "->784"}, th);
      Row({true, false, 784, w, 256, "in grad 784x" + W}, th);
    }
  }
}

// Layers of the bench/train exponential networks whose widths overhang C's last whole vector by a
// few columns (34 = 2·16 + 2, 81 = 5·16 + 1, 354 = 22·16 + 2, 865 = 54·16 + 1): the products the thin
// kernels (gemm/thin_x.hpp) finish, on the unpacked path (81 → 34) and the packed one (865 → 354).
void Overhang() {
  Header("BUTTER layers overhanging a vector by 1-2 columns, batch 256");
  const std::vector<std::pair<int64_t, int64_t>> layers = {{81, 34}, {784, 865}, {865, 354}};
  for (int th : thread_list) {
    for (const auto& [in, out] : layers) {
      const std::string name = std::to_string(in) + "->" + std::to_string(out);
      Row({false, false, 256, out, in, "fwd  " + name}, th);
      Row({false, true, 256, in, out, "bwd  " + name}, th);
      Row({true, false, in, out, 256, "grad " + name}, th);
    }
  }
}

// GFLOP/s over kc (rows) × mc (columns) on one thread: where the A micro-panel + B micro-panel
// leave L1 (kc) and where the mc×kc block of A leaves L2 (mc·kc).
void Sweep() {
  const Tiling d = DefaultTiling(our_isa, 1);
  const hw::CacheLevel* l1 = hw::Caches().Data(1);
  const hw::CacheLevel* l2 = hw::Caches().Data(2);
  const int64_t n = quick ? 768 : 1536;
  std::printf("\n### Tiling sweep: %lld³ NN, 1 thread, %s %dx%d, nc=%d (GFLOP/s; * = default)\n\n", (long long)n,
              IsaName(d.isa), d.mr, d.nr, d.nc);
  std::printf("L1d %lld KiB, L2 %lld KiB. kc·(mr+nr)·4 B is the L1 footprint of the two micro-panels; mc·kc·4 B the A block in L2.\n\n",
              (long long)(l1->size_bytes >> 10), (long long)(l2->size_bytes >> 10));
  std::vector<int> mcs, kcs = {32, 64, 128, 192, 256, 384, 512, 1024};
  for (int f : {2, 4, 8, 16, 32, 64}) mcs.push_back(d.mr * f);
  if (quick) kcs = {64, 256, 512}, mcs = {d.mr * 4, d.mr * 16, d.mr * 64};
  std::printf("| kc \\ mc | L1 KiB |");
  for (int mc : mcs) std::printf(" %6d |", mc);
  std::printf("\n|---|---|");
  for (size_t i = 0; i < mcs.size(); ++i) std::printf("---:|");
  std::printf("\n");
  for (int kc : kcs) {
    std::printf("| %7d | %6.1f |", kc, kc * (d.mr + d.nr) * 4 / 1024.0);
    for (int mc : mcs) {
      Tiling t = d;
      t.kc = kc, t.mc = mc;
      t.sup = false;  // the packed path, where every block size matters
      double ours, unused;
      Time({false, false, n, n, n, "sweep"}, t, false, &ours, &unused);
      const bool def = kc == d.kc && mc == d.mc;
      std::printf(" %5.1f%s |", ours, def ? "*" : (mc * int64_t(kc) * 4 > l2->size_bytes ? "'" : " "));
      std::fflush(stdout);
    }
    std::printf("\n");
  }
  std::printf("\n(' = the mc×kc block of A exceeds L2; default kc=%d mc=%d)\n", d.kc, d.mc);
}

// The FMA peak per thread count: the ceiling column's numerator.
void Peaks() {
  std::printf("\n### FMA peak, %s (no memory traffic: the most any SGEMM can reach)\n\n| threads | GFLOP/s |\n|---|---:|\n",
              IsaName(our_isa));
  for (int th : thread_list) std::printf("| %d | %.1f |\n", th, Peak(th));
}

// Each ISA's default kernel on one shape, to show what the vector width buys.
void Isas() {
  std::printf("\n### Micro-kernel ISAs, 1024³ NN, 1 thread\n\n| isa | mr×nr | GFLOP/s |\n|---|---|---:|\n");
  for (Isa isa : {Isa::Reference, Isa::Avx2, Isa::Avx512}) {
    if (!IsaAvailable(isa)) continue;
    double ours, unused;
    Time({false, false, 1024, 1024, 1024, "isa"}, DefaultTiling(isa, 1), false, &ours, &unused);
    const Tiling t = DefaultTiling(isa, 1);
    std::printf("| %s | %dx%d | %.1f |\n", IsaName(isa), t.mr, t.nr, ours);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string section = "all";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--section") && i + 1 < argc) section = argv[++i];
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
      thread_list.clear();
      for (char* tok = std::strtok(argv[++i], ","); tok; tok = std::strtok(nullptr, ",")) thread_list.push_back(std::atoi(tok));
    } else if (!std::strcmp(argv[i], "--isa") && i + 1 < argc) {
      if (!ParseIsa(argv[++i], &our_isa) || !IsaAvailable(our_isa)) {
        std::fprintf(stderr, "--isa %s: not an ISA this CPU offers; use %s or omit --isa\n", argv[i], IsaName(BestIsa()));
        return 2;
      }
    } else {
      std::fprintf(stderr, "usage: bench_gemm [--quick] [--section square|butter|overhang|sweep|isa|peak|all] [--threads 1,2] [--isa avx2|avx512|reference]\n");
      return 2;
    }
  }
  const auto& cpu = hw::Cpu();
  const Tiling d = DefaultTiling(our_isa, 1);
  std::printf("# SGEMM: mlp-energy vs OpenBLAS\n\nCPU: %s (%s, family %d model %d), %d logical CPUs\n", cpu.brand.c_str(),
              cpu.vendor.c_str(), cpu.family, cpu.model, cpu.logical_cores);
  std::printf("OpenBLAS: %s, core %s\n", openblas_get_config(), openblas_get_corename());
  std::printf("ours: isa %s, mr×nr %dx%d, mc %d, kc %d, nc %d (default tiling%s)\n", IsaName(d.isa), d.mr, d.nr, d.mc,
              d.kc, d.nc, our_isa == BestIsa() ? "" : ", isa forced by --isa");
  // A like-for-like ratio needs OpenBLAS on the same vector width: run.sh pins it for --isa avx2.
  if (our_isa == Isa::Avx2 && std::strcmp(openblas_get_corename(), "Haswell") != 0)
    std::printf("note: OpenBLAS is not on its Haswell (AVX2) kernel; run `bash bench/gemm/run.sh --isa avx2` or set OPENBLAS_CORETYPE=Haswell\n");
  for (const auto& line : DefaultTilingDerivation(d.isa, 1)) std::printf("  %s\n", line.c_str());
  std::printf("GFLOP/s = 2mnk / best time over each side's reps (ours, then OpenBLAS). ceiling = FMA peak of the\n"
              "same threads / OpenBLAS GF/s: the ratio a kernel at peak would reach; a target above it cannot be met.\n");
  if (section == "all" || section == "peak") Peaks();
  if (section == "all" || section == "square") Square();
  if (section == "all" || section == "butter") Butter();
  if (section == "all" || section == "overhang") Overhang();
  if (section == "all" || section == "isa") Isas();
  if (section == "all" || section == "sweep") Sweep();
  return 0;
}
