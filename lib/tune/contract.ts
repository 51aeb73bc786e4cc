// TEMPORARY: the minimal Tiling/cache shapes the search needs until lib/tiling.ts and lib/hardware.ts land.
export type Isa = 'reference' | 'avx2' | 'avx512';
export interface Tiling {
  mc: number;
  kc: number;
  nc: number;
  mr: number;
  nr: number;
  threads: number;
  isa: Isa;
}
export interface CacheSizes {
  l1d_bytes: number;
  l2_bytes: number;
  /** null when no plausible L3 was reported (VMs). */
  l3_bytes: number | null;
}
