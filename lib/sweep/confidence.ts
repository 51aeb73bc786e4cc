/**
 * `--until-ci`: repeat an experiment until the 95% confidence interval of its J/datum is within a relative target,
 * with a cap. The interval is Student's t on the repetitions; a counter that ticks in steps of `resolution` joules
 * cannot resolve J/datum finer than resolution / data, so when that floor already exceeds the target more
 * repetitions cannot help and we stop (flagged) instead of burning the cap.
 */
import type { UntilCi } from './spec.js';

// Two-sided 95% quantiles of Student's t for 1…30 degrees of freedom; 1.96 beyond.
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function tQuantile975(df: number): number {
  return df >= 1 && df <= T975.length ? T975[df - 1] : 1.96;
}

/** Half-width of the 95% CI of the mean, relative to the mean; Infinity with < 2 values or a zero mean. */
export function relativeCiHalfWidth(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return Infinity;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (mean === 0) return Infinity;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return (tQuantile975(n - 1) * Math.sqrt(variance / n)) / Math.abs(mean);
}

export type RepeatDecision =
  | { readonly repeat: true }
  | { readonly repeat: false; readonly reason: 'converged' | 'cap' | 'resolution'; readonly halfWidth: number };

/**
 * @param perDatum J/datum of the repetitions so far
 * @param resolutionPerDatum the counter step expressed in J/datum (resolution J / training data of one run)
 */
export function repeatDecision(perDatum: readonly number[], rule: UntilCi, resolutionPerDatum = 0): RepeatDecision {
  const n = perDatum.length;
  const halfWidth = relativeCiHalfWidth(perDatum);
  if (n < rule.min) return { repeat: true };
  if (halfWidth <= rule.target) return { repeat: false, reason: 'converged', halfWidth };
  if (n >= rule.max) return { repeat: false, reason: 'cap', halfWidth };
  const mean = perDatum.reduce((a, b) => a + b, 0) / n;
  // Two reads per window, each off by up to one step.
  if (mean > 0 && (2 * resolutionPerDatum) / mean > rule.target) return { repeat: false, reason: 'resolution', halfWidth };
  return { repeat: true };
}
