/**
 * The valid tiling space of one GEMM shape, as a pruned grid the search walks one axis at a time.
 * Rules (tiling.hpp): mc is a multiple of mr, nc a multiple of nr, (mr, nr) a micro-kernel the ISA offers.
 * Pruning: a block larger than `overflow` × the cache level it is sized for gives up the reuse that level exists
 * for (BLIS: mc×kc of A in L2, kc×nc of B in L3, kc×nr micro-panel of B in L1), so it is left out; values that the
 * shape clamps to the same effective block (mc ≥ m behaves as mc = m; kc values cutting k into as many passes run
 * the same equal-depth passes) are one point, not several.
 */
import type { Isa, Tiling } from '../tiling.js';
import type { CacheSizes } from './blocks.js';
import { blockPlacements } from './blocks.js';
import type { GemmShape } from './shapes.js';

export interface MicroTile {
  isa: Isa;
  mr: number;
  nr: number;
}

export type Axis = 'kc' | 'mc' | 'nc' | 'threads' | 'micro' | 'sup';
/** sup: the unpacked small-product path on or off (where it runs, mc and nc have no effect). */
export const AXES: readonly Axis[] = ['kc', 'mc', 'nc', 'threads', 'micro', 'sup'];

export interface TilingSpaceOptions {
  /** The micro-kernels this CPU can run (the ISA's offer), first = preferred. */
  microTiles: readonly MicroTile[];
  maxThreads: number;
  caches: CacheSizes;
  /** Prune blocks above this multiple of their target cache (default 2: the grid still straddles each boundary). */
  overflow?: number;
}

// Grid targets, about ×1.5 apart, spanning the shipped configs of §0 (BLIS/OpenBLAS) on both sides.
const KC_TARGETS = [32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024];
const MC_TARGETS = [16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536];
const NC_TARGETS = [64, 128, 256, 512, 1024, 2048, 4096, 8192];

function roundToMultiple(value: number, step: number): number {
  return Math.max(step, Math.round(value / step) * step);
}

