/**
 * The four working sets of a training run (BUTTER-E 3_standardize.ipynb cells 30–31), in bytes of float32, and
 * their placement in a hardware profile's levels:
 *   l  inter-layer: per layer 4·batch·(w_in + w_out), distributed; placed per layer from an empty cache
 *   f  forward pass: 4·P replicated (the weights), stacked on the largest l
 *   b  backward pass: 8·P replicated (weights + gradients) + 4·batch·Σw − max l distributed, stacked on the largest l
 *   d  dataset: n_observations·(inputs + outputs)·4 distributed, stacked on b
 * Priority (the study's comment): inter-layer activations, parameters, all activations and gradients, data.
 */
import { invalidOption } from '../errors.js';
import { integerIn, isPlainObject } from '../validate.js';
import { checkLevels, EMPTY, placeSet, type Occupancy, type Placement, type WorkingSetBytes } from './placement.js';
import type { CacheLevelProfile } from './profiles.js';
import { workingSets as networkWorkingSets, type Network } from '../networks.js';

export const BYTES_PER_FLOAT = 4;

/** What placement needs to know about a run. `fullWidths` includes the input width first. */
export interface RunShape {
  readonly fullWidths: readonly number[];
  readonly numFreeParameters: number;
  readonly batchSize: number;
  readonly nObservations: number;
}

export interface WorkingSets {
  /** One set per layer (distributed only). */
  readonly l: readonly WorkingSetBytes[];
  readonly f: WorkingSetBytes;
  readonly b: WorkingSetBytes;
  readonly d: WorkingSetBytes;
}

export interface PlacedWorkingSets {
  readonly sets: WorkingSets;
  readonly l: readonly Placement[];
  /** The largest per-layer occupancy, what f and b stack on. */
  readonly lMax: Occupancy;
  readonly f: Placement;
  readonly b: Placement;
  readonly d: Placement;
}

/** The study's set sizes come from networks.ts (one home for the paper's arithmetic), split for placement. */
export function workingSets(run: RunShape): WorkingSets {
  const [inputs, ...widths] = run.fullWidths;
  // networks.ts's working-set arithmetic reads only these four fields of a Network.
  const network = { inputs, outputs: widths[widths.length - 1], widths, numFreeParameters: run.numFreeParameters } as Network;
  const sets = networkWorkingSets(network, { observations: run.nObservations, batchSize: run.batchSize });
  const split = (set: { replicatedBytes: number; distributedBytes: number }): WorkingSetBytes => ({
    replicated: set.replicatedBytes,
    distributed: set.distributedBytes,
  });
  return {
    l: sets.lPerLayerBytes.map((bytes) => ({ replicated: 0, distributed: bytes })),
    f: split(sets.f),
    b: split(sets.b),
    d: split(sets.d),
  };
}

export function placeWorkingSets(levels: readonly CacheLevelProfile[], run: RunShape): PlacedWorkingSets {
  checkLevels(levels);
  if (!isPlainObject(run)) throw invalidOption('run', 'an object { fullWidths, numFreeParameters, batchSize, nObservations }', run, 'type');
  const widths = run.fullWidths;
  if (!Array.isArray(widths) || widths.length < 2) {
    throw invalidOption('run.fullWidths', 'an array of at least 2 widths (the input width, then every layer’s)', widths, 'type');
  }
  widths.forEach((w, i) => integerIn(`run.fullWidths[${i}]`, w, 1));
  integerIn('run.numFreeParameters', run.numFreeParameters, 1);
  // Checked again by networks.ts, but there without the run. prefix the caller wrote.
  integerIn('run.batchSize', run.batchSize, 1);
  integerIn('run.nObservations', run.nObservations, 1);
  const sets = workingSets(run);
  const l = sets.l.map((set) => placeSet(levels, EMPTY, set));
  // The study takes the maximum of each occupancy measure over layers separately.
  const lMax: Occupancy = {
    occupied: Math.max(0, ...l.map((p) => p.occupied)),
    singularOccupied: Math.max(0, ...l.map((p) => p.singularOccupied)),
    effective: Math.max(0, ...l.map((p) => p.effective)),
  };
  const f = placeSet(levels, lMax, sets.f);
  const b = placeSet(levels, lMax, sets.b);
  const d = placeSet(levels, b, sets.d);
  return { sets, l, lMax, f, b, d };
}
