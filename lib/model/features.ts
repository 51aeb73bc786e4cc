/**
 * Features of the cache-aware model, per training datum: a constant, FLOPs, and the bytes each working set
 * moves at the level it was placed in. Traffic per datum: l, f and b once per batch (divided by the batch
 * size), d once per epoch (divided by the training data per epoch).
 */
import type { HardwareProfile } from './profiles.js';
import { levelsForThreads } from './profiles.js';
import { placeWorkingSets, type PlacedWorkingSets, type RunShape } from './working-sets.js';
import { trainingDataPerEpoch } from './records.js';

export interface RunFeatures {
  readonly flopsPerDatum: number;
  /** Bytes per datum at each level of the profile, in profile order. */
  readonly bytesPerLevel: number[];
  readonly placed: PlacedWorkingSets;
}

export interface FeatureInput extends RunShape {
  readonly flopsPerEpoch: number;
  readonly threads?: number | null;
}

export function runFeatures(profile: HardwareProfile, run: FeatureInput): RunFeatures {
  const levels = levelsForThreads(profile, run.threads ?? undefined);
  const placed = placeWorkingSets(levels, run);
  const bytesPerLevel: number[] = new Array(levels.length).fill(0);
  const perBatch = 1 / run.batchSize;
  placed.l.forEach((p) => (bytesPerLevel[p.level] += p.singular * perBatch));
  bytesPerLevel[placed.f.level] += placed.f.singular * perBatch;
  bytesPerLevel[placed.b.level] += placed.b.singular * perBatch;
  const dataPerEpoch = trainingDataPerEpoch(run.nObservations, run.batchSize);
  bytesPerLevel[placed.d.level] += placed.d.singular / dataPerEpoch;
  return { flopsPerDatum: run.flopsPerEpoch / dataPerEpoch, bytesPerLevel, placed };
}

/** Column names and units of the cache-aware model, for a profile. */
export function featureColumns(profile: HardwareProfile): Array<{ name: string; unit: string }> {
  return [
    { name: 'constant', unit: 'J/datum' },
    { name: 'flops', unit: 'J/FLOP' },
    ...profile.levels.map((level) => ({ name: `bytes_${level.name}`, unit: `J/byte at ${level.name}` })),
  ];
}

export function featureRow(f: RunFeatures): number[] {
  return [1, f.flopsPerDatum, ...f.bytesPerLevel];
}
