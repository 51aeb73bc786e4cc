/** mlp-energy: the public API. Everything a user imports comes from here. */
export { MlpEnergyError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { gemm, gemmAsync } from './gemm.js';
export type { GemmOptions } from './gemm.js';
export { defaultTiling, defaultTilingDerivation, validateTiling, ISAS } from './tiling.js';
export type { Tiling, TilingOptions, Isa } from './tiling.js';
export { cacheInfo, cpuInfo } from './hardware.js';
export type { CacheInfo, CacheLevel, CpuInfo } from './hardware.js';
