/**
 * Where each packed block of a tiling sits in the cache hierarchy (BLIS's design, §A1): the kc×nr micro-panel of
 * B is meant for L1, the mc×kc block of A for L2, the kc×nc panel of B for L3. A block that outgrows its level
 * streams from the next one, which is where time and energy bend.
 */
import type { Tiling } from '../tiling.js';
import type { GemmShape } from './shapes.js';

/** The data-cache capacities blocks are sized against (from cacheInfo(); see environment.ts). */
export interface CacheSizes {
  l1d_bytes: number;
  l2_bytes: number;
  /** null when no plausible L3 was reported (VMs). */
  l3_bytes: number | null;
}

export const FLOAT_BYTES = 4;

/** 'L3?': beyond L2 on a machine that reports no L3 size. */
export type CacheLevelName = 'L1' | 'L2' | 'L3' | 'L3?' | 'DRAM';

export interface BlockPlacement {
  block: 'B micro-panel' | 'A block' | 'B panel';
  /** The formula, e.g. "kc·nr·4 B". */
  formula: string;
  bytes: number;
  /** The level BLIS sizes this block for, and its capacity. */
  target: 'L1' | 'L2' | 'L3';
  /** null when the machine reports no plausible L3. */
  targetBytes: number | null;
  /** The smallest level that holds the block. */
  level: CacheLevelName;
}

function smallestHolding(bytes: number, caches: CacheSizes): CacheLevelName {
  if (bytes <= caches.l1d_bytes) return 'L1';
  if (bytes <= caches.l2_bytes) return 'L2';
  if (caches.l3_bytes !== null && bytes <= caches.l3_bytes) return 'L3';
  return caches.l3_bytes === null ? 'L3?' : 'DRAM';
}

/**
 * The depth of the rank-kc updates the driver runs on a k-deep product: k in the fewest passes of at most kc, of
 * equal depth (native/core/gemm/sgemm.cpp; 784 with kc = 512 is two passes of 392).
 */
export function packedDepth(kc: number, k: number): number {
  return Math.ceil(k / Math.ceil(k / kc));
}

/**
 * With a shape, blocks are the sizes the driver really packs: mc and nc cut to the matrix (rounded up to mr / nr,
 * packing pads the edge panel) and kc to the depth of its passes.
 */
export function blockPlacements(t: Tiling, caches: CacheSizes, shape?: GemmShape): BlockPlacement[] {
  const roundUp = (v: number, step: number) => Math.ceil(v / step) * step;
  const mc = shape ? Math.min(t.mc, roundUp(shape.m, t.mr)) : t.mc;
  const kc = shape ? packedDepth(t.kc, shape.k) : t.kc;
  const nc = shape ? Math.min(t.nc, roundUp(shape.n, t.nr)) : t.nc;
  const place = (block: BlockPlacement['block'], formula: string, bytes: number, target: BlockPlacement['target']) => {
    const targetBytes = target === 'L1' ? caches.l1d_bytes : target === 'L2' ? caches.l2_bytes : caches.l3_bytes;
    return { block, formula, bytes, target, targetBytes, level: smallestHolding(bytes, caches) };
  };
  return [
    place('B micro-panel', 'kc·nr·4 B', kc * t.nr * FLOAT_BYTES, 'L1'),
    place('A block', 'mc·kc·4 B', mc * kc * FLOAT_BYTES, 'L2'),
    place('B panel', 'kc·nc·4 B', kc * nc * FLOAT_BYTES, 'L3'),
  ];
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 20) return `${+(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${+(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** "A 96 KiB in L2 (9%)": the block, its size, the level holding it and how full that level's target is. */
export function describePlacement(p: BlockPlacement): string {
  if (p.targetBytes === null) return `${formatBytes(p.bytes)} in ${p.level} (no L3 size reported)`;
  const share = Math.round((100 * p.bytes) / p.targetBytes);
  const over = p.level !== p.target ? ` (${share}% of ${p.target})` : ` (${share}%)`;
  return `${formatBytes(p.bytes)} in ${p.level}${over}`;
}
