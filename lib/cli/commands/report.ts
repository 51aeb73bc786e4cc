/**
 * `mlp-energy report --out report.html [--svg DIR]`: one self-contained HTML report of the store (charts,
 * model error, tables), and optionally the same charts as SVG files.
 */
import type { Command } from 'commander';
import { resolveProfiles, withStore } from '../../model/source.js';
import { runsFromStore } from '../../model/from-store.js';
import { writeReport, type ReportResult } from '../../report/index.js';
import { tracesFromStore } from '../../report/traces.js';
import { loadGridScans } from '../../tune/grid-store.js';
import { addModelOptions, deviceOption, foldsOption, type ModelCommandOptions } from './fit.js';
import { noticeOnStderr } from '../store-option.js';

export interface ReportCommandOptions extends ModelCommandOptions {
  out: string;
  svg?: string;
}

export async function reportCommand(opts: ReportCommandOptions): Promise<ReportResult> {
  const device = deviceOption(opts.device);
  const { runs, traces, tilingGrids } = await withStore(opts.store, async (store) => ({
    runs: await runsFromStore(store),
    traces: await tracesFromStore(store),
    tilingGrids: await loadGridScans(store),
  }), noticeOnStderr);
  return writeReport({
    runs,
    traces,
    tilingGrids,
    out: opts.out,
    svgDir: opts.svg,
    source: opts.store,
    profiles: resolveProfiles(opts.profile),
    device,
    folds: foldsOption(opts.folds),
  });
}

export function register(program: Command): void {
  addModelOptions(program.command('report').description('Write a self-contained HTML report (Vega-Lite charts, model error, tables) of the store.'))
    .option('--out <file>', 'HTML file to write', 'report.html')
    .option('--svg <dir>', 'also write every chart as an SVG file into this directory')
    .action(async (opts: ReportCommandOptions) => {
      const r = await reportCommand(opts);
      const lines = [`Wrote ${r.out} (${r.charts.length} chart${r.charts.length === 1 ? '' : 's'}).`];
      if (r.svgs.length) lines.push(`Wrote ${r.svgs.length} SVG files to ${opts.svg}.`);
      if (r.fitError) lines.push(`Model not fitted: ${r.fitError}`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}
