/**
 * The four working sets of a training run (BUTTER-E 3_standardize.ipynb cells 30–31), in bytes of float32, and
 * their placement in a hardware profile's levels:
 *   l  inter-layer: per layer 4·batch·(w_in + w_out), distributed; placed per layer from an empty cache
 *   f  forward pass: 4·P replicated (the weights), stacked on the largest l
 *   b  backward pass: 8·P replicated (weights + gradients) + 4·batch·Σw − max l distributed, stacked on the largest l
 *   d  dataset: n_observations·(inputs + outputs)·4 distributed, stacked on b
 * Priority (the study's comment): inter-layer activations, parameters, all activations and gradients, data.
 */
import { EMPTY, place, type Occupancy, type Placement, type WorkingSetBytes } from './placement.js';
import type { CacheLevelProfile } from './profiles.js';

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

export function workingSets(run: RunShape): WorkingSets {
  const w = run.fullWidths;
  const batch = run.batchSize;
  const l: WorkingSetBytes[] = [];
  for (let i = 0; i + 1 < w.length; i++) {
    l.push({ replicated: 0, distributed: BYTES_PER_FLOAT * batch * (w[i] + w[i + 1]) });
  }
  const lMaxDistributed = Math.max(0, ...l.map((s) => s.distributed));
  const numNodes = w.reduce((sum, width) => sum + width, 0);
  const P = run.numFreeParameters;
  // Data bytes per datum: inputs plus outputs (the study: n_features + (n_classes if > 2 else 1), the output width).
  const datumBytes = BYTES_PER_FLOAT * (w[0] + w[w.length - 1]);
  return {
    l,
    f: { replicated: BYTES_PER_FLOAT * P, distributed: 0 },
    b: { replicated: BYTES_PER_FLOAT * 2 * P, distributed: BYTES_PER_FLOAT * batch * numNodes - lMaxDistributed },
    d: { replicated: 0, distributed: run.nObservations * datumBytes },
  };
}

export function placeWorkingSets(levels: readonly CacheLevelProfile[], run: RunShape): PlacedWorkingSets {
  const sets = workingSets(run);
  const l = sets.l.map((set) => place(levels, EMPTY, set));
  // The study takes the maximum of each occupancy measure over layers separately.
  const lMax: Occupancy = {
    occupied: Math.max(0, ...l.map((p) => p.occupied)),
    singularOccupied: Math.max(0, ...l.map((p) => p.singularOccupied)),
    effective: Math.max(0, ...l.map((p) => p.effective)),
  };
  const f = place(levels, lMax, sets.f);
  const b = place(levels, lMax, sets.b);
  const d = place(levels, b, sets.d);
  return { sets, l, lMax, f, b, d };
}
