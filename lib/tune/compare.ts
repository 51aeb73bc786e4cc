/**
 * Is the candidate tiling better than the incumbent? Measure them in alternating pairs (order swapped each pair so
 * neither always runs on a warmer cache) until the paired interval of their ratio is clear, or the pair budget ends.
 */
import type { Tiling } from '../tiling.js';
import { objectiveValue, type Objective, type Sample, type TuneMeter } from './meter.js';
import type { GemmShape } from './shapes.js';
import { pairedRatioInterval, type RatioInterval } from './stats.js';

export interface ComparisonOptions {
  /** Pairs measured before any decision (≥ 2: an interval needs a spread). */
  minPairs: number;
  /** Pairs after which an undecided comparison stops as "unclear" (the incumbent stays). */
  maxPairs: number;
  /** Confidence level of the ratio interval. */
  level: number;
  /** Ratios within 1 ± minEffect count as equal: a win smaller than this is not worth a move. */
  minEffect: number;
}

export const DEFAULT_COMPARISON: ComparisonOptions = { minPairs: 3, maxPairs: 12, level: 0.95, minEffect: 0.01 };

export type Decision = 'better' | 'worse' | 'equivalent' | 'unclear';

export interface Comparison {
  decision: Decision;
  /** candidate / incumbent on the objective. */
  interval: RatioInterval;
  incumbent: Sample[];
  candidate: Sample[];
}

export function decide(interval: RatioInterval, options: ComparisonOptions, final: boolean): Decision | undefined {
  const { low, high, ratio } = interval;
  if (high < 1 && ratio < 1 - options.minEffect) return 'better';
  if (low > 1) return 'worse';
  if (low >= 1 - options.minEffect && high <= 1 + options.minEffect) return 'equivalent';
  return final ? 'unclear' : undefined;
}

export async function compareTilings(
  meter: TuneMeter,
  shape: GemmShape,
  incumbent: Tiling,
  candidate: Tiling,
  objective: Objective,
  options: ComparisonOptions,
  /** When set, exactly this many pairs are measured (for the final tuned-vs-default confidence). */
  fixedPairs?: number,
): Promise<Comparison> {
  const samples = { incumbent: [] as Sample[], candidate: [] as Sample[] };
  const pairs = fixedPairs ?? options.maxPairs;
  for (let i = 0; i < pairs; i++) {
    const order = i % 2 === 0 ? (['incumbent', 'candidate'] as const) : (['candidate', 'incumbent'] as const);
    for (const who of order) samples[who].push(await meter.sample(shape, who === 'incumbent' ? incumbent : candidate));
    if (i + 1 < Math.max(2, options.minPairs)) continue;
    const interval = pairedRatioInterval(
      samples.candidate.map((s) => objectiveValue(s, objective)),
      samples.incumbent.map((s) => objectiveValue(s, objective)),
      options.level,
    );
    const decision = decide(interval, options, i + 1 === pairs);
    if (decision && (fixedPairs === undefined || i + 1 === pairs)) return { decision, interval, ...samples };
  }
  throw new RangeError(`compareTilings needs at least 2 pairs, got ${pairs}`);
}
