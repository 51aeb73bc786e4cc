// Tiling <-> JS object { mc, kc, nc, mr, nr, threads, isa }: missing fields come from the default tiling
// of the chosen (or best) ISA and thread count, so { kc: 128 } is a complete request.
#pragma once
#include <napi.h>

#include "gemm/tiling.hpp"

namespace mlpe::addon {

gemm::Tiling ToTiling(Napi::Env env, Napi::Value value);  // validated; throws a JS error with a code
Napi::Object FromTiling(Napi::Env env, const gemm::Tiling& t);

}  // namespace mlpe::addon
