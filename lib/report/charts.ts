/**
 * The report's charts as Vega-Lite specs, each with the table of rows behind it. Pure data in, specs out: the
 * HTML page and the SVG export render the same objects.
 */
import type { DeviceFit, EnergyModelFit, ModelName, RunGroup } from '../model/fit.js';
import { MODEL_LABELS, MODEL_NAMES } from '../model/fit.js';
import { trainingDataPerEpoch, type RunRecord } from '../model/records.js';
import { blockPlacements } from '../tune/blocks.js';
import { tilingGridChart } from '../tune/chart.js';
import { machineCaches, type TilingGridScan } from '../tune/grid-store.js';
import { machineKey } from '../tune/machine.js';
import { shapeKey } from '../tune/shapes.js';
import { parameterBoundaries } from './boundaries.js';

export type VegaLiteSpec = Record<string, unknown>;

export interface Chart {
  /** File-name-safe id, also the SVG file name. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly spec: VegaLiteSpec;
  /** The rows the chart draws, shown as a table under it. */
  readonly table: { readonly columns: readonly string[]; readonly rows: ReadonlyArray<Record<string, string | number | boolean>> };
}

export interface RunPowerTrace {
  readonly run_id: string;
  readonly samples: ReadonlyArray<{ readonly t_s: number; readonly power_w: number; readonly domain?: string; readonly estimated?: boolean }>;
}

const WIDTH = 560;
const HEIGHT = 320;

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function runRow(run: RunRecord) {
  return {
    run_id: run.run_id,
    dataset: run.dataset,
    shape: run.shape,
    depth: run.depth,
    parameters: run.num_free_parameters,
    j_per_datum: run.energy_per_training_datum,
    j_per_epoch: run.energy_per_epoch,
    estimated: run.estimated,
  };
}

const RUN_COLUMNS = ['run_id', 'dataset', 'shape', 'depth', 'parameters', 'j_per_datum', 'j_per_epoch', 'estimated'];

/** J/datum against parameters, coloured by `by`, with the profile's cache boundaries as rules. */
function perParameterChart(group: RunGroup, by: 'shape' | 'depth'): Chart {
  const { runs, profile } = group;
  const title = `J/datum vs parameters by ${by}: ${profile.deviceClass.toUpperCase()} on ${profile.name}`;
  const rows = runs.map(runRow);
  const boundaries = parameterBoundaries(profile).map((b) => ({ parameters: b.parameters, label: `weights leave ${b.level}` }));
  const x = { field: 'parameters', type: 'quantitative', scale: { type: 'log' }, title: 'trainable parameters' };
  const spec: VegaLiteSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'line', point: false, opacity: 0.5 },
        encoding: {
          x,
          y: { aggregate: 'median', field: 'j_per_datum', type: 'quantitative', scale: { type: 'log' }, title: 'J per training datum (median)' },
          color: { field: by, type: by === 'depth' ? 'ordinal' : 'nominal' },
        },
      },
      {
        data: { values: rows },
        mark: { type: 'point', filled: true },
        encoding: {
          x,
          y: { field: 'j_per_datum', type: 'quantitative', scale: { type: 'log' } },
          color: { field: by, type: by === 'depth' ? 'ordinal' : 'nominal' },
          shape: { field: 'estimated', type: 'nominal', title: 'estimated energy' },
          tooltip: [{ field: 'run_id' }, { field: 'dataset' }, { field: 'shape' }, { field: 'depth' }, { field: 'parameters' }, { field: 'j_per_datum', format: '.3e' }],
        },
      },
      {
        data: { values: boundaries },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#555' },
        encoding: { x: { field: 'parameters', type: 'quantitative' } },
      },
      {
        data: { values: boundaries },
        mark: { type: 'text', angle: 270, align: 'right', baseline: 'bottom', dx: -4, dy: -2, y: 4, fontSize: 10, color: '#555' },
        encoding: { x: { field: 'parameters', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  };
  return {
    id: slug(`jdatum-${by}-${profile.deviceClass}-${profile.name}`),
    title,
    description: `Each point is a run; lines join medians per ${by}. Dashed rules: the parameter count beyond which the weights (4·P bytes, replicated per unit) no longer fit each cache level of ${profile.name}.`,
    spec,
    table: { columns: RUN_COLUMNS, rows },
  };
}

function perEpochChart(runs: RunRecord[]): Chart {
  const rows = runs.map((run) => ({
    ...runRow(run),
    device: run.is_gpu ? 'gpu' : 'cpu',
    training_data_per_epoch: trainingDataPerEpoch(run.n_observations, run.batch_size),
  }));
  const spec: VegaLiteSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    mark: { type: 'point', filled: true, opacity: 0.7 },
    encoding: {
      x: { field: 'training_data_per_epoch', type: 'quantitative', scale: { type: 'log' }, title: 'training data per epoch' },
      y: { field: 'j_per_epoch', type: 'quantitative', scale: { type: 'log' }, title: 'J per epoch' },
      color: { field: 'device', type: 'nominal' },
      shape: { field: 'estimated', type: 'nominal', title: 'estimated energy' },
      tooltip: [{ field: 'run_id' }, { field: 'dataset' }, { field: 'j_per_epoch', format: '.3e' }],
    },
  };
  return {
    id: 'jepoch-vs-training-size',
    title: 'J/epoch vs training-set size',
    description: 'Energy of one epoch against the training data it processes (ceil(0.8·n / batch)·batch, as the study counts it).',
    spec,
    table: { columns: [...RUN_COLUMNS, 'device', 'training_data_per_epoch'], rows },
  };
}

