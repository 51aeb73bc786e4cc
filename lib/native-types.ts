/**
 * The one typed contract for what the native addon exports (after node-llama-cpp's AddonTypes.ts).
 * Each native/addon/*.cpp adds its functions here.
 */
export interface NativeAddon {
  readonly napiVersion: number;
  // native/addon/cuda.cpp
  cudaInfo(): import('./gpu.js').CudaInfo;
  gpuTilings(): import('./gpu.js').GpuTiling[];
  validateGpuTiling(tiling: import('./gpu.js').GpuTiling): { threads: number; sharedBytes: number };
}
