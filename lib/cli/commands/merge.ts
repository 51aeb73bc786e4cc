/**
 * `mlp-energy merge DIR --out results.duckdb`: merges a sharded job's stores into one, idempotently.
 * Exit code 0 when every planned run is merged, 3 when some are still to do (listed, with the resubmit command);
 * 2 is a usage error, as for every command.
 */
import type { Command } from 'commander';
import { mergeJob, type JobMergeReport } from '../../cluster/job.js';
import { EXIT } from './exit-codes.js';

export interface MergeCommandOptions {
  out: string;
  json?: boolean;
}

/** Lists at most this many missing run ids per shard; the JSON output has them all. */
const LISTED = 5;

function format(dir: string, report: JobMergeReport): string {
  const lines = [`Merged ${report.merged} new runs into ${report.out}: ${report.done}/${report.planned} planned runs present.`];
  const taken = Object.entries(report.keysTaken);
  if (taken.length) {
    lines.push(`Tunings: ${taken.map(([table, n]) => `${n} ${table} key(s)`).join(', ')} taken from the shards (the newest save per machine and shape wins).`);
  }
  for (const s of report.shards) {
    if (s.state === 'complete') continue;
    const shown = s.missing.slice(0, LISTED).join(', ') + (s.missing.length > LISTED ? `, … (${s.missing.length - LISTED} more)` : '');
    lines.push(`  shard ${s.index}: ${s.state}${s.reason ? ` (${s.reason})` : ''}, ${s.missing.length} of ${s.planned} runs to do: ${shown}`);
  }
  if (!report.complete) lines.push(`Resubmit the unfinished shards with: mlp-energy slurm --dir ${dir} --resubmit-missing`);
  if (report.slurmTasks.length) {
    lines.push('Slurm ConsumedEnergy beside ours (J, whole task vs measured runs):');
    for (const t of report.slurmTasks) lines.push(`  ${t.job_id}_${t.task_id}: slurm ${t.consumed_energy_j ?? 'n/a'}, ours ${t.energy_j ?? 'n/a'} over ${t.runs} runs`);
  } else if (!report.accounting.available) {
    lines.push(`Slurm energy accounting not recorded: ${report.accounting.reason}`);
  }
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('merge')
    .description('Merge the shard stores of a Slurm job directory into one store (idempotent; reports runs still to do).')
    .argument('<dir>', 'job directory written by `mlp-energy slurm`')
    .option('--out <file>', 'merged store', 'results.duckdb')
    .option('--json', 'machine-readable output')
    .action(async (dir: string, opts: MergeCommandOptions) => {
      const report = await mergeJob(dir, opts.out);
      process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : format(dir, report)) + '\n');
      if (!report.complete) process.exitCode = EXIT.incomplete;
    });
}
