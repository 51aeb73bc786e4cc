/**
 * Prediction for configurations never run, and a ranking of network layouts for a parameter budget, from a
 * fitted cache-aware model. Networks come from networks.ts (BUTTER's width search), so a prediction is for
 * exactly the network a sweep would train.
 */
import { invalidOption, MlpEnergyError } from '../errors.js';
import { BUDGET_TOLERANCE, flopsPerEpoch, networkFor, smallestBudget, SHAPES, type Network, type Shape } from '../networks.js';
import { integerIn, isPlainObject } from '../validate.js';
import { featureRow, runFeatures } from './features.js';
import { predictWith, type DeviceFit } from './fit.js';
import { trainingDataPerEpoch, type RunRecord } from './records.js';

/** The dataset dimensions a prediction needs: rows (train + test), network input and output widths. */
export interface DatasetDims {
  readonly name: string;
  readonly rows: number;
  readonly inputs: number;
  readonly outputs: number;
}

export interface PredictConfig {
  readonly dataset: string | DatasetDims;
  readonly shape: Shape;
  /** Parameter budget (BUTTER's `size`). */
  readonly size: number;
  readonly depth: number;
  readonly batchSize?: number;
  /** GEMM threads of the run; sets how many private cache instances the working sets spread over. */
  readonly threads?: number;
}

export interface Prediction {
  readonly jPerDatum: number;
  readonly jPerEpoch: number;
  readonly widths: number[];
  readonly numFreeParameters: number;
  readonly flopsPerDatum: number;
  /** Cache level of each working set (l: the deepest level any layer's set reached). */
  readonly levels: { readonly l: string; readonly f: string; readonly b: string; readonly d: string };
  /** Contribution of each model term, J/datum. */
  readonly terms: Array<{ readonly name: string; readonly jPerDatum: number }>;
}

/** Dataset dimensions as the stored runs recorded them (input width after preprocessing). */
export function datasetDims(runs: readonly RunRecord[]): Map<string, DatasetDims> {
  const dims = new Map<string, DatasetDims>();
  for (const r of runs) {
    if (!dims.has(r.dataset)) {
      dims.set(r.dataset, { name: r.dataset, rows: r.n_observations, inputs: r.n_features, outputs: r.widths[r.widths.length - 1] });
    }
  }
  return dims;
}

function resolveDataset(dataset: string | DatasetDims, known: ReadonlyMap<string, DatasetDims>): DatasetDims {
  if (typeof dataset === 'string') {
    const dims = known.get(dataset);
    if (!dims) {
      throw new MlpEnergyError(
        'INVALID_OPTION',
        `Unknown dataset ${JSON.stringify(dataset)} for prediction: no stored run used it (known: ${[...known.keys()].join(', ') || 'none'}). ` +
          'Choose a known one, or (from the SDK) pass its dimensions instead: { name, rows, inputs, outputs }.',
      );
    }
    return dims;
  }
  if (!isPlainObject(dataset)) throw new MlpEnergyError('INVALID_OPTION', 'dataset must be a name or { name, rows, inputs, outputs }.');
  return {
    name: String(dataset.name ?? 'custom'),
    rows: integerIn('dataset.rows', dataset.rows, 2),
    inputs: integerIn('dataset.inputs', dataset.inputs, 1),
    outputs: integerIn('dataset.outputs', dataset.outputs, 1),
  };
}

export function predict(fit: DeviceFit, config: PredictConfig, known: ReadonlyMap<string, DatasetDims> = new Map()): Prediction {
  const dims = resolveDataset(config.dataset, known);
  const batchSize = integerIn('batchSize', config.batchSize ?? 256, 1);
  const threads = config.threads === undefined ? undefined : integerIn('threads', config.threads, 1);
  const network = networkFor({ inputs: dims.inputs, outputs: dims.outputs, shape: config.shape, size: config.size, depth: config.depth });
  return predictNetwork(fit, network, dims, batchSize, threads);
}

/** The prediction for a network already built (options checked by the caller). */
function predictNetwork(fit: DeviceFit, network: Network, dims: DatasetDims, batchSize: number, threads: number | undefined): Prediction {
  const flops = flopsPerEpoch(network, { observations: dims.rows, batchSize }).flopsPerEpoch;
  const features = runFeatures(fit.profile, {
    fullWidths: [dims.inputs, ...network.widths],
    numFreeParameters: network.numFreeParameters,
    batchSize,
    nObservations: dims.rows,
    flopsPerEpoch: flops,
    threads,
  });
  const model = fit.models.find((m) => m.model.name === 'cache-aware')!.model;
  const row = featureRow(features);
  const jPerDatum = predictWith(model, row);
  const placed = features.placed;
  const deepestL = Math.max(...placed.l.map((p) => p.level));
  return {
    jPerDatum,
    jPerEpoch: jPerDatum * trainingDataPerEpoch(dims.rows, batchSize),
    widths: network.widths,
    numFreeParameters: network.numFreeParameters,
    flopsPerDatum: features.flopsPerDatum,
    levels: { l: fit.profile.levels[deepestL].name, f: placed.f.levelName, b: placed.b.levelName, d: placed.d.levelName },
    terms: model.coefficients.map((c, j) => ({ name: c.name, jPerDatum: (c.value ?? 0) * row[j] })),
  };
}

/** BUTTER's depths. */
export const BUTTER_DEPTHS: readonly number[] = [2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 20];

