/**
 * Coordinate descent over the pruned tiling grid of one shape, from the analytical default: along each axis
 * (kc, mc, nc, threads, micro-tile) step to the neighbour, keep stepping while each step is clearly better,
 * and sweep the axes again until a full pass moves nothing or the budget of measured tilings is spent.
 * Cache-blocking costs are close to unimodal along each axis (they bend at the cache boundaries, §A3), which is
 * what makes one-axis-at-a-time steps a sound, cheap strategy.
 */
import { compareTilings, type ComparisonOptions, type Decision } from './compare.js';
import type { Tiling } from '../tiling.js';
import type { Objective, Sample, TuneMeter } from './meter.js';
import type { GemmShape } from './shapes.js';
import { AXES, tilingKey, type TilingSpace } from './space.js';
import { median, type RatioInterval } from './stats.js';

export interface Measured {
  tiling: Tiling;
  /** Median over every sample taken of this tiling, per GEMM call. */
  joules: number;
  seconds: number;
  samples: number;
}

export interface Step {
  tiling: Tiling;
  /** Against the incumbent of that moment. */
  decision: Decision;
  ratio: number;
}

export interface ShapeSearch {
  default: Measured;
  tuned: Measured;
  /** best found / default on the objective, from a final run of paired repetitions; null when nothing beat the default. */
  confidence: RatioInterval | null;
  /** The best tiling the steps found when the final run could not confirm it beats the default (tuned stays default). */
  rejected: Tiling | null;
  /** Every tiling measured, in order, with how it compared (for the report's grid chart). */
  steps: Step[];
  /** Distinct tilings measured (the budget counts these), and GEMM samples taken in all. */
  candidates: number;
  measurements: number;
}

export interface SearchOptions {
  objective: Objective;
  /** Most distinct tilings measured for this shape, the default included. */
  budget: number;
  comparison: ComparisonOptions;
}

class SampleBook {
  private readonly byKey = new Map<string, { tiling: Tiling; samples: Sample[] }>();
  count = 0;
  add(tiling: Tiling, samples: Sample[]): void {
    const key = tilingKey(tiling);
    const entry = this.byKey.get(key) ?? { tiling, samples: [] };
    entry.samples.push(...samples);
    this.byKey.set(key, entry);
    this.count += samples.length;
  }
  measured(tiling: Tiling): Measured {
    const entry = this.byKey.get(tilingKey(tiling));
    if (!entry) throw new Error(`no samples for ${tilingKey(tiling)}`);
    return {
      tiling,
      joules: median(entry.samples.map((s) => s.joules)),
      seconds: median(entry.samples.map((s) => s.seconds)),
      samples: entry.samples.length,
    };
  }
}

export async function searchShape(
  meter: TuneMeter,
  shape: GemmShape,
  space: TilingSpace,
  start: Tiling,
  options: SearchOptions,
): Promise<ShapeSearch> {
  const book = new SampleBook();
  const seen = new Set<string>();
  const steps: Step[] = [];
  const initial = space.include(start);
  let incumbent = initial;
  seen.add(tilingKey(initial));

  const tryCandidate = async (candidate: Tiling): Promise<boolean> => {
    seen.add(tilingKey(candidate));
    const c = await compareTilings(meter, shape, incumbent, candidate, options.objective, options.comparison);
    book.add(incumbent, c.incumbent);
    book.add(candidate, c.candidate);
    steps.push({ tiling: candidate, decision: c.decision, ratio: c.interval.ratio });
    if (c.decision !== 'better') return false;
    incumbent = candidate;
    return true;
  };

  let moved = true;
  search: while (moved) {
    moved = false;
    for (const axis of AXES) {
      for (const dir of [1, -1] as const) {
        let went = false;
        for (let next = space.step(incumbent, axis, dir); next; next = space.step(incumbent, axis, dir)) {
          if (seen.has(tilingKey(next))) break;
          if (seen.size >= options.budget) break search;
          if (!(await tryCandidate(next))) break;
          went = moved = true;
        }
        if (went) break; // improving upwards: no need to look down this pass
      }
    }
  }

  let confidence: RatioInterval | null = null;
  let rejected: Tiling | null = null;
  if (tilingKey(incumbent) !== tilingKey(initial)) {
    // The steps compared neighbours; the claim is tuned vs default, so measure that pair directly, and keep the
    // default unless this run confirms the win (a chain of small noisy wins can add up to nothing).
    const pairs = options.comparison.maxPairs;
    const c = await compareTilings(meter, shape, initial, incumbent, options.objective, options.comparison, pairs);
    book.add(initial, c.incumbent);
    book.add(incumbent, c.candidate);
    confidence = c.interval;
    if (c.decision !== 'better') {
      rejected = incumbent;
      incumbent = initial;
    }
  } else if (steps.length === 0) {
    // Nothing to compare (budget 1 or a one-point space): still report what the default costs.
    const samples: Sample[] = [];
    for (let i = 0; i < options.comparison.minPairs; i++) samples.push(await meter.sample(shape, initial));
    book.add(initial, samples);
  }
  meter.release?.(shape);
  return {
    default: book.measured(initial),
    tuned: book.measured(incumbent),
    confidence,
    rejected,
    steps,
    candidates: seen.size,
    measurements: book.count,
  };
}
