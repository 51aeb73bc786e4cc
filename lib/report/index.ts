/** `writeReport`: fit, chart and write the self-contained HTML report (and optionally the same charts as SVG). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { MlpEnergyError, unwritable } from '../errors.js';
import { fitEnergyModel, groupRuns, type EnergyModelFit, type FitOptions } from '../model/fit.js';
import type { RunRecord } from '../model/records.js';
import type { TilingGridScan } from '../tune/grid-store.js';
import { refuseOverwritingStore } from '../store/store.js';
import { buildCharts, type Chart, type RunPowerTrace } from './charts.js';
import { renderHtml } from './html.js';
import { writeSvgs } from './svg.js';

export type { Chart, RunPowerTrace } from './charts.js';
export { buildCharts } from './charts.js';
export { renderHtml } from './html.js';
export { chartToSvg, writeSvgs } from './svg.js';

export interface ReportOptions extends FitOptions {
  readonly runs: readonly RunRecord[];
  readonly out: string;
  readonly svgDir?: string;
  readonly traces?: readonly RunPowerTrace[];
  /** `mlp-energy tune --grid` scans to chart (loadGridScans); none: no tiling-grid chart. */
  readonly tilingGrids?: readonly TilingGridScan[];
  readonly source?: string;
  readonly title?: string;
}

export interface ReportResult {
  readonly out: string;
  readonly charts: Chart[];
  readonly svgs: string[];
  readonly fit: EnergyModelFit | null;
  readonly fitError: string | null;
}

export async function writeReport(options: ReportOptions): Promise<ReportResult> {
  const grids = options.tilingGrids?.length ?? 0;
  if (options.runs.length === 0 && grids === 0) {
    throw new MlpEnergyError('INVALID_DATA', 'No runs to report; run `mlp-energy sweep` first (or pass --store with the results file).');
  }
  refuseOverwritingStore(resolve(options.out), 'out');
  const groups = groupRuns(options.runs, options);
  const runs = groups.flatMap((g) => g.runs);
  let fit: EnergyModelFit | null = null;
  // A store with only `tune --grid` scans still gets its tiling-grid charts.
  let fitError: string | null = runs.length === 0 ? 'no runs yet; run `mlp-energy sweep` for the energy model' : null;
  try {
    if (runs.length > 0) fit = fitEnergyModel(runs, options);
  } catch (error) {
    // An underdetermined model still leaves a useful report of the measurements; say why there is no model.
    if ((error as { code?: string }).code !== 'MODEL_UNDERDETERMINED') throw error;
    fitError = (error as Error).message;
  }
  const charts = buildCharts({ runs, groups, fit, traces: options.traces, tilingGrids: options.tilingGrids });
  const html = renderHtml({
    title: options.title ?? 'mlp-energy report',
    generatedAt: new Date().toISOString(),
    source: options.source ?? 'records passed in',
    runs,
    charts,
    fit,
    fitError,
  });
  const out = resolve(options.out);
  let svgs: string[] = [];
  try {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, html);
  } catch (error) {
    throw unwritable('out', out, error);
  }
  try {
    if (options.svgDir) svgs = await writeSvgs(charts, options.svgDir);
  } catch (error) {
    throw unwritable('svgDir', options.svgDir!, error);
  }
  return { out, charts, svgs, fit, fitError };
}
