/**
 * The BUTTER networks: shape + parameter budget + depth → layer widths, as BUTTER's `aspect_test` code
 * computed them (NREL BUTTER framework, `aspect_test_utils.py` at 784ca9e; notes in
 * shared/reference/butter-e.md §1), plus the paper's FLOP counts and cache working sets (§5, §6).
 *
 * BUTTER ran in Python, so the width rules reproduce Python's arithmetic: `/` is float64 division,
 * `round()` rounds half to even, and parameter counts are exact integers (BigInt here).
 */
import { MlpEnergyError, invalidOption, rejectUnknownOptions } from './errors.js';
import { integerIn, isPlainObject, oneOf } from './validate.js';

export const SHAPES = [
  'rectangle',
  'trapezoid',
  'exponential',
  'wide_first_2x',
  'wide_first_4x',
  'wide_first_8x',
  'wide_first_16x',
  'rectangle_residual',
] as const;
export type Shape = (typeof SHAPES)[number];

/** BUTTER rejected a run when the closest probed network was more than 20% off the budget. */
export const BUDGET_TOLERANCE = 0.2;

/** The binary search over the first width runs on [1, 2^30), as BUTTER's `binary_search_int` call. */
const SEARCH_MAX_WIDTH = 2 ** 30;

const BYTES_PER_FLOAT = 4;

export interface NetworkOptions {
  /** Input dimension after preprocessing (one-hot expanded). */
  inputs: number;
  /** Output units: classes for multi-class, 1 for binary or regression. */
  outputs: number;
  shape: Shape;
  /** Parameter budget (BUTTER's `size`). */
  size: number;
  /** Dense layers including the output layer (≥ 2). */
  depth: number;
}

export interface Network {
  inputs: number;
  outputs: number;
  shape: Shape;
  size: number;
  depth: number;
  /** Units per dense layer; `widths.length === depth` and the last entry is `outputs`. */
  widths: number[];
  /** Per layer: whether its output is `activation(W·x + b) + x` (BUTTER's residual `Add`). */
  residual: boolean[];
  /** Weights plus biases; residual additions have none. */
  numFreeParameters: number;
  /** (numFreeParameters − size) / size; |·| ≤ 0.2 by construction. */
  budgetError: number;
}

/** Python's `round()` on a float: nearest integer, ties to even. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor; // exact for |x| < 2^52
  if (fraction < 0.5) return floor;
  if (fraction > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

const WIDE_FIRST_FACTOR: Partial<Record<Shape, number>> = {
  wide_first_2x: 2,
  wide_first_4x: 4,
  wide_first_8x: 8,
  wide_first_16x: 16,
};

// The bounds networkFor accepts, checked by the exported helpers too (widthsFor(…, -1, 3) gave [NaN, NaN, -1]).
export const MAX_FEATURES = 2 ** 24;
const MIN_DEPTH = 2;
const MAX_DEPTH = 1000;

/** BUTTER's width generator for one shape: the first width `w0` → the whole width list. */
export function widthsFor(shape: Shape, outputs: number, depth: number, w0: number): number[] {
  oneOf('shape', shape, SHAPES);
  integerIn('outputs', outputs, 1, MAX_FEATURES);
  integerIn('depth', depth, MIN_DEPTH, MAX_DEPTH);
  integerIn('w0', w0, 1, SEARCH_MAX_WIDTH);
  const widths: number[] = [];
  switch (shape) {
    case 'rectangle':
    case 'rectangle_residual':
      for (let k = 0; k < depth - 1; k++) widths.push(roundHalfEven(w0));
      widths.push(outputs);
      return widths;
    case 'trapezoid': {
      // Linear taper from w0 to the output width.
      const beta = (w0 - outputs) / (depth - 1);
      for (let k = 0; k < depth; k++) widths.push(roundHalfEven(w0 - beta * k));
      return widths;
    }
    case 'exponential': {
      // Geometric taper from w0 to the output width, never narrower than the output.
      const beta = Math.exp(Math.log(outputs / w0) / (depth - 1));
      for (let k = 0; k < depth; k++) widths.push(Math.max(outputs, roundHalfEven(w0 * Math.pow(beta, k))));
      return widths;
    }
    default: {
      const factor = WIDE_FIRST_FACTOR[shape]!; // the shape was checked above
      widths.push(w0);
      const inner = Math.max(1, roundHalfEven(w0 / factor));
      for (let k = 0; k < depth - 2; k++) widths.push(inner);
      widths.push(outputs);
      return widths;
    }
  }
}

/**
 * Which layers add their input to their output. BUTTER (`make_network`, residual_mode 'full'): layer d
 * gets a skip when first_residual_layer < d < depth − 1, so never the input-facing nor the output layer.
 * first_residual_layer is 1 for wide_first shapes and 0 otherwise; of the 8 shapes only
 * rectangle_residual is residual.
 */
export function residualLayers(shape: Shape, depth: number): boolean[] {
  oneOf('shape', shape, SHAPES);
  integerIn('depth', depth, MIN_DEPTH, MAX_DEPTH);
  const firstResidualLayer = shape.startsWith('wide_first') ? 1 : 0;
  const residual = shape === 'rectangle_residual';
  return Array.from({ length: depth }, (_, d) => residual && d > firstResidualLayer && d < depth - 1);
}

