/**
 * One BUTTER training run, trained natively (native/core/nn) on the tiled GEMM: the network from
 * `networkFor`, Glorot-uniform weights and epoch shuffles from `seed`, Adam (Keras settings), per-epoch
 * train loss and test loss + accuracy. Progress arrives per epoch through `onEpoch`; an AbortSignal
 * stops the run within a minibatch, dropping the epoch in progress.
 */
import { DatasetNotFoundError, DATA_DIR_ENV, loadDataset } from './datasets/index.js';
import { TASKS } from './datasets/specs.js';
import { MlpEnergyError, invalidOption, rejectUnknownOptions, withCode } from './errors.js';
import { requireCuda, validateGpuTiling, type GpuTiling } from './gpu.js';
import { native } from './native.js';
import { MAX_FEATURES, networkFor, type Network, type Shape } from './networks.js';
import { checkTilingOptions, type Tiling, type TilingOptions } from './tiling.js';
import { finiteNumber, integerIn, isPlainObject, oneOf } from './validate.js';
import type { TunedTilingQuery } from './tune/tuned.js';

export type Task = 'classification' | 'regression';

/** Row-major float32 matrices: y one-hot for classification (one 0/1 column when binary), values in [0, 1] for regression. */
export interface TrainData {
  xTrain: Float32Array;
  yTrain: Float32Array;
  xTest: Float32Array;
  yTest: Float32Array;
  inputs: number;
  outputs: number;
  task: Task;
}

export interface EpochResult {
  /** Mean per-example loss over the epoch's minibatches (each measured before its update), as Keras reports `loss`. */
  trainLoss: number;
  /** Mean per-example loss on the test set after the epoch (Keras `val_loss`); NaN when xTest has no rows. */
  testLoss: number;
  /** Test accuracy: argmax match with several outputs, 0.5 threshold with one; NaN when xTest has no rows. */
  testAccuracy: number;
  /** Wall time of the epoch, test pass included. */
  seconds: number;
}

export interface TrainRunOptions {
  /** The matrices to train on. */
  data?: TrainData;
  /** A dataset by name (`loadDataset`: real files preprocessed as BUTTER did, split 80/20 with `seed`). */
  dataset?: string;
  shape: Shape;
  /** Parameter budget; the widths come from BUTTER's search (`networkFor`). */
  size: number;
  /** Dense layers including the output layer (≥ 2). */
  depth: number;
  epochs: number;
  /** Minibatch size; BUTTER's 256 by default. */
  batchSize?: number;
  /** Adam step size; BUTTER's 1e-4 by default. */
  learningRate?: number;
  /** Seeds the weights and every epoch's shuffle (same seed, same run). */
  seed?: number;
  /**
   * GEMM tiling for this run; missing fields come from the default tiling. `'tuned'` takes the tiling that
   * `mlp-energy tune --scope network` stored for this network's training step on this machine (TUNING_NOT_FOUND
   * with the command to run when there is none).
   */
  tiling?: TilingOptions | 'tuned';
  /** The results store holding tunings, for `tiling: 'tuned'` (default results.duckdb). */
  tuningStore?: string;
  /** Threads for this run (overrides tiling.threads); 1 unless given. */
  threads?: number;
  /**
   * How a CPU run with threads > 1 uses them: `'gemm'` splits every GEMM's blocks, `'rows'` splits every
   * minibatch's rows (each thread trains its share end to end, then the gradients are summed), `'auto'`
   * (default) takes rows for networks of up to 2^20 parameters with at least ~8 MFLOP per thread per step,
   * where it measured faster, and gemm otherwise. Results agree to float tolerance either way.
   */
  parallel?: 'auto' | 'gemm' | 'rows';
  /**
   * Called after every epoch. It may be async: trainRun settles after it does. A throw or a rejection stops
   * the run after that epoch, and trainRun rejects with it; no later epoch is reported.
   */
  onEpoch?: (epoch: EpochResult & { epoch: number }) => void;
  /**
   * Aborting stops the run before its next minibatch (the epoch in progress is dropped) and trainRun rejects
   * with code ABORTED, carrying the epochs reported before the abort. No epoch is reported after it, even one
   * the native side finished while the abort was on its way.
   */
  signal?: AbortSignal;
  /** Where to train: 'cpu' (default) or 'gpu' (the CUDA trainer; same seed, same start and shuffle order). */
  device?: 'cpu' | 'gpu';
  /** GPU-only settings: an explicit GEMM tiling (see `gpuTilings()`) and CUDA Graph replay of each step. */
  gpu?: { tiling?: GpuTiling; cudaGraph?: boolean };
}

