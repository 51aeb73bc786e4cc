/**
 * tune(): search the cache tiling of every distinct GEMM shape of a network (or of given shapes) for the least
 * energy, time or energy-delay product per training datum, measured, with a stated confidence.
 */
import { invalidOption, rejectUnknownOptions } from '../errors.js';
import { finiteNumber, integerIn, isPlainObject, oneOf } from '../validate.js';
import { DEFAULT_COMPARISON, type ComparisonOptions } from './compare.js';
import type { Tiling } from '../tiling.js';
import { OBJECTIVES, type Objective, type TuneMeter } from './meter.js';
import { searchShape, type ShapeSearch } from './search.js';
import { checkGemmShapes, trainingGemmShapes, type CountedShape } from './shapes.js';
import { TilingSpace, type TilingSpaceOptions } from './space.js';
import { StepMeter, enclosingShape } from './step-meter.js';

export interface TuneOptions {
  /** Layer widths, input first (what networkFor returns); with `batch` this gives the training GEMM shapes. */
  widths?: readonly number[];
  /** Rows per training batch (BUTTER: 256). */
  batch?: number;
  /** Tune these shapes instead of a network's. */
  gemmShapes?: ReadonlyArray<Partial<CountedShape>>;
  /** What to minimise. Default: energy where a hardware counter reads it, time where energy is only estimated. */
  objective?: Objective;
  /** Most distinct tilings measured per shape, the default included (default 16). */
  budget?: number;
  /** Pairs of repetitions per comparison: at least `min`, at most `max` (default 3 and 12). */
  repetitions?: { min?: number; max?: number };
  /** Confidence level of the ratio intervals (default 0.95). */
  level?: number;
  /** What measures one GEMM call (default: the native gemm in a meters window). */
  meter: TuneMeter;
  /** The space to search: micro-tiles the ISA offers, thread limit, cache sizes. */
  space: TilingSpaceOptions;
  /** Where the search starts (the analytical default tiling). */
  start: Tiling;
  /**
   * 'shape' (default): the best tiling of each GEMM shape. 'network': the one tiling that makes the whole training
   * step cheapest (what a run with a single tiling uses; `--tiling tuned`).
   */
  scope?: TuneScope;
  onShape?: (done: number, total: number, shape: CountedShape) => void;
}

export type TuneScope = 'shape' | 'network';
const SCOPES: readonly TuneScope[] = ['shape', 'network'];

const KNOWN = ['widths', 'batch', 'gemmShapes', 'objective', 'budget', 'repetitions', 'level', 'meter', 'space', 'start', 'scope', 'onShape'];

export interface ShapeTuning extends ShapeSearch {
  shape: CountedShape;
}

export interface Totals {
  joules: number;
  seconds: number;
}

export interface TuneResult {
  scope: TuneScope;
  objective: Objective;
  /** True when joules are an estimate (no hardware counter): then only time and edp are measured objectives. */
  estimated: boolean;
  source: string;
  batch: number | null;
  /** The GEMM shapes of the step; with scope 'shape' each carries its own search. */
  shapes: CountedShape[];
  perShape: ShapeTuning[];
  /** With scope 'network': the search for one tiling of the whole step (costs are per step). */
  step: ShapeSearch | null;
  /** Σ count × per-call cost over the shapes, for one training step… */
  perStep: { default: Totals; tuned: Totals };
  /** …and divided by the batch (per training datum); null when tuning bare shapes. */
  perDatum: { default: Totals; tuned: Totals } | null;
}

function comparisonOptions(options: TuneOptions): ComparisonOptions {
  const reps = options.repetitions ?? {};
  if (!isPlainObject(reps)) throw invalidOption('repetitions', 'an object { min, max }', reps, 'type');
  const min = reps.min === undefined ? DEFAULT_COMPARISON.minPairs : integerIn('repetitions.min', reps.min, 2, 1000);
  const max = reps.max === undefined ? Math.max(min, DEFAULT_COMPARISON.maxPairs) : integerIn('repetitions.max', reps.max, min, 1000);
  const level = options.level === undefined ? DEFAULT_COMPARISON.level : finiteNumber('level', options.level, 0.5, 0.999);
  return { ...DEFAULT_COMPARISON, minPairs: min, maxPairs: max, level };
}

export async function tune(options: TuneOptions): Promise<TuneResult> {
  if (!isPlainObject(options)) throw invalidOption('options', 'an object', options, 'type');
  rejectUnknownOptions('tune()', options, KNOWN);
  const hasWidths = options.widths !== undefined;
  if (hasWidths === (options.gemmShapes !== undefined)) {
    throw invalidOption('widths/gemmShapes', 'exactly one of a network (widths) or gemmShapes', hasWidths ? 'both' : 'neither', 'type');
  }
  const batch = hasWidths ? integerIn('batch', options.batch ?? 256, 1, 1 << 20) : null;
  const shapes = hasWidths ? trainingGemmShapes(options.widths as number[], batch!) : checkGemmShapes(options.gemmShapes);
  const { meter } = options;
  const objective = options.objective === undefined ? (meter.estimated ? 'time' : 'energy') : oneOf('objective', options.objective, OBJECTIVES);
  const budget = integerIn('budget', options.budget ?? 16, 1, 10_000);
  const comparison = comparisonOptions(options);

  const results: ShapeTuning[] = [];
  let step: ShapeSearch | null = null;
  const scope = options.scope === undefined ? 'shape' : oneOf('scope', options.scope, SCOPES);
  if (scope === 'network') {
    const enclosing = enclosingShape(shapes);
    const space = new TilingSpace(enclosing, options.space);
    step = await searchShape(new StepMeter(meter, shapes), enclosing, space, options.start, { objective, budget, comparison });
  } else {
    for (const [i, shape] of shapes.entries()) {
      options.onShape?.(i, shapes.length, shape);
      const space = new TilingSpace(shape, options.space);
      const found = await searchShape(meter, shape, space, options.start, { objective, budget, comparison });
      results.push({ shape, ...found });
    }
  }
  const total = (pick: 'default' | 'tuned'): Totals =>
    step
      ? { joules: step[pick].joules, seconds: step[pick].seconds }
      : {
          joules: results.reduce((s, r) => s + r.shape.count * r[pick].joules, 0),
          seconds: results.reduce((s, r) => s + r.shape.count * r[pick].seconds, 0),
        };
  const perStep = { default: total('default'), tuned: total('tuned') };
  const perDatum =
    batch === null
      ? null
      : {
          default: { joules: perStep.default.joules / batch, seconds: perStep.default.seconds / batch },
          tuned: { joules: perStep.tuned.joules / batch, seconds: perStep.tuned.seconds / batch },
        };
  return { scope, objective, estimated: meter.estimated, source: meter.source, batch, shapes, perShape: results, step, perStep, perDatum };
}
