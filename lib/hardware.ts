/** What the CPU is and what its caches are, as native/core/hw detected them (cpuid, sysfs, sysconf). */
import { native } from './native.js';
import type { Isa } from './tiling.js';

export interface CacheLevel {
  level: number;
  type: 'data' | 'instruction' | 'unified';
  sizeBytes: number;
  lineBytes: number;
  /** Associativity. */
  ways: number;
  sets: number;
  /** Logical CPUs sharing this cache; 0 when the source does not say. */
  sharedBy: number;
  /** Where the values came from: "cpuid 4", "cpuid 0x8000001D", "cpuid 0x80000005/6", "sysfs", "sysconf", "assumed". */
  source: string;
  /** Why a reported value was replaced or assumed; "" when taken as reported. */
  note: string;
}

export interface CacheInfo {
  levels: CacheLevel[];
  /** Reported values that were implausible and not used, e.g. a 508 MiB L3 from getconf in a VM. */
  rejected: string[];
}

export interface CpuInfo {
  vendor: string;
  brand: string;
  family: number;
  model: number;
  stepping: number;
  logicalCores: number;
  /** cpuid feature bits, and whether the OS saves the AVX / AVX-512 register state (XCR0). */
  flags: Record<'sse2' | 'avx' | 'fma' | 'avx2' | 'avx512f' | 'avx512bw' | 'avx512dq' | 'avx512vl' | 'osAvx' | 'osAvx512', boolean>;
  /** ISAs whose GEMM kernels can run here. */
  isas: Isa[];
  bestIsa: Isa;
  /** The mr×nr micro-tiles each ISA's kernels offer (compiled into this build, usable or not). */
  microTiles: Record<Isa, Array<{ mr: number; nr: number; kernel: string }>>;
}

export function cpuInfo(): CpuInfo {
  return native().cpuInfo();
}

export function cacheInfo(): CacheInfo {
  return native().cacheInfo();
}
