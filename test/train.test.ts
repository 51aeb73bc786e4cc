import { describe, expect, it } from 'vitest';
import { headFor, trainRun, type TrainRunData as TrainData } from '../lib/index.js';

/** A learnable synthetic problem: y depends on a fixed random projection of x. */
function synthetic(rows: number, inputs: number, outputs: number, task: TrainData['task'], seed = 1): TrainData {
  let state = seed;
  const rand = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const weights = Array.from({ length: inputs * outputs }, () => rand() * 2 - 1);
  const make = (n: number) => {
    const x = new Float32Array(n * inputs).map(() => rand());
    const y = new Float32Array(n * outputs);
    for (let r = 0; r < n; r++) {
      const score = Array.from({ length: outputs }, (_, j) => {
        let s = 0;
        for (let i = 0; i < inputs; i++) s += x[r * inputs + i]! * weights[i * outputs + j]!;
        return s;
      });
      if (task === 'regression') score.forEach((s, j) => (y[r * outputs + j] = 1 / (1 + Math.exp(-2 * s))));
      else if (outputs === 1) y[r] = score[0]! > 0 ? 1 : 0;
      else y[r * outputs + score.indexOf(Math.max(...score))] = 1;
    }
    return { x, y };
  };
  const train = make(Math.round(rows * 0.8));
  const test = make(rows - Math.round(rows * 0.8));
  return { xTrain: train.x, yTrain: train.y, xTest: test.x, yTest: test.y, inputs, outputs, task };
}

const small = synthetic(600, 6, 3, 'classification');
const base = { data: small, shape: 'rectangle' as const, size: 512, depth: 3, epochs: 2 };

describe('trainRun rejects bad input and the process survives', () => {
  const nan = { ...small, xTrain: small.xTrain.slice() };
  nan.xTrain[13] = NaN;
  const inf = { ...small, yTest: small.yTest.slice() };
  inf.yTest[2] = Infinity;
  const label = { ...small, yTrain: small.yTrain.slice() };
  label.yTrain.fill(0, 0, 3);
  label.yTrain[0] = 3; // a class index where a one-hot row belongs
  const reg = synthetic(100, 4, 2, 'regression');
  const unscaled = { ...reg, yTest: reg.yTest.map((v) => v * 10) };
  it.each([
    ['NaN in xTrain', { ...base, data: nan }, /xTrain\[row 2, column 1\] is NaN/],
    ['Infinity in yTest', { ...base, data: inf }, /yTest\[row 0, column 2\] is Infinity/],
    ['a class index in a one-hot row', { ...base, data: label }, /yTrain\[row 0, column 0\] is 3; classification targets are one-hot rows/],
    ['regression targets beyond [0, 1]', { ...base, data: unscaled }, /yTest\[row 0, column \d\] is [\d.]+; regression targets must lie in \[0, 1\]/],
    ['ragged matrix', { ...base, data: { ...small, xTrain: small.xTrain.subarray(1) } }, /not a whole number of rows of 6/],
    ['x/y row mismatch', { ...base, data: { ...small, yTrain: small.yTrain.subarray(3) } }, /row counts differ/],
    ['zero budget', { ...base, size: 0 }, /size/],
    ['unknown shape', { ...base, shape: 'hexagon' }, /shape/],
    ['depth < 2', { ...base, depth: 1 }, /depth/],
    ['batch 0', { ...base, batchSize: 0 }, /batchSize/],
    ['budget too small', { ...base, size: 8 }, /NETWORK_OFF_BUDGET|closest/],
    ['unknown dataset', { ...base, data: undefined, dataset: 'no_such_dataset' }, /Unknown dataset "no_such_dataset"/],
    ['data and dataset', { ...base, dataset: 'fashion_mnist' }, /either data or dataset/],
    ['no data', { ...base, data: undefined }, /needs data/],
    ['unknown option', { ...base, lr: 0.1 }, /Unknown option "lr"/],
    ['bad tiling', { ...base, tiling: { mc: 0 } }, /tiling\.mc/],
    ['unknown parallel', { ...base, parallel: 'layers' }, /parallel/],
    ['parallel on the GPU', { ...base, device: 'gpu', parallel: 'rows' }, /drop it for device 'gpu'/],
  ])('%s', async (_, options, message) => {
    await expect(trainRun(options as never)).rejects.toThrow(message);
  });

  it('refuses a network whose buffers exceed the available memory, before allocating them', async () => {
    // 2^40 parameters: 16 TiB of weights, gradients and Adam moments. Linux would hand the pages out and then
    // kill the process on first touch; the run must fail with a code and the fix instead.
    await expect(trainRun({ ...base, size: 2 ** 40, epochs: 1 })).rejects.toMatchObject({
      code: 'OUT_OF_MEMORY', message: expect.stringMatching(/needs [\d.]+ GiB but only [\d.]+ GiB are available.*smaller size/),
    });
    expect((await trainRun({ ...base, epochs: 1 })).epochs).toHaveLength(1);  // the process goes on
  });

  it('gives native data errors a code', async () => {
    await expect(trainRun({ ...base, data: nan })).rejects.toMatchObject({ code: 'INVALID_DATA' });
    await expect(trainRun({ ...base, data: label })).rejects.toMatchObject({ code: 'INVALID_DATA' });
    await expect(trainRun({ ...base, size: 8 })).rejects.toMatchObject({ code: 'NETWORK_OFF_BUDGET' });
  });
});