function errorChart(group: DeviceFit): Chart {
  const useCv = group.folds !== null;
  const rows = group.perRun.flatMap((run) =>
    MODEL_NAMES.map((name: ModelName) => {
      const predicted = useCv ? run.cvPredicted![name] : run.predicted[name];
      return { run_id: run.run_id, dataset: run.dataset, model: MODEL_LABELS[name], predicted, measured: run.measured, ratio: predicted / run.measured };
    }),
  );
  const stats = group.models.map((m) => `${m.label}: σ ${(useCv ? m.cv! : m.inSample).ratioStd.toFixed(3)}`).join('; ');
  const spec: VegaLiteSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values: rows },
    facet: { row: { field: 'model', type: 'nominal', title: null, sort: MODEL_NAMES.map((n) => MODEL_LABELS[n]) } },
    spec: {
      width: WIDTH,
      height: 90,
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'ratio', type: 'quantitative', bin: { step: 0.05, extent: [0, 3] }, title: 'predicted / measured energy' },
        y: { aggregate: 'count', type: 'quantitative', title: 'runs' },
        color: { field: 'model', type: 'nominal', legend: null },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
  return {
    id: slug(`model-error-${group.deviceClass}-${group.profile.name}`),
    title: `Model error (${useCv ? `${group.folds}-fold CV, datasets held out` : 'in-sample: only one dataset'}): ${group.deviceClass.toUpperCase()} on ${group.profile.name}`,
    description: `Histogram of predicted/measured J/datum per model (ratios beyond [0, 3] are clipped into the edge bins). ${stats}.`,
    spec,
    table: { columns: ['run_id', 'dataset', 'model', 'predicted', 'measured', 'ratio'], rows },
  };
}

function powerChart(traces: readonly RunPowerTrace[]): Chart {
  const rows = traces.flatMap((trace) =>
    trace.samples.map((s) => ({ run_id: trace.run_id, domain: s.domain ?? 'total', t_s: s.t_s, power_w: s.power_w, estimated: s.estimated ?? false })),
  );
  const spec: VegaLiteSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    mark: { type: 'line' },
    encoding: {
      x: { field: 't_s', type: 'quantitative', title: 'time since run start (s)' },
      y: { field: 'power_w', type: 'quantitative', title: 'power (W)' },
      color: { field: 'run_id', type: 'nominal' },
      strokeDash: { field: 'domain', type: 'nominal' },
    },
  };
  return {
    id: 'power-traces',
    title: 'Power traces',
    description: 'Sampled power of the runs that recorded a trace (energies themselves come from counter reads at the window edges). '
      + 'Rows marked estimated are the CPU-time estimate, not a hardware counter.',
    spec,
    table: { columns: ['run_id', 'domain', 't_s', 'power_w', 'estimated'], rows },
  };
}

