#include "gemm/kernels.hpp"

namespace mlpe::gemm {

const std::vector<MicroKernel>& MicroKernels() {
  static const std::vector<MicroKernel> all = [] {
    std::vector<MicroKernel> list = ReferenceMicroKernels();
#if defined(__x86_64__) || defined(_M_X64)
    // Referenced explicitly (not self-registered) so the linker keeps the ISA objects of the static library.
    for (const auto& k : Avx2MicroKernels()) list.push_back(k);
    for (const auto& k : Avx512MicroKernels()) list.push_back(k);
#endif
    return list;
  }();
  return all;
}

const MicroKernel* FindMicroKernel(Isa isa, int mr, int nr) {
  for (const auto& k : MicroKernels())
    if (k.isa == isa && k.mr == mr && k.nr == nr) return &k;
  return nullptr;
}

}  // namespace mlpe::gemm