export interface TrainRunResult {
  network: Network;
  widths: number[];
  numFreeParameters: number;
  epochs: EpochResult[];
  /** The epoch loop's wall time (network set-up and data copy excluded). */
  seconds: number;
  /** The tiling the GEMM ran with, completed from the defaults. */
  tiling: Tiling;
  /** CPU runs: how the threads were used ('gemm' with one thread). Absent for GPU runs. */
  parallel?: 'gemm' | 'rows';
}

/** BUTTER's output head for a task and output count. */
export type Head = 'sigmoid_mse' | 'sigmoid_bce' | 'softmax_cce';
export function headFor(task: Task, outputs: number): Head {
  oneOf('task', task, TASKS);
  integerIn('outputs', outputs, 1, MAX_FEATURES);
  if (task === 'regression') return 'sigmoid_mse';
  return outputs === 1 ? 'sigmoid_bce' : 'softmax_cce';
}

const OPTIONS = [
  'data', 'dataset', 'shape', 'size', 'depth', 'epochs', 'batchSize', 'learningRate', 'seed', 'tiling', 'tuningStore', 'threads',
  'parallel', 'onEpoch', 'signal', 'device', 'gpu',
] as const;

function matrix(name: string, value: unknown, cols: number): Float32Array {
  if (!(value instanceof Float32Array)) throw invalidOption(name, 'a Float32Array', value, 'type');
  if (value.length % cols !== 0) {
    throw withCode(
      new RangeError(`${name} has ${value.length} values, not a whole number of rows of ${cols}; pass a row-major rows×${cols} matrix`),
      'INVALID_DATA',
    );
  }
  return value;
}

function checkData(data: unknown): TrainData {
  if (!isPlainObject(data)) throw invalidOption('data', 'an object { xTrain, yTrain, xTest, yTest, inputs, outputs, task }', data, 'type');
  // Other fields (loadDataset's name, source, row counts) are descriptive and ignored here.
  const inputs = integerIn('data.inputs', data.inputs, 1, MAX_FEATURES);
  const outputs = integerIn('data.outputs', data.outputs, 1, MAX_FEATURES);
  const task = oneOf('data.task', data.task, TASKS);
  const checked = {
    xTrain: matrix('data.xTrain', data.xTrain, inputs),
    yTrain: matrix('data.yTrain', data.yTrain, outputs),
    xTest: matrix('data.xTest', data.xTest, inputs),
    yTest: matrix('data.yTest', data.yTest, outputs),
    inputs,
    outputs,
    task,
  };
  const rows = (m: Float32Array, cols: number) => m.length / cols;
  if (rows(checked.xTrain, inputs) !== rows(checked.yTrain, outputs) || rows(checked.xTest, inputs) !== rows(checked.yTest, outputs)) {
    throw withCode(
      new RangeError(
        `x and y row counts differ (train ${rows(checked.xTrain, inputs)} vs ${rows(checked.yTrain, outputs)}, ` +
          `test ${rows(checked.xTest, inputs)} vs ${rows(checked.yTest, outputs)}); check inputs and outputs`,
      ),
      'INVALID_DATA',
    );
  }
  if (checked.xTrain.length === 0) throw withCode(new RangeError('data.xTrain has no rows; pass at least one training example'), 'INVALID_DATA');
  return checked;
}

