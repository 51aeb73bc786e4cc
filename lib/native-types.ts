/**
 * The one typed contract for what the native addon exports (after node-llama-cpp's AddonTypes.ts).
 * Each native/addon/*.cpp adds its functions here.
 */
import type { MeterOptions } from './meters.js';

/** What the addon's gemm takes: the SDK's options after validation, with the tiling already completed. */
export type NativeGemmCall = Omit<import('./gemm.js').GemmOptions, 'tiling'> & {
  tiling?: Partial<import('./tiling.js').Tiling>;
};

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
  // native/addon/cuda.cpp
  cudaInfo(): import('./gpu.js').CudaInfo;
  gpuTilings(): import('./gpu.js').GpuTiling[];
  validateGpuTiling(tiling: import('./gpu.js').GpuTiling): { threads: number; sharedBytes: number };
  // native/addon/meters.cpp
  readonly Meters: new (options: NativeMeterOptions) => NativeMeters;
  metersProbe(options: NativeMeterOptions): NativeSourceStatus[];
  // native/addon/train.cpp
  trainStart(
    call: import('./train.js').NativeTrainCall,
    onEpoch: ((epoch: import('./train.js').EpochResult & { epoch: number }) => void) | undefined,
    cancel: Int32Array,
  ): Promise<import('./train.js').NativeTrainResult>;
}

/** Options as the meters binding reads them (validated in lib/meters.ts; `trace` flattened). */
export interface NativeMeterOptions extends Omit<MeterOptions, 'trace'> {
  traceHz?: number;
  traceCapacity?: number;
}

export interface NativeSourceStatus {
  source: string;
  available: boolean;
  selected: boolean;
  estimated: boolean;
  method: string;
  code: string;
  reason: string;
  fix: string;
  rootOnly: string;
  domains: string[];
}

export interface NativeMeterDomain {
  key: string;
  kind: string;
  device: number;
  includedIn: string;
  inTotal: boolean;
  source: string;
  estimated: boolean;
  method: string;
  updateIntervalS: number;
}

export interface NativeWindow {
  /** Opens a window, returns its id. Unnamed windows pass no argument. */
  begin(name?: string): number;
  /** Ends window `id` into `out`. */
  end(id: number): void;
  /** out[0] = seconds, out[1..n] = joules per domain (NaN: unreadable), out[1+n..2n] = below-resolution 0/1. */
  readonly out: Float64Array;
}

export interface NativeMeters {
  domains(): NativeMeterDomain[];
  sources(): NativeSourceStatus[];
  /** The window hot path: functions bound to these meters, and the buffer end() fills (same one each call). */
  window(): NativeWindow;
  sample(): void;
  totals(): Float64Array;
  stats(): { periodS: number | null; samples: number; cpuS: number; wallS: number };
  trace(): { tS: Float64Array; powerW: Float64Array[]; dropped: number };
  /** Seconds since opening, on the clock of window edges and trace samples. */
  now(): number;
  lastError(): string;
  rawReadNs(source: number, iterations: number, counter?: number): number;
  edgeNs(iterations: number): number;
  close(): void;
}
