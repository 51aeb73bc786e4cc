/**
 * `mlp-energy predict --dataset D --shape S --size N --depth K`: J/datum of a configuration never run, from the
 * model fitted on the store, with the cache level of each working set.
 */
import type { Command } from 'commander';
import { MlpEnergyError } from '../../errors.js';
import { fitEnergyModel, type DeviceFit } from '../../model/fit.js';
import { datasetDims, predict, type Prediction } from '../../model/predict.js';
import { loadRuns, resolveProfiles } from '../../model/source.js';
import type { RunRecord } from '../../model/records.js';
import type { Shape } from '../../networks.js';
import { integerIn, numberText } from '../../validate.js';
import { addModelOptions, deviceOption, foldsOption, type ModelCommandOptions } from './fit.js';
import { noticeOnStderr } from '../store-option.js';

export interface PredictCommandOptions extends ModelCommandOptions {
  dataset: string;
  shape: string;
  size: string;
  depth: string;
  batchSize?: string;
  threads?: string;
}

/** The fitted group for a device class (CPU unless asked), refusing to guess between several machines. */
export async function fittedGroup(opts: ModelCommandOptions): Promise<{ group: DeviceFit; runs: RunRecord[] }> {
  const device = deviceOption(opts.device) ?? 'cpu';
  const runs = await loadRuns(opts.store, noticeOnStderr);
  const fit = fitEnergyModel(runs, { profiles: resolveProfiles(opts.profile), device, folds: foldsOption(opts.folds) });
  const mine = fit.groups.filter((g) => !g.profile.name.startsWith('eagle-'));
  const group = mine.length === 1 ? mine[0] : fit.groups.length === 1 ? fit.groups[0] : undefined;
  if (!group) {
    throw new MlpEnergyError('INVALID_OPTION', `The store holds ${device} runs of several machines (${fit.groups.map((g) => g.profile.name).join(', ')}); pass --profile to pick one.`);
  }
  const ids = new Set(group.perRun.map((p) => p.run_id));
  return { group, runs: runs.filter((r) => ids.has(r.run_id)) };
}

export function formatPrediction(p: Prediction): string {
  return [
    `${p.jPerDatum.toExponential(3)} J/datum, ${p.jPerEpoch.toExponential(3)} J/epoch`,
    `  network: widths ${p.widths.join('-')}, ${p.numFreeParameters} parameters, ${p.flopsPerDatum.toExponential(3)} FLOP/datum`,
    `  working sets: l in ${p.levels.l}, f in ${p.levels.f}, b in ${p.levels.b}, d in ${p.levels.d}`,
    `  terms (J/datum): ${p.terms.map((t) => `${t.name} ${t.jPerDatum.toExponential(2)}`).join(', ')}`,
  ].join('\n');
}

export async function predictCommand(opts: PredictCommandOptions): Promise<Prediction> {
  const { group, runs } = await fittedGroup(opts);
  return predict(
    group,
    {
      dataset: opts.dataset,
      shape: opts.shape as Shape,
      size: numberText('--size', opts.size),
      depth: numberText('--depth', opts.depth),
      batchSize: opts.batchSize === undefined ? undefined : integerIn('--batch-size', numberText('--batch-size', opts.batchSize), 1),
      threads: opts.threads === undefined ? undefined : numberText('--threads', opts.threads),
    },
    datasetDims(runs),
  );
}

export function register(program: Command): void {
  addModelOptions(program.command('predict').description('Predict J/datum of a configuration from the model fitted on the store.'))
    .requiredOption('--dataset <name>', 'a dataset some stored run used')
    .requiredOption('--shape <shape>', 'BUTTER shape, e.g. rectangle')
    .requiredOption('--size <n>', 'parameter budget')
    .requiredOption('--depth <k>', 'dense layers including the output layer')
    .option('--batch-size <n>', 'minibatch size', '256')
    .option('--threads <n>', 'GEMM threads of the run')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExit codes: 0 predicted, 1 error, 2 invalid options, a missing --store, or a --size no network of this shape and depth meets within 20% (the message names the smallest that does).')
    .action(async (opts: PredictCommandOptions) => {
      const p = await predictCommand(opts);
      process.stdout.write((opts.json ? JSON.stringify(p, null, 2) : formatPrediction(p)) + '\n');
    });
}
