/**
 * Fitting: the cache-aware model and its three baselines, each per (device class, hardware profile), with
 * in-sample and dataset-grouped cross-validated error.
 *
 * Linear models are fitted by NNLS on rows divided by the measured energy, i.e. they minimise the squared
 * relative error Σ(predicted/measured − 1)², the quantity the study's error histogram shows; otherwise the
 * largest networks would dominate the fit. The power law is ordinary least squares in log-log space.
 */
import { MlpEnergyError, invalidOption } from '../errors.js';
import { integerIn } from '../validate.js';
import { featureColumns, featureRow, runFeatures, type RunFeatures } from './features.js';
import { leastSquares } from './least-squares.js';
import { errorStats, type ErrorStats } from './metrics.js';
import { nnls } from './nnls.js';
import { loadProfile, type DeviceClass, type HardwareProfile } from './profiles.js';
import { checkRecord, deviceClassOf, runShape, type RunRecord } from './records.js';

export type ModelName = 'cache-aware' | 'params-linear' | 'flops-linear' | 'power-law';
export const MODEL_NAMES: readonly ModelName[] = ['cache-aware', 'params-linear', 'flops-linear', 'power-law'];
export const MODEL_LABELS: Readonly<Record<ModelName, string>> = {
  'cache-aware': 'cache-aware (const + FLOPs + bytes per level)',
  'params-linear': 'parameters-only linear',
  'flops-linear': 'FLOPs-only linear',
  'power-law': 'log-log power law in parameters',
};

export interface Column {
  readonly name: string;
  readonly unit: string;
}

export interface Coefficient extends Column {
  /** null when no run in the fit exercises the column (e.g. no working set ever reached L3). */
  readonly value: number | null;
}

export interface FittedModel {
  readonly name: ModelName;
  readonly method: 'nnls-relative' | 'ols-log-log';
  readonly coefficients: Coefficient[];
}

/** One run's design row for each model. */
export function designRows(run: RunRecord, features: RunFeatures): Record<ModelName, number[]> {
  const P = run.num_free_parameters;
  return {
    'cache-aware': featureRow(features),
    'params-linear': [1, P],
    'flops-linear': [1, features.flopsPerDatum],
    'power-law': [1, Math.log(P)],
  };
}

export function modelColumns(profile: HardwareProfile): Record<ModelName, Column[]> {
  return {
    'cache-aware': featureColumns(profile),
    'params-linear': [
      { name: 'constant', unit: 'J/datum' },
      { name: 'parameters', unit: 'J/datum per parameter' },
    ],
    'flops-linear': [
      { name: 'constant', unit: 'J/datum' },
      { name: 'flops', unit: 'J/FLOP' },
    ],
    'power-law': [
      { name: 'log_prefactor', unit: 'ln(J/datum)' },
      { name: 'exponent', unit: 'J/datum ∝ parameters^exponent' },
    ],
  };
}

// Relative pivot below which a column counts as a linear combination of the ones before it.
const COLLINEAR_TOLERANCE = 1e-9;

/** Fit one model. `strict` refuses underdetermined or collinear problems instead of returning a meaningless fit. */
export function fitModel(name: ModelName, columns: readonly Column[], rows: readonly number[][], measured: readonly number[], strict: boolean, where = ''): FittedModel {
  if (name === 'power-law') {
    const y = measured.map(Math.log);
    const distinct = new Set(rows.map((r) => r[1])).size;
    if (strict && distinct < 2) {
      throw new MlpEnergyError('MODEL_UNDERDETERMINED', `${where}the power law needs runs with at least 2 distinct parameter counts; got ${distinct}.`);
    }
    const { x } = leastSquares(rows, y, [0, 1]);
    return { name, method: 'ols-log-log', coefficients: columns.map((c, j) => ({ ...c, value: x[j] })) };
  }
  // Relative weighting, then unit-norm columns so NNLS's tolerances mean the same for every column.
  const A = rows.map((row, i) => row.map((v) => v / measured[i]));
  const b = measured.map(() => 1);
  const scale = columns.map((_, j) => Math.sqrt(A.reduce((s, row) => s + row[j] * row[j], 0)));
  const active = scale.flatMap((s, j) => (s > 0 ? [j] : []));
  const As = A.map((row) => active.map((j) => row[j] / scale[j]));
  if (strict) {
    if (rows.length < active.length) {
      throw new MlpEnergyError(
        'MODEL_UNDERDETERMINED',
        `${where}${rows.length} runs cannot determine the ${active.length} coefficients of the ${name} model ` +
          `(${active.map((j) => columns[j].name).join(', ')}); sweep more sizes, depths or datasets (e.g. \`mlp-energy sweep\`).`,
      );
    }
    const { relativeDiagonal } = leastSquares(As, b, active.map((_, k) => k), 0);
    const dependent = relativeDiagonal.flatMap((d, k) => (d < COLLINEAR_TOLERANCE ? [columns[active[k]].name] : []));
    if (dependent.length > 0) {
      throw new MlpEnergyError(
        'MODEL_UNDERDETERMINED',
        `${where}the ${name} model's features are collinear: ${dependent.join(', ')} ` +
          `${dependent.length === 1 ? 'is' : 'are'} a linear combination of the other columns over these runs, so their costs cannot be told apart; ` +
          'add runs that vary it independently (other sizes, depths or datasets, whose working sets land in other cache levels).',
      );
    }
  }
  const { x } = nnls(As, b);
  const values: Array<number | null> = columns.map(() => null);
  active.forEach((j, k) => (values[j] = x[k] / scale[j]));
  return { name, method: 'nnls-relative', coefficients: columns.map((c, j) => ({ ...c, value: values[j] })) };
}

