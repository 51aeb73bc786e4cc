/**
 * A sharded sweep as a Slurm job array, end to end: prepare (freeze the plan, write the script), submit,
 * status, resubmit what is missing, merge. Each step reads the job directory, so they can run days apart,
 * from any login node.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MlpEnergyError } from '../errors.js';
import { ResultStore } from '../store/store.js';
import { recordSlurmAccounting, type SlurmTaskRecord } from './accounting.js';
import { createJobDir, jobDir, readJobRecord, recordSubmission, writeJobRecord, type JobDir, type JobRecord, type Submission } from './job-dir.js';
import { mergeStores, refuseShardAsOut, type MergeReport } from './merge.js';
import { plannedRunIds, readPlanFile, writePlanFile } from './plan-file.js';
import type { Plan } from '../sweep/plan.js';
import { arraySpec, checkSbatchOptions, sbatchScript, shellQuote, type SbatchOptions } from './sbatch.js';
import { sacctTasks, sbatch, type Accounting } from './slurm-commands.js';
import { jobStatus, shardsToResubmit, type JobStatus } from './status.js';

/** `node …/dist/lib/cli/main.js`: the build that prepares the job also runs it (shared filesystem assumed). */
export function defaultLauncher(): string {
  const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  if (!existsSync(cli)) {
    throw new MlpEnergyError(
      'SLURM_ERROR',
      `Cannot find the compiled CLI at ${cli}. Build it (npm run build), or pass --launcher with the command that starts mlp-energy on the compute nodes (e.g. "npx mlp-energy").`,
    );
  }
  return `${shellQuote(process.execPath)} ${shellQuote(cli)}`;
}

export interface LoadedJob {
  layout: JobDir;
  record: JobRecord;
  plan: Plan;
  /** planned[i]: the run ids shard i owns. */
  planned: string[][];
}

export function loadJob(dir: string): LoadedJob {
  const layout = jobDir(dir);
  const record = readJobRecord(layout);
  const plan = readPlanFile(layout.planFile);
  return { layout, record, plan, planned: plannedRunIds(plan, record.shards) };
}

/** Freezes `plan` into `dir` and writes the array script; refuses a directory that already holds a job. */
export function prepareJob(plan: Plan, dir: string, options: SbatchOptions, launcher = defaultLauncher()): LoadedJob {
  const checked = checkSbatchOptions(options);
  const layout = jobDir(dir);
  if (existsSync(layout.recordFile)) {
    throw new MlpEnergyError(
      'SLURM_ERROR',
      `${layout.dir} already holds a prepared job. Submit it (--submit), resubmit its missing shards (--resubmit-missing), or choose another --dir.`,
    );
  }
  if (plan.runs.length === 0) throw new MlpEnergyError('INVALID_SPEC', 'The plan has no runs; nothing to shard.');
  if (checked.shards > plan.runs.length) {
    throw new MlpEnergyError('INVALID_OPTION', `--array ${checked.shards} exceeds the plan's ${plan.runs.length} runs; use at most ${plan.runs.length} shards.`);
  }
  createJobDir(dir);
  writePlanFile(layout.planFile, plan);
  writeFileSync(layout.scriptFile, sbatchScript(checked, { launcher, planFile: layout.planFile, dir: layout.dir, logDir: layout.logDir }), { mode: 0o755 });
  const record: JobRecord = { version: 1, shards: checked.shards, options: checked, created_at: new Date().toISOString(), submissions: [] };
  writeJobRecord(layout, record);
  return loadJob(dir);
}

/** Submits the job's array (all shards, or the listed ones) and records the job id. */
export async function submitJob(dir: string, tasks?: readonly number[]): Promise<Submission> {
  const { layout, record } = loadJob(dir);
  const all = Array.from({ length: record.shards }, (_, i) => i);
  const chosen = tasks ?? all;
  for (const t of chosen) {
    if (!Number.isInteger(t) || t < 0 || t >= record.shards) throw new MlpEnergyError('INVALID_OPTION', `Shard ${t} does not exist; this job has shards 0-${record.shards - 1}.`);
  }
  const jobId = await sbatch(layout.scriptFile, tasks ? arraySpec(chosen) : undefined);
  return recordSubmission(layout, jobId, [...chosen]);
}

export async function statusOfJob(dir: string): Promise<JobStatus> {
  const { layout, record, planned } = loadJob(dir);
  return jobStatus(layout, record, planned);
}

/** Resubmits only the shards that left the queue unfinished (their tasks resume: stored runs are skipped). */
export async function resubmitMissing(dir: string): Promise<{ shards: number[]; submission: Submission | null }> {
  const shards = shardsToResubmit(await statusOfJob(dir));
  return { shards, submission: shards.length ? await submitJob(dir, shards) : null };
}

export interface JobMergeReport extends MergeReport {
  accounting: Accounting;
  slurmTasks: SlurmTaskRecord[];
}

/** Merges every shard store of the job into `out`, then records Slurm's energy figures where it has them. */
export async function mergeJob(dir: string, out: string): Promise<JobMergeReport> {
  const { layout, record, planned } = loadJob(dir);
  const inputs = planned.map((ids, index) => ({ index, file: layout.shardStore(index), planned: ids }));
  refuseShardAsOut(out, inputs); // before the schema below is written into it
  // The store's own schema and views first, so a merged store is a results store like any other.
  (await ResultStore.open(out)).close();
  const report = await mergeStores(out, inputs);
  // QC's runtime-outlier filter compares runs within (device, dataset, size) groups; each shard saw only part of them.
  const store = await ResultStore.open(out);
  try {
    await store.refreshQc();
  } finally {
    store.close();
  }
  const jobIds = [...new Set(record.submissions.map((s) => s.job_id))];
  let accounting: Accounting = { available: false, reason: 'the job was never submitted', tasks: [] };
  if (jobIds.length) {
    try {
      accounting = await sacctTasks(jobIds);
    } catch (error) {
      // Merging works off-cluster too (shard files copied home); Slurm's figures are then simply absent.
      accounting = { available: false, reason: (error as Error).message, tasks: [] };
    }
  }
  return { ...report, accounting, slurmTasks: await recordSlurmAccounting(out, accounting, planned) };
}
