/**
 * The CUDA side as the SDK sees it: whether a GPU can be used here and why not, the device properties
 * the energy model needs (SM count, L2 size), and the explicit GPU tiling of the SGEMM kernels.
 */
import { MlpEnergyError, invalidOption, rejectUnknownOptions } from './errors.js';
import { native } from './native.js';
import { integerIn, isPlainObject } from './validate.js';

/** One CUDA device, as the runtime reports it. */
export interface CudaDevice {
  index: number;
  name: string;
  /** "9.0" for Hopper. */
  computeCapability: string;
  smCount: number;
  l2Bytes: number;
  globalMemoryBytes: number;
  sharedMemoryPerSmBytes: number;
  clockKhz: number;
  memoryBusBits: number;
  /** "0000:65:00.0": how NVML names the same device. */
  pciBusId: string;
}

export interface CudaInfo {
  /** The addon was built with the CUDA sources (nvcc was found at build time). */
  compiled: boolean;
  cudaAvailable: boolean;
  /** Why not, when `cudaAvailable` is false: no nvcc at build time, no driver, no device, too old a GPU. */
  reason: string | null;
  /** e.g. 13000 for CUDA 13.0; 0 when not compiled. */
  runtimeVersion: number;
  /** 0 when no driver is installed. */
  driverVersion: number;
  devices: CudaDevice[];
}

/**
 * Explicit tiling of the GPU SGEMM: a `bm×bn` block tile of C per CTA stepping through k by `bk` in shared
 * memory (`stages` buffers: 1 single, 2 double), a `wm×wn` warp tile (4×8 lanes), and a `tm×tn` micro-tile
 * per lane in registers. Only compiled instances run: see `gpuTilings()`.
 */
export interface GpuTiling {
  bm: number;
  bn: number;
  bk: number;
  wm: number;
  wn: number;
  tm: number;
  tn: number;
  stages: number;
}

const TILING_FIELDS = ['bm', 'bn', 'bk', 'wm', 'wn', 'tm', 'tn', 'stages'] as const;

/** Never throws for a missing GPU: the answer carries the reason instead. */
export function cudaInfo(): CudaInfo {
  return native().cudaInfo();
}

/** The tilings compiled into this build (empty without CUDA). */
export function gpuTilings(): GpuTiling[] {
  return native().gpuTilings();
}

/**
 * Checks a GPU tiling: field types here, the tiling rules (multiples, thread and register limits, shared
 * memory) and membership in the compiled set natively. Throws INVALID_OPTION / INVALID_TILING naming the
 * fix, or CUDA_UNAVAILABLE in a build without CUDA.
 */
export function validateGpuTiling(tiling: unknown): GpuTiling & { threads: number; sharedBytes: number } {
  if (!isPlainObject(tiling)) throw invalidOption('tiling', 'an object with ' + TILING_FIELDS.join(', '), tiling, 'type');
  rejectUnknownOptions('GPU tiling', tiling, TILING_FIELDS);
  const t = {} as GpuTiling;
  for (const field of TILING_FIELDS) {
    if (tiling[field] === undefined) {
      throw invalidOption(`tiling.${field}`, 'an integer (all of ' + TILING_FIELDS.join(', ') + ' are required)', undefined, 'type');
    }
    t[field] = integerIn(`tiling.${field}`, tiling[field], 1, 1024);
  }
  return { ...t, ...native().validateGpuTiling(t) };
}

/** Throws CUDA_UNAVAILABLE with the reason when the GPU path cannot run here (for `device: 'gpu'`). */
export function requireCuda(): CudaInfo {
  const info = cudaInfo();
  if (!info.cudaAvailable) {
    throw new MlpEnergyError(
      'CUDA_UNAVAILABLE',
      `device 'gpu' needs a usable CUDA GPU: ${info.reason ?? 'unknown reason'}. Use device 'cpu', or run on a machine with an NVIDIA GPU and driver.`,
    );
  }
  return info;
}