/** Where a run's matrices come from: `data` as given, or a dataset by name split with `seed`. */
export async function resolveTrainData(options: Pick<TrainRunOptions, 'data' | 'dataset' | 'seed'>): Promise<TrainData> {
  if (options.data !== undefined && options.dataset !== undefined) {
    throw withCode(new TypeError('Pass either data or dataset to trainRun, not both'), 'INVALID_OPTION');
  }
  if (options.data !== undefined) return checkData(options.data);
  if (options.dataset !== undefined) {
    if (typeof options.dataset !== 'string') throw invalidOption('dataset', 'a dataset name', options.dataset, 'type');
    // Real data only: a named dataset whose files are missing is an error naming where to put them.
    const seed = integerIn('seed', options.seed ?? 0, 0);
    try {
      return checkData(loadDataset(options.dataset, { seed, synthetic: 'never' }));
    } catch (error) {
      // trainRun has neither dataDir nor synthetic: name what it does read, and the way to pass either.
      throw error instanceof DatasetNotFoundError
        ? error.withHint(`Set $${DATA_DIR_ENV} to the directory that holds it, or pass data: loadDataset('${options.dataset}', { dataDir, synthetic }) to trainRun.`)
        : error;
    }
  }
  throw withCode(new TypeError('trainRun needs data: { xTrain, yTrain, xTest, yTest, inputs, outputs, task }'), 'INVALID_OPTION');
}

function abortError(signal: AbortSignal, epochs: EpochResult[]): MlpEnergyError & { epochs: EpochResult[] } {
  const error = new MlpEnergyError('ABORTED', `Training aborted after ${epochs.length} epoch(s)`, { cause: signal.reason });
  return Object.assign(error, { epochs });
}

