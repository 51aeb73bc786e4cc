/**
 * Shape-true stand-in for a dataset whose file is absent: the same rows, input width, output width and task as the
 * real data after preprocessing. Energy depends on these shapes, not on the values, so a sweep on synthetic data
 * measures the same work; results carry `synthetic: true`. Labels come from a random linear teacher so that the
 * network has something learnable (losses move like real training, not like noise).
 */
import { constants } from 'node:buffer';
import { totalmem } from 'node:os';
import { MlpEnergyError, invalidOption } from '../errors.js';
import { MAX_FEATURES } from '../networks.js';
import { integerIn, isPlainObject, oneOf } from '../validate.js';
import { mulberry32 } from './rng.js';
import type { Prepared } from './preprocess.js';
import { TASKS, type DatasetSpec } from './specs.js';

/**
 * A rows × cols Float32Array, or OUT_OF_MEMORY naming its size: when it exceeds this machine's memory (Linux would
 * hand it out and kill the process as the values are written) or V8 cannot get it.
 */
function allocate(rows: number, cols: number, name: string): Float32Array {
  const bytes = rows * cols * 4;
  const fail = (reason: string, cause?: unknown) =>
    new MlpEnergyError('OUT_OF_MEMORY', `The synthetic ${name} (${rows} rows × ${cols} columns, ${(bytes / 2 ** 30).toFixed(1)} GiB) ${reason}. Use fewer rows.`, { cause });
  if (bytes > totalmem()) throw fail(`exceeds this machine's ${(totalmem() / 2 ** 30).toFixed(1)} GiB of memory`);
  try {
    return new Float32Array(rows * cols);
  } catch (error) {
    throw fail(`cannot be allocated: ${(error as Error).message}`, error);
  }
}

export function synthesize(spec: Pick<DatasetSpec, 'rows' | 'inputs' | 'outputs' | 'task'>, seed = 0): Prepared {
  if (!isPlainObject(spec)) throw invalidOption('spec', 'an object { rows, inputs, outputs, task } (e.g. datasetSpec(name))', spec, 'type');
  const inputs = integerIn('spec.inputs', spec.inputs, 1, MAX_FEATURES);
  const outputs = integerIn('spec.outputs', spec.outputs, 1, MAX_FEATURES);
  // x and y are single Float32Arrays, and no typed array holds more than buffer.constants.MAX_LENGTH values.
  const rows = integerIn('spec.rows', spec.rows, 1, Math.floor(constants.MAX_LENGTH / Math.max(inputs, outputs)));
  const task = oneOf('spec.task', spec.task, TASKS);
  integerIn('seed', seed, 0);
  const random = mulberry32(seed ^ 0x5eed);
  const x = allocate(rows, inputs, 'x');
  for (let i = 0; i < x.length; i++) x[i] = random();
  const heads = task === 'classification' && outputs === 1 ? 1 : outputs;
  const teacher = new Float64Array(inputs * heads);
  for (let i = 0; i < teacher.length; i++) teacher[i] = (random() - 0.5) * 2;
  const y = allocate(rows, outputs, 'y');
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
