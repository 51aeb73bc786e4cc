/**
 * The columns of a stored run that the model reads (BUTTER-E names, see design.md "Records"). The store and the
 * BUTTER-E import both produce these; tests build them by hand.
 */
import { MlpEnergyError } from '../errors.js';
import type { DeviceClass } from './profiles.js';
import type { RunShape } from './working-sets.js';

export interface RunRecord {
  readonly run_id: string;
  readonly dataset: string;
  readonly shape: string;
  readonly size: number;
  readonly depth: number;
  /** Layer widths after the input, the last being the output width (BUTTER-E `widths`). */
  readonly widths: readonly number[];
  /** Network input width (after preprocessing for our runs; pmlb.csv n_features for BUTTER-E). */
  readonly n_features: number;
  /** Dataset rows, train + test. */
  readonly n_observations: number;
  readonly num_free_parameters: number;
  readonly batch_size: number;
  readonly is_gpu: boolean;
  readonly device: string;
  /** Worker threads of the run (tiling.threads); absent for imported runs, which used the whole node. */
  readonly threads?: number | null;
  readonly energy_per_training_datum: number;
  readonly energy_per_epoch: number;
  readonly flops_per_epoch: number;
  /** True when the energy came from an estimator rather than a hardware counter. */
  readonly estimated: boolean;
  /** Hardware profile the run was measured on ('eagle-cpu' for BUTTER-E imports); absent = this machine. */
  readonly profile?: string | null;
}

export const TRAIN_FRACTION = 0.8;

export function deviceClassOf(run: Pick<RunRecord, 'is_gpu'>): DeviceClass {
  return run.is_gpu ? 'gpu' : 'cpu';
}

/** Training data per epoch as the study counts it: ceil(0.8·n / batch) batches of `batch` rows. */
export function trainingDataPerEpoch(nObservations: number, batchSize: number): number {
  return Math.ceil((TRAIN_FRACTION * nObservations) / batchSize) * batchSize;
}

export function runShape(run: RunRecord): RunShape {
  return {
    fullWidths: [run.n_features, ...run.widths],
    numFreeParameters: run.num_free_parameters,
    batchSize: run.batch_size,
    nObservations: run.n_observations,
  };
}

const POSITIVE = ['n_features', 'n_observations', 'num_free_parameters', 'batch_size', 'flops_per_epoch'] as const;

/** Reject records the model cannot use, naming the run and the field; energies must be positive to form ratios. */
export function checkRecord(run: RunRecord): void {
  const bad = (field: string, why: string) =>
    new MlpEnergyError('INVALID_DATA', `Run ${run.run_id}: ${field} ${why}; fix or drop this run before fitting.`);
  for (const field of POSITIVE) {
    const v = run[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw bad(field, `must be a positive number (got ${String(v)})`);
  }
  if (!Array.isArray(run.widths) || run.widths.length === 0 || run.widths.some((w) => !Number.isInteger(w) || w <= 0)) {
    throw bad('widths', 'must be a non-empty list of positive integers');
  }
  const e = run.energy_per_training_datum;
  if (typeof e !== 'number' || !Number.isFinite(e) || e <= 0) {
    throw bad('energy_per_training_datum', `must be a positive number of joules (got ${String(e)})`);
  }
}
