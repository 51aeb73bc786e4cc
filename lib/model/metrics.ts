/**
 * Model error as the study reports it (histogram of predicted/measured energy, its mean and σ), plus R² and MAPE.
 */

export interface ErrorStats {
  readonly n: number;
  /** Mean of predicted / measured. */
  readonly ratioMean: number;
  /** Sample standard deviation of predicted / measured (the study's σ). */
  readonly ratioStd: number;
  /** Coefficient of determination on J/datum. */
  readonly r2: number;
  /** Mean absolute percentage error, percent. */
  readonly mape: number;
}

export function errorStats(predicted: readonly number[], measured: readonly number[]): ErrorStats {
  const n = measured.length;
  const ratios = predicted.map((p, i) => p / measured[i]);
  const mean = ratios.reduce((s, r) => s + r, 0) / n;
  const variance = n > 1 ? ratios.reduce((s, r) => s + (r - mean) ** 2, 0) / (n - 1) : 0;
  const yMean = measured.reduce((s, y) => s + y, 0) / n;
  const ssTot = measured.reduce((s, y) => s + (y - yMean) ** 2, 0);
  const ssRes = measured.reduce((s, y, i) => s + (y - predicted[i]) ** 2, 0);
  const mape = (100 / n) * measured.reduce((s, y, i) => s + Math.abs(predicted[i] - y) / y, 0);
  return { n, ratioMean: mean, ratioStd: Math.sqrt(variance), r2: ssTot > 0 ? 1 - ssRes / ssTot : NaN, mape };
}

export interface HistogramBin {
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

/** Fixed-width bins over [lo, hi); values outside fall into the first or last bin so none is hidden. */
export function histogram(values: readonly number[], width = 0.05, lo = 0, hi = 3): HistogramBin[] {
  const bins = Math.round((hi - lo) / width);
  const counts = new Array(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))]++;
  return counts.map((count, i) => ({ from: lo + i * width, to: lo + (i + 1) * width, count }));
}