function uniqueSorted(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/** Collapse grid values the extent clamps to: every value ≥ extent behaves as the smallest such value. */
function clampGrid(values: number[], extent: number): number[] {
  const below = values.filter((v) => v < extent);
  const cover = values.find((v) => v >= extent);
  return cover === undefined ? below : [...below, cover];
}

/**
 * kc values that cut k into the same number of passes run the same equal-depth passes (packedDepth): one point
 * each, the smallest value standing for the others (which covers clampGrid's kc ≥ k as one pass).
 */
function depthGrid(values: number[], k: number): number[] {
  const passes = new Set<number>();
  return values.filter((v) => {
    const p = Math.ceil(k / v);
    if (passes.has(p)) return false;
    passes.add(p);
    return true;
  });
}

export function tilingKey(t: Tiling): string {
  return `${t.isa}:${t.mr}x${t.nr}:mc${t.mc}:kc${t.kc}:nc${t.nc}:t${t.threads}${t.sup ? ':sup' : ''}`;
}

export class TilingSpace {
  readonly shape: GemmShape;
  private readonly options: Required<TilingSpaceOptions>;
  private readonly extra: { mc: number[]; kc: number[]; nc: number[] } = { mc: [], kc: [], nc: [] };

  constructor(shape: GemmShape, options: TilingSpaceOptions) {
    if (options.microTiles.length === 0) throw new RangeError('TilingSpace needs at least one micro-tile');
    this.shape = shape;
    this.options = { overflow: 2, ...options };
  }

  /** Add a tiling's own values to the grid (the analytical default is always a point of the space). */
  include(t: Tiling): Tiling {
    this.extra.mc.push(t.mc);
    this.extra.kc.push(t.kc);
    this.extra.nc.push(t.nc);
    return this.effective(t);
  }

  /** Grid values of one axis for a tiling's micro-tile, after clamping to the shape. */
  values(axis: Exclude<Axis, 'micro' | 'sup'>, t: Pick<Tiling, 'mr' | 'nr'>): number[] {
    const { m, n, k } = this.shape;
    switch (axis) {
      case 'kc':
        return depthGrid(uniqueSorted([...KC_TARGETS, ...this.extra.kc]), k);
      case 'mc':
        return clampGrid(uniqueSorted([...MC_TARGETS, ...this.extra.mc].map((v) => roundToMultiple(v, t.mr))), m);
      case 'nc':
        return clampGrid(uniqueSorted([...NC_TARGETS, ...this.extra.nc].map((v) => roundToMultiple(v, t.nr))), n);
      case 'threads':
        return Array.from({ length: this.options.maxThreads }, (_, i) => i + 1);
    }
  }

  /** The grid point a tiling behaves as on this shape (blocks larger than the matrix clamp to it). */
  effective(t: Tiling): Tiling {
    const snap = (axis: 'mc' | 'kc' | 'nc', value: number) => {
      const grid = this.values(axis, t);
      return grid.find((v) => v >= value) ?? grid[grid.length - 1];
    };
    // kc: the grid value cutting k into as many passes, which runs the same passes (packedDepth).
    const passes = (kc: number) => Math.ceil(this.shape.k / kc);
    const kc = this.values('kc', t).find((v) => passes(v) === passes(t.kc)) ?? snap('kc', t.kc);
    return { ...t, mc: snap('mc', t.mc), kc, nc: snap('nc', t.nc) };
  }

  /** False for blocks that overflow their cache level by more than `overflow` (see the file comment). */
  withinCaches(t: Tiling): boolean {
    const { caches, overflow } = this.options;
    return blockPlacements(t, caches, this.shape).every((p) => p.targetBytes === null || p.bytes <= overflow * p.targetBytes);
  }

  /** One step along an axis from t (dir ±1), skipping pruned points; undefined at the edge of the space. */
  step(t: Tiling, axis: Axis, dir: 1 | -1): Tiling | undefined {
    if (axis === 'sup') {
      // Two values, ordered false < true.
      const next = { ...t, sup: dir > 0 };
      return next.sup !== t.sup && this.withinCaches(next) ? this.effective(next) : undefined;
    }
    if (axis === 'micro') {
      const tiles = this.options.microTiles;
      let i = tiles.findIndex((u) => u.isa === t.isa && u.mr === t.mr && u.nr === t.nr);
      for (i += dir; i >= 0 && i < tiles.length; i += dir) {
        const next = this.snapToMicroTile(t, tiles[i]);
        if (this.withinCaches(next)) return next;
      }
      return undefined;
    }
    t = this.effective(t);
    const grid = this.values(axis, t);
    for (let i = grid.indexOf(t[axis]) + dir; i >= 0 && i < grid.length; i += dir) {
      const next = { ...t, [axis]: grid[i] };
      if (this.withinCaches(next)) return next;
    }
    return undefined;
  }

  /** Every point of the pruned grid (for exhaustive checks and the grid chart). */
  all(): Tiling[] {
    const out = new Map<string, Tiling>();
    for (const tile of this.options.microTiles) {
      for (const kc of this.values('kc', tile))
        for (const mc of this.values('mc', tile))
          for (const nc of this.values('nc', tile))
            for (const threads of this.values('threads', tile))
              for (const sup of [false, true]) {
                const t: Tiling = { isa: tile.isa, mr: tile.mr, nr: tile.nr, mc, kc, nc, threads, sup };
                if (this.withinCaches(t)) out.set(tilingKey(t), t);
              }
    }
    return [...out.values()];
  }

  /** Move to another micro-tile, keeping mc/nc on the nearest grid values that are multiples of the new mr/nr. */
  private snapToMicroTile(t: Tiling, tile: MicroTile): Tiling {
    const nearest = (grid: number[], value: number) =>
      grid.reduce((best, v) => (Math.abs(Math.log(v / value)) < Math.abs(Math.log(best / value)) ? v : best), grid[0]);
    return {
      ...t,
      isa: tile.isa,
      mr: tile.mr,
      nr: tile.nr,
      mc: nearest(this.values('mc', tile), t.mc),
      nc: nearest(this.values('nc', tile), t.nc),
    };
  }
}
