/**
 * Shape-true stand-in for a dataset whose file is absent: the same rows, input width, output width and task as the
 * real data after preprocessing. Energy depends on these shapes, not on the values, so a sweep on synthetic data
 * measures the same work; results carry `synthetic: true`. Labels come from a random linear teacher so that the
 * network has something learnable (losses move like real training, not like noise).
 */
import { invalidOption } from '../errors.js';
import { MAX_FEATURES } from '../networks.js';
import { integerIn, isPlainObject, oneOf } from '../validate.js';
import { mulberry32 } from './rng.js';
import type { Prepared } from './preprocess.js';
import { TASKS, type DatasetSpec } from './specs.js';

export function synthesize(spec: Pick<DatasetSpec, 'rows' | 'inputs' | 'outputs' | 'task'>, seed = 0): Prepared {
  if (!isPlainObject(spec)) throw invalidOption('spec', 'an object { rows, inputs, outputs, task } (e.g. datasetSpec(name))', spec, 'type');
  const rows = integerIn('spec.rows', spec.rows, 1);
  const inputs = integerIn('spec.inputs', spec.inputs, 1, MAX_FEATURES);
  const outputs = integerIn('spec.outputs', spec.outputs, 1, MAX_FEATURES);
  const task = oneOf('spec.task', spec.task, TASKS);
  integerIn('seed', seed, 0);
  const random = mulberry32(seed ^ 0x5eed);
  const x = new Float32Array(rows * inputs);
  for (let i = 0; i < x.length; i++) x[i] = random();
  const heads = task === 'classification' && outputs === 1 ? 1 : outputs;
  const teacher = new Float64Array(inputs * heads);
  for (let i = 0; i < teacher.length; i++) teacher[i] = (random() - 0.5) * 2;
  const y = new Float32Array(rows * outputs);
  const z = new Float64Array(heads);
  for (let r = 0; r < rows; r++) {
    for (let h = 0; h < heads; h++) {
      let s = 0;
      for (let i = 0; i < inputs; i++) s += (x[r * inputs + i] - 0.5) * teacher[i * heads + h];
      z[h] = s;
    }
    if (task === 'regression') {
      for (let h = 0; h < heads; h++) y[r * outputs + h] = 1 / (1 + Math.exp(-z[h]));
    } else if (outputs === 1) {
      y[r] = z[0] > 0 ? 1 : 0;
    } else {
      let best = 0;
      for (let h = 1; h < heads; h++) if (z[h] > z[best]) best = h;
      y[r * outputs + best] = 1;
    }
  }
  return { x, y, rows, inputs, outputs, task, rules: [] };
}
