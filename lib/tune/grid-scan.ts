/**
 * Measure one layer shape across a slice of its tiling grid: every value of one axis (x), optionally for every
 * value of a second axis (series), others held at a base tiling. This is the data of the report's grid chart.
 */
import type { Tiling } from '../tiling.js';
import type { TuneMeter } from './meter.js';
import type { GemmShape } from './shapes.js';
import type { Axis, TilingSpace } from './space.js';
import { median } from './stats.js';

export type GridAxis = Exclude<Axis, 'micro' | 'sup'>;

export interface GridPoint {
  tiling: Tiling;
  x: number;
  series: number | null;
  /** Per GEMM call, median over the repetitions. */
  joules: number;
  seconds: number;
  repetitions: number;
}

export interface GridScanOptions {
  x: GridAxis;
  series?: GridAxis;
  repetitions?: number;
}

export async function gridScan(
  meter: TuneMeter,
  shape: GemmShape,
  space: TilingSpace,
  base: Tiling,
  options: GridScanOptions,
): Promise<GridPoint[]> {
  const start = space.include(base);
  const reps = options.repetitions ?? 3;
  const seriesValues = options.series ? space.values(options.series, start) : [null];
  const points: GridPoint[] = [];
  for (const series of seriesValues) {
    const row = options.series && series !== null ? { ...start, [options.series]: series } : start;
    for (const x of space.values(options.x, row)) {
      const tiling = { ...row, [options.x]: x };
      if (!space.withinCaches(tiling)) continue;
      const samples = [];
      for (let i = 0; i < reps; i++) samples.push(await meter.sample(shape, tiling));
      points.push({
        tiling,
        x,
        series,
        joules: median(samples.map((s) => s.joules)),
        seconds: median(samples.map((s) => s.seconds)),
        repetitions: reps,
      });
    }
  }
  meter.release?.(shape);
  return points;
}