/** Trains one BUTTER network on the CPU, or with `device: 'gpu'` on the CUDA trainer. Rejects with code ABORTED (carrying the finished `epochs`) when `signal` aborts. */
export async function trainRun(options: TrainRunOptions): Promise<TrainRunResult> {
  if (!isPlainObject(options)) throw invalidOption('trainRun options', 'an object', options, 'type');
  rejectUnknownOptions('trainRun', options, OPTIONS);
  const data = await resolveTrainData(options);
  const network = networkFor({ inputs: data.inputs, outputs: data.outputs, shape: options.shape, size: options.size, depth: options.depth });
  const epochs = integerIn('epochs', options.epochs, 0, 2 ** 30);
  const batchSize = integerIn('batchSize', options.batchSize ?? 256, 1, 2 ** 31);
  const learningRate = finiteNumber('learningRate', options.learningRate ?? 1e-4, 0);
  const seed = integerIn('seed', options.seed ?? 0, 0);
  const tiling =
    options.tiling === undefined ? {}
    : options.tiling === 'tuned' ? await storedTuning(options.tuningStore, {
      widths: [data.inputs, ...network.widths], batch: batchSize,
      network: { shape: options.shape, size: options.size, depth: options.depth, dataset: options.dataset },
    })
    : checkTilingOptions('tiling', options.tiling);
  const threads = integerIn('threads', options.threads ?? tiling.threads ?? 1, 1, 256);
  const parallel = oneOf('parallel', options.parallel ?? 'auto', ['auto', 'gemm', 'rows'] as const);
  if (options.device === 'gpu' && options.parallel !== undefined) {
    throw withCode(new TypeError("parallel chooses how a CPU run's threads split the work; drop it for device 'gpu'"), 'INVALID_OPTION');
  }
  if (options.onEpoch !== undefined && typeof options.onEpoch !== 'function') {
    throw invalidOption('onEpoch', 'a function', options.onEpoch, 'type');
  }
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidOption('signal', 'an AbortSignal', signal, 'type');
  if (signal?.aborted) throw abortError(signal, []);
  const gpu = checkGpu(options);

  const finished: EpochResult[] = [];
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  const onAbort = () => Atomics.store(cancel, 0, 1);
  // Epochs already queued when the run was told to stop (an abort, a rejecting onEpoch, or a throwing one,
  // which the addon answers by setting the flag) are not reported.
  const stopping = () => Atomics.load(cancel, 0) !== 0;
  signal?.addEventListener('abort', onAbort, { once: true });
  // An async onEpoch's rejection stops the run as a throw does (native code catches those), instead of going
  // unhandled, which ends the Node process.
  const pending: Promise<void>[] = [];
  let rejected: { error: unknown } | undefined;
  try {
    const run = await runNative(
      {
        inputs: data.inputs,
        widths: network.widths,
        residual: network.residual,
        head: headFor(data.task, data.outputs),
        xTrain: data.xTrain,
        yTrain: data.yTrain,
        xTest: data.xTest,
        yTest: data.yTest,
        epochs,
        batchSize,
        learningRate,
        seed,
        tiling: { ...tiling, threads },
        parallel,
        ...(gpu ? { gpu } : {}),
      },
      (epoch) => {
        if (stopping()) return;
        const { epoch: index, ...figures } = epoch;
        finished.push(figures);
        const returned: unknown = options.onEpoch?.({ epoch: index, ...figures });
        if (typeof (returned as PromiseLike<void> | undefined)?.then === 'function') {
          pending.push(Promise.resolve(returned as PromiseLike<void>).then(undefined, (error: unknown) => {
            rejected ??= { error };
            onAbort();
          }));
        }
      },
      cancel,
    );
    await Promise.all(pending);
    if (rejected) throw rejected.error;
    if (signal?.aborted) throw abortError(signal, finished);
    return {
      network,
      widths: network.widths,
      numFreeParameters: network.numFreeParameters,
      epochs: run.epochs.map(({ epoch: _index, ...figures }) => figures),
      seconds: run.seconds,
      tiling: run.tiling,
      ...(run.parallel ? { parallel: run.parallel } : {}),
    };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** `tiling: 'tuned'`: read from the store only when asked, so plain runs never open DuckDB. */
async function storedTuning(path: unknown, query: Pick<TunedTilingQuery, 'widths' | 'batch' | 'network'>): Promise<TilingOptions> {
  if (path !== undefined && (typeof path !== 'string' || path === '')) throw invalidOption('tuningStore', 'a path to a results store', path, 'type');
  const [{ ResultStore }, { tunedTiling }] = await Promise.all([import('./store/store.js'), import('./tune/tuned.js')]);
  const store = await ResultStore.open(path);
  try {
    return await tunedTiling(store, { ...query, storePath: store.path, instead: "or drop tiling: 'tuned' (the default tiling) or pass a tiling object" });
  } finally {
    store.close();
  }
}

export interface NativeTrainCall {
  inputs: number;
  widths: number[];
  residual: boolean[];
  head: Head;
  xTrain: Float32Array;
  yTrain: Float32Array;
  xTest: Float32Array;
  yTest: Float32Array;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  tiling: TilingOptions;
  parallel: 'auto' | 'gemm' | 'rows';
  /** Present for device 'gpu' (native/addon/cuda_train.hpp). */
  gpu?: { tiling?: GpuTiling; cudaGraph: boolean };
}

/** device/gpu options → the native `gpu` field, or undefined for the CPU; CUDA_UNAVAILABLE names why not. */
function checkGpu(options: TrainRunOptions): NativeTrainCall['gpu'] {
  const device = oneOf('device', options.device ?? 'cpu', ['cpu', 'gpu'] as const);
  if (device === 'cpu') {
    if (options.gpu !== undefined) throw invalidOption('gpu', "undefined unless device is 'gpu'", options.gpu, 'type');
    return undefined;
  }
  const gpu = options.gpu ?? {};
  if (!isPlainObject(gpu)) throw invalidOption('gpu', 'an object { tiling?, cudaGraph? }', gpu, 'type');
  rejectUnknownOptions('gpu', gpu, ['tiling', 'cudaGraph']);
  if (gpu.cudaGraph !== undefined && typeof gpu.cudaGraph !== 'boolean') {
    throw invalidOption('gpu.cudaGraph', 'a boolean', gpu.cudaGraph, 'type');
  }
  requireCuda();
  if (gpu.tiling === undefined) return { cudaGraph: gpu.cudaGraph ?? false };
  const { threads: _threads, sharedBytes: _shared, ...tiling } = validateGpuTiling(gpu.tiling);
  return { tiling, cudaGraph: gpu.cudaGraph ?? false };
}

export interface NativeTrainResult {
  epochs: (EpochResult & { epoch: number })[];
  seconds: number;
  cancelled: boolean;
  tiling: Tiling;
  /** CPU runs only. */
  parallel?: 'gemm' | 'rows';
}

/** The one call into native training (the place a device choice dispatches). */
function runNative(
  call: NativeTrainCall,
  onEpoch: (epoch: EpochResult & { epoch: number }) => void,
  cancel: Int32Array,
): Promise<NativeTrainResult> {
  return native().trainStart(call, onEpoch, cancel);
}
