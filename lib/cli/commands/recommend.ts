/**
 * `mlp-energy recommend --budget N --dataset D [--device]`: shapes, depths and thread counts ranked by predicted
 * J/datum for a parameter budget, with the cache level each layout's working sets sit in.
 */
import type { Command } from 'commander';
import { datasetDims, recommend, type RecommendResult } from '../../model/predict.js';
import { integerIn, numberText } from '../../validate.js';
import { addModelOptions, type ModelCommandOptions } from './fit.js';
import { fittedGroup } from './predict.js';

export interface RecommendCommandOptions extends ModelCommandOptions {
  budget: string;
  dataset: string;
  top?: string;
  batchSize?: string;
}

export async function recommendCommand(opts: RecommendCommandOptions): Promise<RecommendResult> {
  const { group, runs } = await fittedGroup(opts);
  return recommend(
    group,
    {
      parameterBudget: integerIn('--budget', numberText('--budget', opts.budget), 1),
      dataset: opts.dataset,
      top: opts.top === undefined ? undefined : numberText('--top', opts.top),
      batchSize: opts.batchSize === undefined ? undefined : integerIn('--batch-size', numberText('--batch-size', opts.batchSize), 1),
    },
    datasetDims(runs),
    runs.map((r) => r.threads ?? null),
  );
}

export function formatRecommendations(result: RecommendResult): string {
  const lines = [`${'rank'.padStart(4)}  ${'shape'.padEnd(18)} ${'depth'.padStart(5)} ${'threads'.padStart(7)} ${'params'.padStart(10)} ${'J/datum'.padStart(10)}  working sets (l f b d)`];
  result.ranked.forEach((r, i) => {
    lines.push(
      `${String(i + 1).padStart(4)}  ${r.shape.padEnd(18)} ${String(r.depth).padStart(5)} ${String(r.threads ?? '-').padStart(7)} ${String(r.numFreeParameters).padStart(10)} ${r.jPerDatum.toExponential(3).padStart(10)}  ${r.levels.l} ${r.levels.f} ${r.levels.b} ${r.levels.d}`,
    );
  });
  if (result.skipped.length) lines.push(`${result.skipped.length} shape/depth layouts cannot meet the budget within 20% and were skipped.`);
  return lines.join('\n');
}

export function register(program: Command): void {
  addModelOptions(program.command('recommend').description('Rank network layouts for a parameter budget by predicted J/datum.'))
    .requiredOption('--budget <n>', 'parameter budget')
    .requiredOption('--dataset <name>', 'a dataset some stored run used')
    .option('--top <n>', 'how many to list', '10')
    .option('--batch-size <n>', 'minibatch size', '256')
    .option('--json', 'machine-readable output')
    .action(async (opts: RecommendCommandOptions & { json?: boolean }) => {
      const result = await recommendCommand(opts);
      process.stdout.write((opts.json ? JSON.stringify(result, null, 2) : formatRecommendations(result)) + '\n');
    });
}
