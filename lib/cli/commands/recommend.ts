/**
 * `mlp-energy recommend --budget N --dataset D [--device]`: shapes, depths and thread counts ranked by predicted
 * J/datum for a parameter budget, with the cache level each layout's working sets sit in; shapes that build the
 * same network are one entry.
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

/** One line per entry; shapes that build the same network are named together, `rectangle (= trapezoid, …)`. */
export function formatRecommendations(result: RecommendResult): string {
  const sets = result.ranked.map((r) => `${r.levels.l} ${r.levels.f} ${r.levels.b} ${r.levels.d}`);
  const setsHeader = 'working sets (l f b d)';
  const setsWidth = Math.max(setsHeader.length, ...sets.map((s) => s.length));
  const lines = [`${'rank'.padStart(4)} ${'depth'.padStart(5)} ${'threads'.padStart(7)} ${'params'.padStart(10)} ${'J/datum'.padStart(10)}  ${setsHeader.padEnd(setsWidth)}  shape`];
  result.ranked.forEach((r, i) => {
    const [shape, ...same] = r.shapes;
    lines.push(
      `${String(i + 1).padStart(4)} ${String(r.depth).padStart(5)} ${String(r.threads ?? '-').padStart(7)} ${String(r.numFreeParameters).padStart(10)} ${r.jPerDatum.toExponential(3).padStart(10)}  ${sets[i].padEnd(setsWidth)}  ${shape}${same.length ? ` (= ${same.join(', ')})` : ''}`,
    );
  });
  if (result.skipped.length) lines.push(`${result.skipped.length} shape/depth layouts cannot meet the budget within 20% and were skipped.`);
  return lines.join('\n');
}

export function register(program: Command): void {
  addModelOptions(program.command('recommend').description('Rank network layouts for a parameter budget by predicted J/datum.'))
    .requiredOption('--budget <n>', 'parameter budget')
    .requiredOption('--dataset <name>', 'a dataset some stored run used')
    .option('--top <n>', 'how many distinct networks to list', '10')
    .option('--batch-size <n>', 'minibatch size', '256')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nShapes that build the same network (same widths and skips, e.g. every shape at depth 2) are one entry naming them all\n' +
        '(--json: `shapes`, with `shape` the first); one entry per network and thread count.\n' +
        'Exit codes: 0 ranked, 1 error, 2 invalid options, a missing --store, or a budget no layout meets within 20% (the message names the smallest that does).',
    )
    .action(async (opts: RecommendCommandOptions & { json?: boolean }) => {
      const result = await recommendCommand(opts);
      process.stdout.write((opts.json ? JSON.stringify(result, null, 2) : formatRecommendations(result)) + '\n');
    });
}
