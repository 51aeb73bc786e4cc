/** mlp-energy: the public API. Everything a user imports comes from here. */
export { MlpEnergyError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { cudaInfo, gpuTilings, validateGpuTiling, requireCuda } from './gpu.js';
export type { CudaInfo, CudaDevice, GpuTiling } from './gpu.js';