export function predictWith(model: FittedModel, row: readonly number[]): number {
  const value = model.coefficients.reduce((s, c, j) => s + (c.value ?? 0) * row[j], 0);
  return model.method === 'ols-log-log' ? Math.exp(value) : value;
}

/** Datasets → fold index: sorted names dealt round-robin, so a dataset is never split across folds. */
export function groupFolds(datasets: readonly string[], folds: number): Map<string, number> {
  const names = [...new Set(datasets)].sort();
  const k = Math.min(folds, names.length);
  return new Map(names.map((name, i) => [name, i % k]));
}

export interface ModelResult {
  readonly model: FittedModel;
  readonly label: string;
  readonly inSample: ErrorStats;
  /** Out-of-fold error with whole datasets held out; null when fewer than 2 datasets. */
  readonly cv: ErrorStats | null;
}

export interface RunFit {
  readonly run_id: string;
  readonly dataset: string;
  readonly shape: string;
  readonly depth: number;
  readonly num_free_parameters: number;
  readonly estimated: boolean;
  readonly measured: number;
  /** Level names where f, b and d sit, and the deepest level any layer's l reached. */
  readonly levels: { readonly l: string; readonly f: string; readonly b: string; readonly d: string };
  readonly predicted: Record<ModelName, number>;
  readonly cvPredicted: Record<ModelName, number> | null;
  readonly fold: number | null;
}

export interface DeviceFit {
  readonly deviceClass: DeviceClass;
  readonly profile: HardwareProfile;
  readonly runs: number;
  readonly estimatedRuns: number;
  readonly datasets: string[];
  readonly folds: number | null;
  readonly cvNote: string | null;
  readonly models: ModelResult[];
  readonly perRun: RunFit[];
}

export interface FitOptions {
  /** Profile for runs that do not name one, per device class (the CLI passes the detected machine). */
  readonly profiles?: Partial<Record<DeviceClass, HardwareProfile>>;
  /** Only fit this device class. */
  readonly device?: DeviceClass;
  /** k of the dataset-grouped k-fold cross-validation (default 5; fewer when there are fewer datasets). */
  readonly folds?: number;
}

export interface EnergyModelFit {
  readonly groups: DeviceFit[];
}

function profileFor(run: RunRecord, options: FitOptions): HardwareProfile {
  if (run.profile) return loadProfile(run.profile);
  const dc = deviceClassOf(run);
  const profile = options.profiles?.[dc];
  if (!profile) {
    throw new MlpEnergyError(
      'INVALID_OPTION',
      `Run ${run.run_id} is a ${dc} run without a hardware profile; pass profiles.${dc} (CLI: --profile eagle-${dc}|detected|FILE.json).`,
    );
  }
  if (profile.deviceClass !== dc) {
    throw new MlpEnergyError('INVALID_OPTION', `Profile ${profile.name} describes a ${profile.deviceClass} but run ${run.run_id} ran on a ${dc}.`);
  }
  return profile;
}

export interface RunGroup {
  readonly profile: HardwareProfile;
  readonly runs: RunRecord[];
}