/** Σ (fan-in + 1) · units over the dense layers, exact (BigInt) as in Python. */
function countParameters(inputs: number, widths: readonly number[]): bigint {
  let total = 0n;
  let fanIn = BigInt(inputs);
  for (const width of widths) {
    const units = BigInt(width);
    total += (fanIn + 1n) * units;
    fanIn = units;
  }
  return total;
}

export function countFreeParameters(inputs: number, widths: readonly number[]): number {
  integerIn('inputs', inputs, 1, MAX_FEATURES);
  if (!Array.isArray(widths)) throw invalidOption('widths', 'an array of layer widths', widths, 'type');
  widths.forEach((w, i) => integerIn(`widths[${i}]`, w, 1));
  return Number(countParameters(inputs, widths));
}

const NETWORK_OPTIONS = ['inputs', 'outputs', 'shape', 'size', 'depth'] as const;

function validateNetworkOptions(options: unknown): NetworkOptions {
  if (!isPlainObject(options)) throw invalidOption('networkFor options', 'an object', options, 'type');
  rejectUnknownOptions('networkFor', options, NETWORK_OPTIONS);
  return {
    inputs: integerIn('inputs', options.inputs, 1, MAX_FEATURES),
    outputs: integerIn('outputs', options.outputs, 1, MAX_FEATURES),
    shape: oneOf('shape', options.shape, SHAPES),
    size: integerIn('size', options.size, 1, 2 ** 40),
    depth: integerIn('depth', options.depth, MIN_DEPTH, MAX_DEPTH),
  };
}

/** BUTTER's acceptance test: the probed network's parameter count is within 20% of the budget. */
function withinBudget(delta: bigint, size: number): boolean {
  return Math.abs(Number(delta) / size) <= BUDGET_TOLERANCE;
}

/**
 * The narrowest network of a layout (first width 1: widths never shrink as w0 grows, so no network of the
 * layout has fewer parameters) and the smallest budget networkFor accepts for the layout: the least size
 * whose search ends on that network within 20%, by networkFor's own test (1.2 · size in floats may miss by one).
 */
export function smallestBudget(options: Omit<NetworkOptions, 'size'>): { parameters: number; size: number } {
  const { inputs, outputs, shape, depth } = validateNetworkOptions({ ...options, size: 1 });
  const parameters = countFreeParameters(inputs, widthsFor(shape, outputs, depth, 1));
  const fits = (size: number) => size >= 1 && withinBudget(BigInt(parameters) - BigInt(size), size);
  let size = Math.ceil(parameters / (1 + BUDGET_TOLERANCE));
  while (fits(size - 1)) size--;
  while (!fits(size)) size++;
  return { parameters, size };
}

/**
 * The BUTTER network for a parameter budget: an integer binary search over the first width w0 in
 * [1, 2^30) on delta = params(widths(w0)) − size, keeping the probed candidate with the smallest |delta|
 * (the first one on ties), as `find_best_layout_for_budget_and_depth`. Throws NETWORK_OFF_BUDGET when
 * that candidate is more than 20% off.
 */
export function networkFor(options: NetworkOptions): Network {
  const { inputs, outputs, shape, size, depth } = validateNetworkOptions(options);
  const target = BigInt(size);
  let best: { delta: bigint; widths: number[] } | undefined;
  const abs = (v: bigint) => (v < 0n ? -v : v);

  let lo = 1;
  let hi = SEARCH_MAX_WIDTH;
  while (lo < hi) {
    const w0 = Math.floor((lo + hi) / 2);
    const widths = widthsFor(shape, outputs, depth, w0);
    const delta = countParameters(inputs, widths) - target;
    if (best === undefined || abs(delta) < abs(best.delta)) best = { delta, widths };
    if (delta < 0n) lo = w0 + 1;
    else if (delta > 0n) hi = w0;
    else break;
  }

  const widths = best!.widths;
  const numFreeParameters = countFreeParameters(inputs, widths);
  const budgetError = Number(best!.delta) / size;
  if (!withinBudget(best!.delta, size)) {
    const smallest = smallestBudget({ inputs, outputs, shape, depth });
    throw new MlpEnergyError(
      'NETWORK_OFF_BUDGET',
      `No ${shape} network of depth ${depth} with ${inputs} inputs and ${outputs} outputs has within ` +
        `${BUDGET_TOLERANCE * 100}% of ${size} parameters: the closest, widths [${widths.join(', ')}], has ` +
        `${numFreeParameters} (${budgetError > 0 ? '+' : ''}${(budgetError * 100).toFixed(1)}%). ` +
        (smallest.parameters > size
          ? `The smallest such network has ${smallest.parameters} parameters; choose a size ≥ ${smallest.size} or a smaller depth.`
          : 'Choose another size or depth (BUTTER skipped these runs too).'),
    );
  }
  return {
    inputs,
    outputs,
    shape,
    size,
    depth,
    widths,
    residual: residualLayers(shape, depth),
    numFreeParameters,
    budgetError,
  };
}

