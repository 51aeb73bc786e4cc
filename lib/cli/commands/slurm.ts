/**
 * `mlp-energy slurm`: the same sweep as a Slurm job array.
 *   prepare   --preset NAME | --spec FILE | --plan FILE  --array N [--partition --time --gres --account --exclusive]
 *   submit    add --submit (or run it later with only --dir and --submit)
 *   status    --status: done / running / pending / partial / failed / missing per shard
 *   resubmit  --resubmit-missing: only unfinished shards that are not queued
 */
import { Command, Option } from 'commander';
import { MlpEnergyError } from '../../errors.js';
import { prepareJob, resubmitMissing, statusOfJob, submitJob, defaultLauncher, type LoadedJob } from '../../cluster/job.js';
import { readPlanFile } from '../../cluster/plan-file.js';
import { makePlan, type Plan } from '../../sweep/plan.js';
import { resolveSpec } from './sweep.js';
import type { Submission } from '../../cluster/job-dir.js';
import type { SbatchOptions } from '../../cluster/sbatch.js';
import type { JobStatus } from '../../cluster/status.js';

/** The sbatch settings (--partition, --time, --gres, --account, --exclusive, --cpus-per-task) plus the modes. */
export interface SlurmCommandOptions extends Omit<SbatchOptions, 'shards'> {
  preset?: string;
  spec?: string;
  plan?: string;
  array?: number;
  dir: string;
  launcher?: string;
  submit?: boolean;
  status?: boolean;
  resubmitMissing?: boolean;
}

export type SlurmCommandResult =
  | { mode: 'prepare'; dir: string; script: string; shards: number[]; submission: Submission | null }
  | { mode: 'submit'; dir: string; submission: Submission }
  | { mode: 'status'; dir: string; status: JobStatus }
  | { mode: 'resubmit'; dir: string; shards: number[]; submission: Submission | null };

/** The plan the job will shard, from exactly one source. */
function planFrom(options: SlurmCommandOptions): Plan | null {
  const sources = (['preset', 'spec', 'plan'] as const).filter((k) => options[k] !== undefined);
  if (sources.length > 1) throw new MlpEnergyError('INVALID_OPTION', `Give one of --preset, --spec or --plan, not ${sources.map((s) => `--${s}`).join(' and ')}.`);
  if (options.plan !== undefined) return readPlanFile(options.plan);
  if (options.preset !== undefined || options.spec !== undefined) return makePlan(resolveSpec({ preset: options.preset, spec: options.spec }));
  return null;
}

export async function slurmCommand(options: SlurmCommandOptions): Promise<SlurmCommandResult> {
  const modes = [options.status && '--status', options.resubmitMissing && '--resubmit-missing'].filter(Boolean);
  if (modes.length > 1) throw new MlpEnergyError('INVALID_OPTION', 'Give --status or --resubmit-missing, not both.');
  if (options.status) return { mode: 'status', dir: options.dir, status: await statusOfJob(options.dir) };
  if (options.resubmitMissing) return { mode: 'resubmit', dir: options.dir, ...(await resubmitMissing(options.dir)) };
  const plan = planFrom(options);
  if (!plan) {
    if (!options.submit) {
      throw new MlpEnergyError('INVALID_OPTION', 'Nothing to do: give a plan (--preset NAME, --spec FILE or --plan FILE) with --array N, or --submit, --status or --resubmit-missing with --dir.');
    }
    return { mode: 'submit', dir: options.dir, submission: await submitJob(options.dir) };
  }
  if (options.array === undefined) throw new MlpEnergyError('INVALID_OPTION', 'Give --array N: the number of array tasks (shards) to split the plan into.');
  const { partition, time, gres, account, exclusive, cpusPerTask, jobName } = options;
  const sbatch: SbatchOptions = { shards: options.array, partition, time, gres, account, exclusive, cpusPerTask, jobName };
  const job: LoadedJob = prepareJob(plan, options.dir, sbatch, options.launcher ?? defaultLauncher());
  return {
    mode: 'prepare',
    dir: job.layout.dir,
    script: job.layout.scriptFile,
    shards: job.planned.map((ids) => ids.length),
    submission: options.submit ? await submitJob(options.dir) : null,
  };
}

