/** Synthetic run records for the model tests: rectangle networks whose energy follows known coefficients. */
import type { RunRecord } from '../lib/model/records.js';

export function rectangleWidths(width: number, depth: number, outputs: number): number[] {
  return [...new Array(depth - 1).fill(width), outputs];
}

export function parameters(inputs: number, widths: readonly number[]): number {
  let P = 0;
  let fanIn = inputs;
  for (const w of widths) {
    P += (fanIn + 1) * w;
    fanIn = w;
  }
  return P;
}

export interface SyntheticDataset {
  name: string;
  rows: number;
  inputs: number;
  outputs: number;
}

export const DATASETS: SyntheticDataset[] = [
  { name: 'a_small', rows: 3000, inputs: 4, outputs: 1 },
  { name: 'b_wide', rows: 20000, inputs: 120, outputs: 10 },
  { name: 'c_tall', rows: 60000, inputs: 20, outputs: 3 },
  { name: 'd_mid', rows: 8000, inputs: 40, outputs: 2 },
  { name: 'e_big', rows: 100000, inputs: 60, outputs: 5 },
];

/** A grid of runs with energy 0 (to be filled by the caller); FLOPs are a simple positive function of the network. */
export function syntheticRuns(datasets = DATASETS, widthsList = [4, 16, 64, 256, 1024], depths = [2, 3, 5], extra: Partial<RunRecord> = {}): RunRecord[] {
  const runs: RunRecord[] = [];
  for (const ds of datasets) {
    for (const width of widthsList) {
      for (const depth of depths) {
        const widths = rectangleWidths(width, depth, ds.outputs);
        const P = parameters(ds.inputs, widths);
        runs.push({
          run_id: `${ds.name}-${width}-${depth}`,
          dataset: ds.name,
          shape: 'rectangle',
          size: P,
          depth,
          widths,
          n_features: ds.inputs,
          n_observations: ds.rows,
          num_free_parameters: P,
          batch_size: 256,
          is_gpu: false,
          device: 'cpu',
          threads: 2,
          energy_per_training_datum: 1,
          energy_per_epoch: 1,
          // Not the paper's formula on purpose: any positive count that is not a combination of the byte features.
          flops_per_epoch: (6 * P + 3 * widths.reduce((s, w) => s + w * w, 0)) * ds.rows,
          estimated: false,
          ...extra,
        });
      }
    }
  }
  return runs;
}
