/**
 * Where the report's charts draw cache boundaries. On a parameter axis: the largest parameter count whose
 * forward-pass working set (4·P bytes, replicated) still lands in each level, found with the same placement the
 * model uses. On a tiling axis: the block size at which a packed GEMM block fills the level it is sized for.
 */
import { EMPTY, place } from '../model/placement.js';
import type { HardwareProfile } from '../model/profiles.js';
import { BYTES_PER_FLOAT } from '../model/working-sets.js';
import type { Tiling } from '../tiling.js';
import { blockPlacements, formatBytes, type CacheSizes } from '../tune/blocks.js';
import type { GridAxis, GridPoint } from '../tune/grid-scan.js';

export interface ParameterBoundary {
  /** The level the weights leave beyond this parameter count. */
  readonly level: string;
  readonly parameters: number;
}

export function parameterBoundaries(profile: HardwareProfile): ParameterBoundary[] {
  const levelOf = (P: number) => place(profile.levels, EMPTY, { replicated: BYTES_PER_FLOAT * P, distributed: 0 }).level;
  const out: ParameterBoundary[] = [];
  for (let k = 0; k + 1 < profile.levels.length; k++) {
    // Binary search for the last P whose level is ≤ k (placement is monotone in P).
    let lo = 0;
    let hi = 2 ** 45;
    if (levelOf(1) > k) continue;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (levelOf(mid) <= k) lo = mid;
      else hi = mid;
    }
    out.push({ level: profile.levels[k].name, parameters: lo });
  }
  return out;
}

export interface CacheBoundary {
  /** Axis value at which the block's bytes equal its level's capacity. */
  x: number;
  level: string;
  label: string;
  series: number | null;
}

/** Where, along `axis`, each block that grows with it crosses its target cache (per series when it depends on it). */
export function blockBoundaries(points: readonly GridPoint[], axis: GridAxis, caches: CacheSizes): CacheBoundary[] {
  const out = new Map<string, CacheBoundary>();
  const bySeries = new Map<number | null, Tiling>();
  for (const p of points) if (!bySeries.has(p.series)) bySeries.set(p.series, p.tiling);
  for (const [series, t] of bySeries) {
    const here = blockPlacements(t, caches);
    const doubled = blockPlacements({ ...t, [axis]: t[axis] * 2 }, caches);
    here.forEach((p, i) => {
      // Skip blocks that do not grow with the axis, and a level whose size is unknown.
      if (doubled[i].bytes === p.bytes || p.targetBytes === null) return;
      const x = (t[axis] * p.targetBytes) / p.bytes;
      const label = `${p.block} ${p.formula} = ${p.target} ${formatBytes(p.targetBytes)}`;
      out.set(`${label}@${x}@${series}`, { x, level: p.target, label, series });
    });
  }
  // A boundary every series shares is drawn once.
  const rows = [...out.values()];
  const shared = (b: CacheBoundary) => rows.filter((r) => r.label === b.label && r.x === b.x).length === bySeries.size;
  const merged = new Map<string, CacheBoundary>();
  for (const b of rows) {
    const row = shared(b) ? { ...b, series: null } : b;
    merged.set(`${row.label}@${row.x}@${row.series}`, row);
  }
  return [...merged.values()];
}
