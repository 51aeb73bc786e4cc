/**
 * The one typed contract for what the native addon exports (after node-llama-cpp's AddonTypes.ts).
 * Each native/addon/*.cpp adds its functions here.
 */
export interface NativeGemmCall {
  a: Float32Array;
  b: Float32Array;
  c?: Float32Array;
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
  lda?: number;
  ldb?: number;
  ldc?: number;
  tiling?: Partial<import('./tiling.js').Tiling>;
}

export interface NativeAddon {
  readonly napiVersion: number;
  // native/addon/gemm.cpp
  gemm(call: NativeGemmCall): Float32Array;
  gemmAsync(call: NativeGemmCall): Promise<Float32Array>;
  // native/addon/tiling.cpp
  defaultTiling(options: { isa?: import('./tiling.js').Isa; threads?: number }): import('./tiling.js').Tiling;
  defaultTilingDerivation(options: { isa?: import('./tiling.js').Isa; threads?: number }): string[];
  validateTiling(tiling: Partial<import('./tiling.js').Tiling>): import('./tiling.js').Tiling;
  // native/addon/hardware.cpp
  cpuInfo(): import('./hardware.js').CpuInfo;
  cacheInfo(): import('./hardware.js').CacheInfo;
}
