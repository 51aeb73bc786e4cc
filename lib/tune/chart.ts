/**
 * The report's tiling-grid chart: J/datum and s/datum of one layer shape across one tiling axis (lines per value
 * of a second axis), with a dashed rule where each packed block outgrows the cache level it is sized for.
 * Returns a Vega-Lite v5 spec; the report module renders it.
 */
import { blockPlacements, formatBytes } from './blocks.js';
import type { Tiling } from '../tiling.js';
import type { CacheSizes } from './blocks.js';
import type { GridAxis, GridPoint } from './grid-scan.js';
import { shapeKey, type GemmShape } from './shapes.js';

export interface CacheBoundary {
  /** Axis value at which the block's bytes equal its level's capacity. */
  x: number;
  level: string;
  label: string;
  series: number | null;
}

/** Where, along `axis`, each block that grows with it crosses its target cache (per series when it depends on it). */
export function cacheBoundaries(points: readonly GridPoint[], axis: GridAxis, caches: CacheSizes): CacheBoundary[] {
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

export interface TilingGridChartOptions {
  shape: GemmShape;
  x: GridAxis;
  series?: GridAxis;
  caches: CacheSizes;
  /** Calls of this shape per training datum (count / batch), to turn per-call cost into per-datum cost. */
  callsPerDatum: number;
  /** Printed in the title when joules are a CPU-time estimate. */
  estimated: boolean;
}

export function tilingGridChart(points: readonly GridPoint[], options: TilingGridChartOptions): Record<string, unknown> {
  const { x, series, callsPerDatum } = options;
  const values = points.map((p) => ({
    [x]: p.x,
    series: p.series === null ? 'all' : `${series} ${p.series}`,
    joules_per_datum: p.joules * callsPerDatum,
    seconds_per_datum: p.seconds * callsPerDatum,
  }));
  const xs = points.map((p) => p.x);
  const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
  // Only boundaries inside the measured range: a rule outside it would stretch the axis to nothing.
  const rules = cacheBoundaries(points, x, options.caches)
    .filter((b) => b.x >= lo / 1.5 && b.x <= hi * 1.5)
    .map((b) => ({ [x]: b.x, label: b.label, series: b.series === null ? 'all' : `${series} ${b.series}` }));
  const xField = { field: x, type: 'quantitative', scale: { type: 'log' }, title: x };
  const panel = (field: string, title: string) => ({
    height: 180,
    width: 420,
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x: xField,
          y: { field, type: 'quantitative', title, scale: { zero: false } },
          color: { field: 'series', type: 'nominal', title: series ?? '' },
        },
      },
      {
        data: { values: rules },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#888' },
        encoding: { x: xField, tooltip: { field: 'label', type: 'nominal' } },
      },
      {
        data: { values: rules },
        mark: { type: 'text', angle: 270, align: 'left', dx: 4, dy: -4, fontSize: 9, color: '#666' },
        encoding: { x: xField, y: { value: 0 }, text: { field: 'label', type: 'nominal' } },
      },
    ],
  });
  const note = options.estimated ? ' (energy estimated from CPU time: no hardware counter)' : '';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `Tiling grid of ${shapeKey(options.shape)}${note}`, subtitle: 'dashed: a packed block reaches its cache level' },
    vconcat: [panel('joules_per_datum', 'J / datum'), panel('seconds_per_datum', 's / datum')],
  };
}