export interface RecommendOptions {
  readonly parameterBudget: number;
  readonly dataset: string | DatasetDims;
  readonly shapes?: readonly Shape[];
  readonly depths?: readonly number[];
  /** Thread counts to consider (the only part of a GEMM tiling the model sees); default: those of the fitted runs. */
  readonly threads?: ReadonlyArray<number | undefined>;
  readonly batchSize?: number;
  readonly top?: number;
}

export interface Recommendation extends Prediction {
  /** The first of `shapes`, kept so that readers of one shape per entry keep working. */
  readonly shape: Shape;
  /** Every shape whose network at this depth is this one (same widths and skips), in SHAPES order. */
  readonly shapes: Shape[];
  readonly depth: number;
  readonly threads: number | null;
}

export interface RecommendResult {
  /** One entry per distinct network and thread count, lowest predicted J/datum first. */
  readonly ranked: Recommendation[];
  /** Layouts BUTTER's width search cannot build within 20% of the budget, with the reason. */
  readonly skipped: Array<{ readonly shape: Shape; readonly depth: number; readonly reason: string }>;
}

/** Networks that compute the same thing: the same widths and the same residual additions (shape names aside). */
function sameNetworkKey(network: Network): string {
  return JSON.stringify([network.widths, network.residual]);
}

/**
 * Every shape × depth × thread count the budget builds, ranked by predicted J/datum. Layouts that build the same
 * network (every shape at depth 2: one hidden layer; rectangle_residual where no inner layer can take a skip) are one
 * entry, so `top` counts distinct networks. When no layout meets the budget it throws NETWORK_OFF_BUDGET, as predict
 * does, naming the smallest budget that builds one.
 */
export function recommend(fit: DeviceFit, options: RecommendOptions, known: ReadonlyMap<string, DatasetDims> = new Map(), threadsSeen: ReadonlyArray<number | null> = []): RecommendResult {
  const size = integerIn('parameterBudget', options.parameterBudget, 1);
  const top = integerIn('top', options.top ?? 10, 1);
  const dims = resolveDataset(options.dataset, known);
  const batchSize = integerIn('batchSize', options.batchSize ?? 256, 1);
  const seen = [...new Set(threadsSeen.filter((t): t is number => typeof t === 'number'))].sort((a, b) => a - b);
  const threadOptions = (options.threads ?? (seen.length > 0 ? seen : [undefined])).map((t) => (t === undefined ? undefined : integerIn('threads', t, 1)));
  const shapes = options.shapes ?? SHAPES;
  const depths = options.depths ?? BUTTER_DEPTHS;
  // Nothing to rank is the caller's mistake, not an off-budget result.
  if (!Array.isArray(shapes) || shapes.length === 0) throw invalidOption('shapes', 'a non-empty array of shapes', shapes);
  if (!Array.isArray(depths) || depths.length === 0) throw invalidOption('depths', 'a non-empty array of depths', depths);
  const networks = new Map<string, { network: Network; shapes: Shape[] }>();
  const skipped: RecommendResult['skipped'] = [];
  for (const shape of shapes) {
    for (const depth of depths) {
      try {
        const network = networkFor({ inputs: dims.inputs, outputs: dims.outputs, shape, size, depth });
        const key = sameNetworkKey(network);
        const same = networks.get(key);
        if (same) same.shapes.push(shape);
        else networks.set(key, { network, shapes: [shape] });
      } catch (error) {
        if ((error as { code?: string }).code !== 'NETWORK_OFF_BUDGET') throw error;
        skipped.push({ shape, depth, reason: (error as Error).message });
      }
    }
  }
  if (networks.size === 0) throw noLayoutFits(size, dims, shapes, depths);
  const ranked: Recommendation[] = [];
  for (const { network, shapes: same } of networks.values()) {
    for (const threads of threadOptions) {
      const p = predictNetwork(fit, network, dims, batchSize, threads);
      ranked.push({ ...p, shape: same[0], shapes: same, depth: network.depth, threads: threads ?? null });
    }
  }
  ranked.sort((a, b) => a.jPerDatum - b.jPerDatum);
  return { ranked: ranked.slice(0, top), skipped };
}

/** Off budget for every layout: the smallest budget any of them accepts, from the width search's own bound. */
function noLayoutFits(size: number, dims: DatasetDims, shapes: readonly Shape[], depths: readonly number[]): MlpEnergyError {
  let least: { shape: Shape; depth: number; parameters: number; size: number } | undefined;
  for (const shape of shapes) {
    for (const depth of depths) {
      const s = smallestBudget({ inputs: dims.inputs, outputs: dims.outputs, shape, depth });
      if (least === undefined || s.size < least.size) least = { shape, depth, ...s };
    }
  }
  const layouts = `${shapes.length * depths.length} shape/depth layouts`;
  const fix =
    least!.size > size
      ? `The smallest budget that gives a network is ${least!.size} (${least!.shape} of depth ${least!.depth}, ${least!.parameters} parameters); choose a budget ≥ ${least!.size}.`
      : `The budget falls between the sizes these layouts' networks can take (BUTTER skipped such runs too); the smallest budget that gives a network is ${least!.size} (${least!.shape} of depth ${least!.depth}, ${least!.parameters} parameters): choose another budget, or allow more shapes or depths.`;
  return new MlpEnergyError(
    'NETWORK_OFF_BUDGET',
    `None of the ${layouts} has a network within ${BUDGET_TOLERANCE * 100}% of ${size} parameters for ${dims.name} (${dims.inputs} inputs, ${dims.outputs} outputs). ${fix}`,
  );
}
