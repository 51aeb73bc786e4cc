/**
 * `mlp-energy fit [--store] [--device] [--profile] [--folds] [--json]`: the cache-aware energy model and its
 * baselines, fitted per device class, with dataset-grouped cross-validated error.
 */
import type { Command } from 'commander';
import { fitEnergyModel, type DeviceFit, type EnergyModelFit } from '../../model/fit.js';
import { DEVICE_CLASSES, type DeviceClass } from '../../model/profiles.js';
import { loadRuns, resolveProfiles } from '../../model/source.js';
import { DEFAULT_STORE } from '../../store/store.js';
import { numberText, oneOf } from '../../validate.js';
import { noticeOnStderr } from '../store-option.js';

export interface ModelCommandOptions {
  store: string;
  device?: string;
  profile?: string[];
  folds?: string;
  json?: boolean;
}

export function deviceOption(value: string | undefined): DeviceClass | undefined {
  return value === undefined ? undefined : oneOf('--device', value, DEVICE_CLASSES);
}

export function foldsOption(value: string | undefined): number | undefined {
  return value === undefined ? undefined : numberText('--folds', value);
}

function num(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return Math.abs(x) !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5) ? x.toExponential(digits) : x.toFixed(digits);
}

export function formatGroup(g: DeviceFit): string {
  const lines = [
    `${g.deviceClass.toUpperCase()} on ${g.profile.name}: ${g.runs} runs, ${g.datasets.length} datasets, ${g.estimatedRuns} with estimated energy`,
    g.folds ? `  error: predicted/measured J/datum, ${g.folds}-fold cross-validation holding out whole datasets` : `  error: in-sample only (${g.cvNote})`,
    `  ${'model'.padEnd(46)} ${'in-sample σ'.padStart(11)} ${'CV mean'.padStart(8)} ${'CV σ'.padStart(8)} ${'CV R²'.padStart(8)} ${'CV MAPE%'.padStart(9)}`,
  ];
  for (const m of g.models) {
    lines.push(
      `  ${m.label.padEnd(46)} ${num(m.inSample.ratioStd).padStart(11)} ${num(m.cv?.ratioMean).padStart(8)} ${num(m.cv?.ratioStd).padStart(8)} ${num(m.cv?.r2).padStart(8)} ${num(m.cv?.mape, 1).padStart(9)}`,
    );
  }
  lines.push('  cache-aware coefficients (NNLS on relative error):');
  for (const c of g.models[0].model.coefficients) {
    lines.push(`    ${c.name.padEnd(12)} ${c.value === null ? 'not identified: no run places bytes here' : num(c.value, 4)} ${c.value === null ? '' : c.unit}`);
  }
  return lines.join('\n');
}

/** The fit without the per-run table unless asked: the JSON stays small for large imports. */
export function fitJson(fit: EnergyModelFit, perRun = false): unknown {
  return { groups: fit.groups.map((g) => (perRun ? g : { ...g, perRun: undefined })) };
}

export async function fitCommand(opts: ModelCommandOptions): Promise<{ fit: EnergyModelFit; text: string }> {
  const device = deviceOption(opts.device);
  const runs = await loadRuns(opts.store, noticeOnStderr);
  const fit = fitEnergyModel(runs, { profiles: resolveProfiles(opts.profile), device, folds: foldsOption(opts.folds) });
  return { fit, text: fit.groups.map(formatGroup).join('\n\n') };
}

export function addModelOptions(command: Command): Command {
  return command
    .option('--store <file>', 'results store', DEFAULT_STORE)
    .option('--device <class>', 'only runs of this device class: cpu or gpu')
    .option('--profile <name|file>', "hardware profile of the runs measured here: 'detected' (default), eagle-cpu, eagle-gpu or a JSON file; repeat for CPU and GPU", (v: string, list: string[] = []) => [...list, v])
    .option('--folds <k>', 'k of the k-fold cross-validation grouped by dataset', '5');
}

export function register(program: Command): void {
  addModelOptions(
    program.command('fit').description('Fit the cache-aware energy model and its baselines per device class; report cross-validated error.'),
  )
    .option('--json', 'machine-readable output')
    .option('--per-run', 'with --json: include every run with its placement and predictions')
    .action(async (opts: ModelCommandOptions & { perRun?: boolean }) => {
      const { fit, text } = await fitCommand(opts);
      process.stdout.write((opts.json ? JSON.stringify(fitJson(fit, opts.perRun), null, 2) : text) + '\n');
    });
}
