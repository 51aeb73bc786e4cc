/**
 * BUTTER-E's normalisation of a run's measured energy (reference §5, 3_standardize.ipynb):
 *   std_power   = energy / run_time + power_offset   (idle power is NOT subtracted; the offset shifts a machine to the
 *                                                     reference idle power, 0 when the machine is its own reference)
 *   std_energy  = std_power × run_time
 *   overhead    = 5th percentile of std_energy (and run_time) over tiny reference runs, per device class
 *   non_overhead_energy       = std_energy − overhead        (≤ 0 is flagged; the study dropped those runs)
 *   energy_per_epoch          = non_overhead_energy / epochs
 *   energy_per_training_batch = non_overhead_energy / (ceil(n_train / batch) × epochs)
 *   energy_per_training_datum = energy_per_training_batch / batch               ("J/datum")
 * and QC (2_qc.ipynb), flagged, never deleted: filter_1 "long runtimes" (run_time > 75,000 s), filter_2 zero energy.
 * The study drops flagged runs before standardising, so they count in neither the overhead nor the medians.
 */

import { invalidOption } from '../errors.js';
import { LONG_RUNTIME_S } from '../store/schema.js';
import { finiteNumber, finiteOrNull, integerIn, isPlainObject } from '../validate.js';

export const OVERHEAD_PERCENTILE = 5;

export function isLongRuntime(runTime: number | null): boolean {
  return runTime !== null && runTime > LONG_RUNTIME_S;
}

/** numpy's default percentile: linear interpolation between closest ranks. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export interface Overhead {
  /** Joules. */
  readonly energy: number;
  /** Seconds. */
  readonly runtime: number;
  readonly runs: number;
}

/** The overhead from the reference runs that pass filter_1 (the study estimated it after QC). */
export function estimateOverhead(references: readonly { stdEnergy: number; runTime: number }[]): Overhead | null {
  if (!Array.isArray(references)) throw invalidOption('references', 'an array of { stdEnergy, runTime }', references, 'type');
  references.forEach((r: unknown, i) => {
    if (!isPlainObject(r)) throw invalidOption(`references[${i}]`, 'an object { stdEnergy, runTime }', r, 'type');
    // Unmeasured (null, NaN) runs are skipped below, as the study dropped them; a missing field is a caller's typo.
    for (const key of ['stdEnergy', 'runTime'] as const) {
      if (r[key] !== null && typeof r[key] !== 'number') throw invalidOption(`references[${i}].${key}`, 'a number or null', r[key], 'type');
    }
  });
  const ok = references.filter((r) => Number.isFinite(r.stdEnergy) && Number.isFinite(r.runTime) && !isLongRuntime(r.runTime));
  if (ok.length === 0) return null;
  return {
    energy: percentile(ok.map((r) => r.stdEnergy), OVERHEAD_PERCENTILE),
    runtime: percentile(ok.map((r) => r.runTime), OVERHEAD_PERCENTILE),
    runs: ok.length,
  };
}

export interface NormaliseInput {
  /** Joules measured in the window. */
  readonly energy: number | null;
  /** Seconds in the window. */
  readonly runTime: number;
  /** Watts at idle on this machine (calibrated). */
  readonly idlePower: number | null;
  /** Watts at idle of the reference machine; defaults to this machine's idle power (offset 0). */
  readonly referenceIdlePower?: number | null;
  readonly overhead: Overhead | null;
  readonly epochs: number;
  readonly nTrain: number;
  readonly batchSize: number;
}

export interface Normalised {
  readonly power: number | null;
  readonly power_offset: number;
  readonly std_power: number | null;
  readonly std_energy: number | null;
  readonly energy_overhead: number | null;
  readonly runtime_overhead: number | null;
  readonly non_overhead_energy: number | null;
  readonly non_overhead_runtime: number | null;
  readonly energy_per_epoch: number | null;
  readonly num_training_batches_per_epoch: number;
  readonly energy_per_training_batch: number | null;
  readonly energy_per_training_datum: number | null;
  readonly filter_long_runtime: boolean;
  readonly filter_zero_energy: boolean;
  readonly filter_nonpositive_energy: boolean | null;
}

function checkNormaliseInput(input: unknown): NormaliseInput {
  const expected = 'an object { energy, runTime, idlePower, referenceIdlePower?, overhead, epochs, nTrain, batchSize }';
  if (!isPlainObject(input)) throw invalidOption('normaliseRun input', expected, input, 'type');
  const overhead = input.overhead;
  if (overhead !== null) {
    if (!isPlainObject(overhead)) throw invalidOption('overhead', 'null or a result of estimateOverhead()', overhead, 'type');
    finiteNumber('overhead.energy', overhead.energy);
    finiteNumber('overhead.runtime', overhead.runtime);
  }
  return {
    energy: finiteOrNull('energy', input.energy),
    runTime: finiteNumber('runTime', input.runTime, 0),
    idlePower: finiteOrNull('idlePower', input.idlePower, 0),
    referenceIdlePower: input.referenceIdlePower === undefined ? undefined : finiteOrNull('referenceIdlePower', input.referenceIdlePower, 0),
    overhead: overhead as Overhead | null,
    epochs: integerIn('epochs', input.epochs, 1),
    nTrain: integerIn('nTrain', input.nTrain, 1),
    batchSize: integerIn('batchSize', input.batchSize, 1),
  };
}

export function normaliseRun(input: NormaliseInput): Normalised {
  const { energy, runTime, idlePower, overhead, epochs, nTrain, batchSize, referenceIdlePower } = checkNormaliseInput(input);
  const reference = referenceIdlePower ?? idlePower;
  const powerOffset = reference !== null && idlePower !== null ? reference - idlePower : 0;
  const power = energy !== null && runTime > 0 ? energy / runTime : null;
  const stdPower = power === null ? null : power + powerOffset;
  const stdEnergy = stdPower === null ? null : stdPower * runTime;
  const nonOverhead = stdEnergy === null ? null : overhead ? stdEnergy - overhead.energy : stdEnergy;
  const batches = Math.ceil(nTrain / batchSize);
  const perBatch = nonOverhead === null ? null : nonOverhead / (batches * epochs);
  return {
    power,
    power_offset: powerOffset,
    std_power: stdPower,
    std_energy: stdEnergy,
    energy_overhead: overhead ? overhead.energy : null,
    runtime_overhead: overhead ? overhead.runtime : null,
    non_overhead_energy: nonOverhead,
    non_overhead_runtime: overhead ? runTime - overhead.runtime : runTime,
    energy_per_epoch: nonOverhead === null ? null : nonOverhead / epochs,
    num_training_batches_per_epoch: batches,
    energy_per_training_batch: perBatch,
    energy_per_training_datum: perBatch === null ? null : perBatch / batchSize,
    filter_long_runtime: isLongRuntime(runTime),
    filter_zero_energy: energy === null || !(energy > 0),
    filter_nonpositive_energy: nonOverhead === null ? null : nonOverhead <= 0,
  };
}