describe('headFor', () => {
  it('picks BUTTER’s head, and names a task or output count it does not know', () => {
    expect([headFor('regression', 1), headFor('classification', 1), headFor('classification', 3)]).toEqual(['sigmoid_mse', 'sigmoid_bce', 'softmax_cce']);
    const bad = (message: RegExp) => expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(message) });
    expect(() => headFor('ranking' as never, 3)).toThrow(bad(/"classification", "regression" for task but received "ranking"/));
    expect(() => headFor('classification', 0)).toThrow(bad(/for outputs but received 0/));
    expect(() => headFor('classification', NaN)).toThrow(bad(/for outputs but received NaN/));
  });
});

describe('trainRun', () => {
  it('reports the network, per-epoch figures and progress', async () => {
    const seen: number[] = [];
    const run = await trainRun({ ...base, epochs: 3, onEpoch: (e) => seen.push(e.epoch) });
    expect(run.widths).toEqual(run.network.widths);
    expect(run.widths.at(-1)).toBe(3);
    expect(Math.abs(run.numFreeParameters - 512) / 512).toBeLessThanOrEqual(0.2);
    expect(seen).toEqual([0, 1, 2]);
    expect(run.epochs).toHaveLength(3);
    for (const e of run.epochs) {
      expect(e.trainLoss).toBeGreaterThan(0);
      expect(e.testLoss).toBeGreaterThan(0);
      expect(e.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(e.testAccuracy).toBeLessThanOrEqual(1);
      expect(e.seconds).toBeGreaterThan(0);
    }
    expect(run.seconds).toBeGreaterThanOrEqual(run.epochs.reduce((s, e) => s + e.seconds, 0) * 0.99);
    expect(run.tiling.threads).toBe(1);
  });

  it('gives the same result for the same seed, across runs and thread counts', async () => {
    const data = synthetic(2000, 40, 5, 'classification', 3);
    const options = { data, shape: 'trapezoid' as const, size: 2 ** 16, depth: 4, epochs: 2, seed: 42 };
    const a = await trainRun(options);
    const b = await trainRun(options);
    const two = await trainRun({ ...options, threads: 2 });
    const other = await trainRun({ ...options, seed: 43 });
    expect(b.epochs.map((e) => e.trainLoss)).toEqual(a.epochs.map((e) => e.trainLoss));
    expect(b.epochs.map((e) => e.testLoss)).toEqual(a.epochs.map((e) => e.testLoss));
    a.epochs.forEach((e, i) => {
      expect(two.epochs[i]!.trainLoss).toBeCloseTo(e.trainLoss, 5);
      expect(two.epochs[i]!.testLoss).toBeCloseTo(e.testLoss, 5);
    });
    expect(other.epochs[0]!.trainLoss).not.toBe(a.epochs[0]!.trainLoss);
  });

  it('splits GEMMs or minibatch rows over threads as asked, with the same result to float tolerance', async () => {
    const data = synthetic(1500, 40, 5, 'classification', 4);
    const options = { data, shape: 'rectangle' as const, size: 2 ** 15, depth: 3, epochs: 2, seed: 7 };
    const one = await trainRun(options);
    expect(one.parallel).toBe('gemm');
    // 2^15 parameters at batch 256: ~25 MFLOP per thread per step, where auto takes the row split.
    const auto = await trainRun({ ...options, threads: 2 });
    const rows = await trainRun({ ...options, threads: 2, parallel: 'rows' });
    const rowsAgain = await trainRun({ ...options, threads: 2, parallel: 'rows' });
    const gemm = await trainRun({ ...options, threads: 2, parallel: 'gemm' });
    expect([auto.parallel, rows.parallel, gemm.parallel]).toEqual(['rows', 'rows', 'gemm']);
    expect(rowsAgain.epochs.map((e) => e.trainLoss)).toEqual(rows.epochs.map((e) => e.trainLoss));
    for (const run of [auto, rows, gemm]) {
      one.epochs.forEach((e, i) => {
        expect(run.epochs[i]!.trainLoss).toBeCloseTo(e.trainLoss, 5);
        expect(run.epochs[i]!.testLoss).toBeCloseTo(e.testLoss, 5);
        expect(run.epochs[i]!.testAccuracy).toBeCloseTo(e.testAccuracy, 2);
      });
    }
  });

  it('lowers the loss on a regression problem (sigmoid + MSE)', async () => {
    const data = synthetic(3000, 8, 1, 'regression', 5);
    const run = await trainRun({ data, shape: 'exponential', size: 2 ** 12, depth: 4, epochs: 12, learningRate: 1e-3, seed: 1 });
    const first = run.epochs[0]!, last = run.epochs.at(-1)!;
    expect(last.trainLoss).toBeLessThan(first.trainLoss * 0.7);
    expect(last.testLoss).toBeLessThan(first.testLoss * 0.7);
  });

  it('trains without a test set, reporting its metrics as NaN', async () => {
    const data = { ...small, xTest: new Float32Array(0), yTest: new Float32Array(0) };
    const run = await trainRun({ ...base, data });
    expect(run.epochs).toHaveLength(2);
    for (const e of run.epochs) {
      expect(Number.isFinite(e.trainLoss) && e.trainLoss > 0).toBe(true);
      expect(e.testLoss).toBeNaN();
      expect(e.testAccuracy).toBeNaN();
    }
  });

  it('trains binary classification (sigmoid + BCE) and residual networks', async () => {
    const data = synthetic(3000, 10, 1, 'classification', 9);
    const run = await trainRun({ data, shape: 'rectangle_residual', size: 2 ** 12, depth: 5, epochs: 10, learningRate: 1e-3 });
    expect(run.network.residual).toEqual([false, true, true, true, false]);
    expect(run.epochs.at(-1)!.testAccuracy).toBeGreaterThan(0.8);
  });

  it('stops when the signal aborts, keeping the epochs reported before it and reporting none after', async () => {
    const controller = new AbortController();
    const data = synthetic(4000, 20, 2, 'classification', 4);
    // Tiny epochs: the native run finishes several more while the abort travels; none of them is reported.
    const heard: number[] = [];
    const promise = trainRun({
      data, shape: 'rectangle', size: 2 ** 10, depth: 3, epochs: 500, signal: controller.signal,
      onEpoch: (e) => { heard.push(e.epoch); if (e.epoch === 1) controller.abort('enough'); },
    });
    const error = await promise.then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'ABORTED', message: 'Training aborted after 2 epoch(s)', cause: 'enough' });
    expect((error as { epochs: unknown[] }).epochs).toHaveLength(2);
    expect(heard).toEqual([0, 1]);
    // An abort during a long first epoch (3,200 one-row minibatches of a 2^16 network): nothing reported.
    // The native trainer stops before its next minibatch; test_nn checks that step by step.
    const early = new AbortController();
    let reported = 0;
    const long = trainRun({ data, shape: 'rectangle', size: 2 ** 16, depth: 3, epochs: 1, batchSize: 1, signal: early.signal, onEpoch: () => { reported++; } });
    setTimeout(() => early.abort(), 5);
    await expect(long).rejects.toMatchObject({ code: 'ABORTED', epochs: [] });
    expect(reported).toBe(0);
    const aborted = new AbortController();
    aborted.abort();
    await expect(trainRun({ ...base, signal: aborted.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('reports an onEpoch exception as the run error', async () => {
    let calls = 0;
    await expect(trainRun({ ...base, epochs: 50, onEpoch: () => { calls++; throw new Error('listener broke'); } })).rejects.toThrow('listener broke');
    expect(calls).toBe(1);
  });

  it('awaits an async onEpoch; its rejection stops the run and is the run error, never an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let calls = 0;
      const failing = trainRun({ ...base, epochs: 100_000, onEpoch: async () => { calls++; throw new Error('async listener broke'); } });
      await expect(failing).rejects.toThrow('async listener broke');
      expect(calls).toBeLessThan(100_000);
      let settled = 0;
      const run = await trainRun({ ...base, epochs: 3, onEpoch: async () => { await new Promise((r) => setTimeout(r, 10)); settled++; } });
      expect(run.epochs).toHaveLength(3);
      expect(settled).toBe(3);
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