/** Runs split by (device class, hardware profile): each group gets its own model. */
export function groupRuns(records: readonly RunRecord[], options: FitOptions = {}): RunGroup[] {
  const groups = new Map<string, { profile: HardwareProfile; runs: RunRecord[] }>();
  for (const run of records) {
    if (options.device && deviceClassOf(run) !== options.device) continue;
    checkRecord(run);
    const profile = profileFor(run, options);
    const key = `${profile.deviceClass}:${profile.name}`;
    const group = groups.get(key) ?? { profile, runs: [] };
    group.runs.push(run);
    groups.set(key, group);
  }
  return [...groups.values()];
}

export function fitEnergyModel(records: readonly RunRecord[], options: FitOptions = {}): EnergyModelFit {
  if (!Array.isArray(records)) throw invalidOption('records', 'an array of run records', records, 'type');
  const folds = integerIn('folds', options.folds ?? 5, 2, 1000);
  const groups = groupRuns(records, options);
  if (groups.length === 0) {
    throw new MlpEnergyError(
      'MODEL_UNDERDETERMINED',
      `No runs to fit${options.device ? ` for device ${options.device}` : ''}; run \`mlp-energy sweep\` first or import BUTTER-E data.`,
    );
  }
  return { groups: groups.map(({ profile, runs }) => fitGroup(profile, runs, folds)) };
}

function fitGroup(profile: HardwareProfile, runs: RunRecord[], folds: number): DeviceFit {
  const where = `${profile.deviceClass} runs on ${profile.name}: `;
  const columns = modelColumns(profile);
  const features = runs.map((run) =>
    runFeatures(profile, { ...runShape(run), flopsPerEpoch: run.flops_per_epoch, threads: run.threads }),
  );
  const rows = runs.map((run, i) => designRows(run, features[i]));
  const measured = runs.map((r) => r.energy_per_training_datum);
  const fitted = Object.fromEntries(
    MODEL_NAMES.map((name) => [name, fitModel(name, columns[name], rows.map((r) => r[name]), measured, true, where)]),
  ) as Record<ModelName, FittedModel>;

  const datasets = [...new Set(runs.map((r) => r.dataset))].sort();
  const foldOf = datasets.length >= 2 ? groupFolds(datasets, folds) : null;
  const k = foldOf ? Math.min(folds, datasets.length) : null;
  const cvPredicted: Array<Record<ModelName, number>> | null = foldOf ? runs.map(() => ({}) as Record<ModelName, number>) : null;
  if (foldOf && cvPredicted && k) {
    for (let fold = 0; fold < k; fold++) {
      const train = runs.flatMap((r, i) => (foldOf.get(r.dataset) !== fold ? [i] : []));
      const test = runs.flatMap((r, i) => (foldOf.get(r.dataset) === fold ? [i] : []));
      for (const name of MODEL_NAMES) {
        // Folds are fitted leniently: a held-out dataset may be the only one reaching a level; that shows as error.
        const model = fitModel(name, columns[name], train.map((i) => rows[i][name]), train.map((i) => measured[i]), false);
        for (const i of test) cvPredicted[i][name] = predictWith(model, rows[i][name]);
      }
    }
  }
  const models: ModelResult[] = MODEL_NAMES.map((name) => ({
    model: fitted[name],
    label: MODEL_LABELS[name],
    inSample: errorStats(rows.map((r) => predictWith(fitted[name], r[name])), measured),
    cv: cvPredicted ? errorStats(cvPredicted.map((p) => p[name]), measured) : null,
  }));
  const perRun: RunFit[] = runs.map((run, i) => {
    const placed = features[i].placed;
    const deepestL = Math.max(...placed.l.map((p) => p.level));
    return {
      run_id: run.run_id,
      dataset: run.dataset,
      shape: run.shape,
      depth: run.depth,
      num_free_parameters: run.num_free_parameters,
      estimated: run.estimated,
      measured: measured[i],
      levels: { l: profile.levels[deepestL].name, f: placed.f.levelName, b: placed.b.levelName, d: placed.d.levelName },
      predicted: Object.fromEntries(MODEL_NAMES.map((name) => [name, predictWith(fitted[name], rows[i][name])])) as Record<ModelName, number>,
      cvPredicted: cvPredicted ? cvPredicted[i] : null,
      fold: foldOf ? foldOf.get(run.dataset)! : null,
    };
  });
  return {
    deviceClass: profile.deviceClass,
    profile,
    runs: runs.length,
    estimatedRuns: runs.filter((r) => r.estimated).length,
    datasets,
    folds: k,
    cvNote: foldOf ? null : `only one dataset (${datasets[0]}): cross-validation holds out whole datasets, so it needs at least 2`,
    models,
    perRun,
  };
}