/** One stored `tune --grid` scan: J and s per datum across the tiling axis, rules where blocks fill their cache. */
function tilingGridReportChart(scan: TilingGridScan): Chart {
  const caches = machineCaches(scan.machine);
  const spec = tilingGridChart(scan.points, {
    shape: scan.shape,
    x: scan.x,
    series: scan.series ?? undefined,
    caches,
    callsPerDatum: scan.callsPerDatum,
    estimated: scan.estimated,
  });
  const rows = scan.points.map((p) => {
    const [micro, a, b] = blockPlacements(p.tiling, caches, scan.shape);
    return {
      [scan.x]: p.x,
      ...(scan.series ? { [scan.series]: p.series ?? '' } : {}),
      tiling: `mc ${p.tiling.mc} kc ${p.tiling.kc} nc ${p.tiling.nc} ${p.tiling.mr}×${p.tiling.nr} t${p.tiling.threads}`,
      j_per_datum: p.joules * scan.callsPerDatum,
      s_per_datum: p.seconds * scan.callsPerDatum,
      estimated: scan.estimated,
      'B kc·nr level': micro.level,
      'A mc·kc level': a.level,
      'B kc·nc level': b.level,
    };
  });
  const lines = scan.series ? `, a line per ${scan.series}` : '';
  const estimate = scan.estimated ? ` Energy is an ESTIMATE (${scan.source}), not a counter reading, so J/datum follows s/datum.` : '';
  return {
    id: slug(`tiling-grid-${shapeKey(scan.shape)}-${machineKey(scan.machine).slice(0, 8)}`),
    title: `Tiling grid of ${shapeKey(scan.shape)} on ${scan.machine.cpu_model}`,
    description:
      `J and seconds per training datum of this GEMM shape${scan.network ? ` of ${scan.network}` : ''} across ${scan.x}${lines}; ` +
      `the rest of the tiling is the analytical default on the packed path (mlp-energy tune --grid, ${scan.scannedAt}). ` +
      `Dashed rules: where a packed block (kc·nr of B, mc·kc of A, kc·nc of B) fills the cache level it is sized for.${estimate}`,
    spec,
    table: { columns: [scan.x, ...(scan.series ? [scan.series] : []), 'tiling', 'j_per_datum', 's_per_datum', 'estimated', 'B kc·nr level', 'A mc·kc level', 'B kc·nc level'], rows },
  };
}

export interface ChartInput {
  readonly runs: readonly RunRecord[];
  /** Runs split by (device class, profile), as the fit splits them. */
  readonly groups: readonly RunGroup[];
  /** null when the model could not be fitted (the page says why); the data charts still render. */
  readonly fit: EnergyModelFit | null;
  readonly traces?: readonly RunPowerTrace[];
  /** Stored `mlp-energy tune --grid` scans (table tuning_grid): one chart each. */
  readonly tilingGrids?: readonly TilingGridScan[];
}

export function buildCharts(input: ChartInput): Chart[] {
  const charts: Chart[] = [];
  for (const group of input.groups) charts.push(perParameterChart(group, 'shape'), perParameterChart(group, 'depth'));
  if (input.runs.length > 0) charts.push(perEpochChart([...input.runs]));
  for (const group of input.fit?.groups ?? []) charts.push(errorChart(group));
  const traces = (input.traces ?? []).filter((t) => t.samples.length > 0);
  if (traces.length > 0) charts.push(powerChart(traces));
  for (const scan of input.tilingGrids ?? []) if (scan.points.length > 0) charts.push(tilingGridReportChart(scan));
  return charts;
}