function formatStatus(status: JobStatus): string {
  const lines = ['shard  state     done/planned  job        slurm state   nodes'];
  for (const s of status.shards) {
    lines.push(
      [
        String(s.index).padEnd(6),
        s.state.padEnd(9),
        `${s.done ?? '?'}/${s.planned}`.padEnd(13),
        (s.job_id ? `${s.job_id}_${s.index}` : '-').padEnd(10),
        (s.slurm_state ?? '-').padEnd(13),
        s.nodes ?? '-',
      ].join(' '),
    );
  }
  const totals = status.shards.reduce((t, s) => ({ done: t.done + (s.done ?? 0), planned: t.planned + s.planned }), { done: 0, planned: 0 });
  // Every shard runs the overhead reference runs of its own machine, so these are counted once per shard
  // (merge, which counts distinct planned runs, reports fewer).
  lines.push(`${totals.done}/${totals.planned} shard runs stored, each shard's overhead reference runs included` +
    (status.accounting.available ? '' : ` (sacct: ${status.accounting.reason})`));
  return lines.join('\n');
}

function format(result: SlurmCommandResult): string {
  switch (result.mode) {
    case 'prepare':
      return [
        `Froze the plan into ${result.dir}/plan.json and wrote ${result.script}`,
        `${result.shards.length} shards, runs per shard: ${result.shards.join(' ')}`,
        result.submission
          ? `Submitted batch job ${result.submission.job_id}`
          : `Submit with: sbatch ${result.script}   (or mlp-energy slurm --dir ${result.dir} --submit)`,
        `Then: mlp-energy slurm --dir ${result.dir} --status; mlp-energy merge ${result.dir} --out results.duckdb`,
      ].join('\n');
    case 'submit':
      return `Submitted batch job ${result.submission.job_id}`;
    case 'status':
      return formatStatus(result.status);
    case 'resubmit':
      return result.submission
        ? `Resubmitted shards ${result.shards.join(',')} as batch job ${result.submission.job_id}`
        : 'Nothing to resubmit: every shard is done, running or queued.';
  }
}

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1) throw new MlpEnergyError('INVALID_OPTION', `Expected a positive integer for ${name} but received ${JSON.stringify(value)}`);
  return n;
};

export function register(program: Command): void {
  program
    .command('slurm')
    .description('Run a sweep as a Slurm job array: freeze the plan, shard it, write and submit the sbatch script; then --status, --resubmit-missing, and `merge`.')
    .addOption(new Option('--preset <name>', 'sweep preset to plan'))
    .addOption(new Option('--spec <file>', 'sweep spec (JSON) to plan'))
    .addOption(new Option('--plan <file>', 'an existing frozen plan file'))
    .addOption(new Option('--array <n>', 'number of array tasks (shards)').argParser(positiveInt('--array')))
    .option('--dir <dir>', 'job directory: plan, script, shard stores, logs', 'slurm-sweep')
    .option('--partition <name>', 'Slurm partition')
    .option('--time <limit>', 'wall-time limit per task, e.g. 4:00:00')
    .option('--gres <gres>', 'generic resources per task, e.g. gpu:1')
    .option('--account <name>', 'Slurm account to charge')
    .option('--job-name <name>', 'Slurm job name (default mlp-energy)')
    .option('--exclusive', 'whole node per task (recommended: energy counters are node-wide)')
    .addOption(new Option('--cpus-per-task <n>', "CPUs per task (sbatch --cpus-per-task): should cover the plan's tiling threads; with --exclusive the task holds the whole node anyway").argParser(positiveInt('--cpus-per-task')))
    .option('--launcher <command>', 'command that starts mlp-energy on compute nodes (default: this Node.js and this install\'s CLI; needs a shared filesystem)')
    .option('--submit', 'submit with sbatch and print the job id')
    .option('--status', 'show done/running/pending/partial/failed/missing per shard')
    .option('--resubmit-missing', 'resubmit only unfinished shards that are not queued')
    .option('--json', 'machine-readable output')
    .action(async (opts: SlurmCommandOptions & { json?: boolean }) => {
      const result = await slurmCommand(opts);
      process.stdout.write((opts.json ? JSON.stringify(result, null, 2) : format(result)) + '\n');
    });
}
