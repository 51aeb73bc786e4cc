// The unpacked path for small products (BLIS "sup"): on the BUTTER layers with narrow widths, packing
// A costs as much as the multiply, so the micro-kernel reads A (and B when it is not transposed) in
// place; only transposed B (and, for AVX2, edge panels) is packed, a micro-panel at a time into L1 scratch. Edge tiles run
// kernels of their exact height with masked columns, and the epilogue is applied before the store.
#pragma once
#include "gemm/gemm.hpp"
#include "gemm/kernels.hpp"

namespace mlpe::gemm {

// Whether the unpacked path runs this call: a kernel that has the variant and a small product.
bool SupApplies(const Args& args, const Tiling& tiling, const MicroKernel& ukr);

// How many of C's last columns (past its last whole vector) the thin kernels compute for a thread's
// `rows` rows; 0 when the register tiles do them cheaper (sup.cpp has the cost model).
int ThinColumns(const Args& args, const MicroKernel& ukr, int64_t rows);

// The thin columns [j, j + w) of rows [row_begin, row_end), over the whole k, with beta and the epilogue.
void ThinTiles(const Args& args, const MicroKernel& ukr, int64_t row_begin, int64_t row_end, int64_t j, int w);

// pc (k by kc), jr (n by nr), ir (m by mr) around the unpacked kernel, same beta/epilogue invariants.
// A team splits the jr and ir loops into disjoint tiles of C: nothing is shared, so no barriers. Returns
// whether the epilogue's gate and column sums were applied (one thread, no thin columns); else the caller
// applies them to C.
bool SupGemm(const Args& args, const Tiling& tiling, const MicroKernel& ukr, int team);

// Whether SupGemm with this team applies the gate and column sums in its tiles' store.
bool SupFuses(const Args& args, const MicroKernel& ukr, int team);

}  // namespace mlpe::gemm
