/**
 * BUTTER's split: `train_test_split(test_size=0.2, shuffle=True)`, redrawn per run from the run's seed.
 * sklearn rounds the test share up: n_test = ceil(0.2 n).
 */
import { invalidOption } from '../errors.js';
import { MAX_FEATURES } from '../networks.js';
import { float32Array, integerIn, isPlainObject } from '../validate.js';
import { mulberry32, permutation } from './rng.js';
import type { Prepared } from './preprocess.js';

export const TEST_FRACTION = 0.2;

export interface Split {
  readonly xTrain: Float32Array;
  readonly yTrain: Float32Array;
  readonly xTest: Float32Array;
  readonly yTest: Float32Array;
  readonly trainRows: number;
  readonly testRows: number;
}

export function testRowsFor(rows: number): number {
  return Math.ceil(TEST_FRACTION * rows);
}

export function splitRows(data: Prepared, seed: number): Split {
  if (!isPlainObject(data)) throw invalidOption('data', 'an object { x, y, rows, inputs, outputs } (e.g. from synthesize())', data, 'type');
  const rows = integerIn('data.rows', data.rows, 1);
  const inputs = integerIn('data.inputs', data.inputs, 1, MAX_FEATURES);
  const outputs = integerIn('data.outputs', data.outputs, 1, MAX_FEATURES);
  const x = float32Array('data.x', data.x, rows * inputs);
  const y = float32Array('data.y', data.y, rows * outputs);
  integerIn('seed', seed, 0);
  const testRows = testRowsFor(rows);
  const trainRows = rows - testRows;
  const order = permutation(rows, mulberry32(seed));
  const take = (start: number, count: number) => {
    const xs = new Float32Array(count * inputs);
    const ys = new Float32Array(count * outputs);
    for (let i = 0; i < count; i++) {
      const r = order[start + i];
      xs.set(x.subarray(r * inputs, (r + 1) * inputs), i * inputs);
      ys.set(y.subarray(r * outputs, (r + 1) * outputs), i * outputs);
    }
    return [xs, ys] as const;
  };
  const [xTrain, yTrain] = take(0, trainRows);
  const [xTest, yTest] = take(trainRows, testRows);
  return { xTrain, yTrain, xTest, yTest, trainRows, testRows };
}
