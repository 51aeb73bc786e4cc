/**
 * Measure one layer shape across a slice of its tiling grid: every value of one axis (x), optionally for every
 * value of a second axis (series), others held at a base tiling. This is the data of the report's grid chart.
 */
import { invalidOption, rejectUnknownOptions } from '../errors.js';
import { checkTilingOptions, type Tiling } from '../tiling.js';
import { integerIn, isPlainObject, oneOf } from '../validate.js';
import type { TuneMeter } from './meter.js';
import type { GemmShape } from './shapes.js';
import { TilingSpace, type Axis } from './space.js';
import { median } from './stats.js';

export type GridAxis = Exclude<Axis, 'micro' | 'sup'>;
export const GRID_AXES: readonly GridAxis[] = ['kc', 'mc', 'nc', 'threads'];

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
  /**
   * Most tilings measured. A larger slice is thinned: first to fewer series (evenly spread, the base's own value
   * kept), then, if one series alone is too long, to evenly spread x values with both ends kept.
   */
  maxPoints?: number;
}

/** `count` values of `values`, evenly spread, always including `keep` when it is one of them. */
function spread(values: readonly number[], count: number, keep?: number): number[] {
  if (values.length <= count) return [...values];
  if (count <= 1) return [keep !== undefined && values.includes(keep) ? keep : values[0]];
  const picked = new Set(Array.from({ length: count }, (_, i) => values[Math.round((i * (values.length - 1)) / (count - 1))]));
  if (keep !== undefined && values.includes(keep) && !picked.has(keep)) {
    // Swap the nearest pick for the base's value so the default's column is always drawn.
    const nearest = [...picked].reduce((a, b) => (Math.abs(b - keep) < Math.abs(a - keep) ? b : a));
    picked.delete(nearest);
    picked.add(keep);
  }
  return [...picked].sort((a, b) => a - b);
}

function checkGridArguments(space: unknown, base: unknown, options: unknown): void {
  if (!(space instanceof TilingSpace)) throw invalidOption('space', 'a TilingSpace for the shape scanned', space, 'type');
  const tiling = checkTilingOptions('base', base);
  for (const key of ['mc', 'kc', 'nc', 'mr', 'nr', 'threads', 'isa'] as const) {
    if (tiling[key] === undefined) throw invalidOption(`base.${key}`, 'a complete tiling (e.g. from validateTiling())', undefined, 'type');
  }
  if (!isPlainObject(options)) throw invalidOption('options', 'an object { x, series?, repetitions?, maxPoints? }', options, 'type');
  rejectUnknownOptions('grid scan', options, ['x', 'series', 'repetitions', 'maxPoints']);
  const x = oneOf('x', options.x, GRID_AXES);
  if (options.series !== undefined && oneOf('series', options.series, GRID_AXES) === x) {
    throw invalidOption('series', `an axis other than x (${x})`, options.series);
  }
  if (options.repetitions !== undefined) integerIn('repetitions', options.repetitions, 1);
  if (options.maxPoints !== undefined) integerIn('maxPoints', options.maxPoints, 1);
}

/** The tilings a scan measures, in order: the slice of the pruned grid through `base`, thinned to `maxPoints`. */
export function gridTilings(space: TilingSpace, base: Tiling, options: GridScanOptions): Array<Pick<GridPoint, 'tiling' | 'x' | 'series'>> {
  checkGridArguments(space, base, options);
  const start = space.include(base);
  const rowOf = (series: number | null) => (options.series && series !== null ? { ...start, [options.series]: series } : start);
  const slice = (series: number | null) =>
    space.values(options.x, rowOf(series)).filter((x) => space.withinCaches({ ...rowOf(series), [options.x]: x }));
  let seriesValues: Array<number | null> = options.series ? space.values(options.series, start) : [null];
  // Series whose whole slice is pruned draw nothing.
  seriesValues = seriesValues.filter((s) => slice(s).length > 0);
  const max = options.maxPoints ?? Infinity;
  const longest = Math.max(0, ...seriesValues.map((s) => slice(s).length));
  if (options.series && longest > 0 && seriesValues.length * longest > max) {
    const keep = start[options.series];
    seriesValues = spread(seriesValues as number[], Math.max(1, Math.floor(max / longest)), keep);
  }
  const out: Array<Pick<GridPoint, 'tiling' | 'x' | 'series'>> = [];
  for (const series of seriesValues) {
    const xs = slice(series);
    const perSeries = Math.max(1, Math.floor(max / seriesValues.length));
    for (const x of spread(xs, Math.min(xs.length, perSeries), start[options.x])) {
      out.push({ tiling: { ...rowOf(series), [options.x]: x }, x, series });
    }
  }
  return out;
}

export async function gridScan(
  meter: TuneMeter,
  shape: GemmShape,
  space: TilingSpace,
  base: Tiling,
  options: GridScanOptions,
): Promise<GridPoint[]> {
  const reps = options.repetitions ?? 3;
  const points: GridPoint[] = [];
  for (const { tiling, x, series } of gridTilings(space, base, options)) {
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
  meter.release?.(shape);
  return points;
}