export interface EpochCostOptions {
  /** Rows in the whole dataset; BUTTER-E trains on 80% and tests on 20% of them. */
  observations: number;
  batchSize: number;
}

export interface EpochFlops {
  trainBatches: number;
  testBatches: number;
  /** One minibatch forward: batch · Σ (w_i·w_{i+1} + w_{i+1}). */
  forwardPerBatch: number;
  /** One minibatch backward: batch · Σ (2w_{i+1} + w_i·w_{i+1} + [i>0]·w_i·w_{i+1}) + P·(1 + batch). */
  backwardPerBatch: number;
  /** trainBatches · (forward + backward) + testBatches · forward. */
  flopsPerEpoch: number;
}

function epochCostOptions(options: unknown): EpochCostOptions {
  if (!isPlainObject(options)) throw invalidOption('epoch options', 'an object', options, 'type');
  return {
    observations: integerIn('observations', options.observations, 1),
    batchSize: integerIn('batchSize', options.batchSize, 1),
  };
}

/** Widths with the input prepended (BUTTER-E's `full_widths`). */
function fullWidths(network: Network): number[] {
  return [network.inputs, ...network.widths];
}

/**
 * FLOPs of one epoch by BUTTER-E's formulas (3_standardize.ipynb cell 23–24), with the input width as
 * the first full width. Batches per epoch are ceil(0.8·n / batch) for training (the paper's rule) and
 * ceil(0.2·n / batch) for the test pass.
 */
export function flopsPerEpoch(network: Network, options: EpochCostOptions): EpochFlops {
  const { observations, batchSize } = epochCostOptions(options);
  const w = fullWidths(network);
  let forward = 0;
  let backward = 0;
  for (let i = 0; i + 1 < w.length; i++) {
    forward += w[i]! * w[i + 1]! + w[i + 1]!;
    backward += 2 * w[i + 1]! + w[i]! * w[i + 1]! + (i > 0 ? w[i]! * w[i + 1]! : 0);
  }
  const forwardPerBatch = batchSize * forward;
  const backwardPerBatch = batchSize * backward + network.numFreeParameters * (1 + batchSize);
  const trainBatches = Math.ceil((0.8 * observations) / batchSize);
  const testBatches = Math.ceil((0.2 * observations) / batchSize);
  return {
    trainBatches,
    testBatches,
    forwardPerBatch,
    backwardPerBatch,
    flopsPerEpoch: trainBatches * (forwardPerBatch + backwardPerBatch) + testBatches * forwardPerBatch,
  };
}

/**
 * A working set split as BUTTER-E's cache placement needs it: `replicatedBytes` must fit in every cache
 * unit (each core holds its own copy), `distributedBytes` is shared out across the units.
 */
export interface WorkingSet {
  replicatedBytes: number;
  distributedBytes: number;
  bytes: number;
}

export interface WorkingSets {
  /** Inter-layer: max over layers of 4·batch·(w_in + w_out), distributed. */
  l: WorkingSet;
  /** The same per layer (input layer first), for per-level placement of each layer. */
  lPerLayerBytes: number[];
  /** Forward pass: the weights, 4·P, replicated; stacked on l. */
  f: WorkingSet;
  /** Backward pass: weights + gradients 8·P replicated, plus all activations of the batch (4·batch·Σw) − l, distributed. */
  b: WorkingSet;
  /** Dataset / epoch: 4·n·(inputs + outputs), distributed; stacked on b. */
  d: WorkingSet;
}

function workingSet(replicatedBytes: number, distributedBytes: number): WorkingSet {
  return { replicatedBytes, distributedBytes, bytes: replicatedBytes + distributedBytes };
}

/**
 * BUTTER-E's four working sets in bytes (3_standardize.ipynb cells 26–28, `bytes_per_float = 4`).
 * "All unit activations" counts every full width including the input. The dataset term uses the
 * network's own input/output widths, where BUTTER-E used raw PMLB feature counts (an approximation
 * there; here the exact preprocessed widths).
 */
export function workingSets(network: Network, options: EpochCostOptions): WorkingSets {
  const { observations, batchSize } = epochCostOptions(options);
  const w = fullWidths(network);
  const lPerLayerBytes: number[] = [];
  for (let i = 0; i + 1 < w.length; i++) lPerLayerBytes.push(BYTES_PER_FLOAT * batchSize * (w[i]! + w[i + 1]!));
  const lMax = Math.max(...lPerLayerBytes);
  const numNodes = w.reduce((sum, width) => sum + width, 0);
  const P = network.numFreeParameters;
  return {
    l: workingSet(0, lMax),
    lPerLayerBytes,
    f: workingSet(BYTES_PER_FLOAT * P, 0),
    b: workingSet(BYTES_PER_FLOAT * 2 * P, BYTES_PER_FLOAT * batchSize * numNodes - lMax),
    d: workingSet(0, BYTES_PER_FLOAT * observations * (network.inputs + network.outputs)),
  };
}
