/**
 * The job directory of a sharded sweep, the one place its layout is spelled out:
 *
 *   DIR/plan.json          the frozen plan every task shards (written once, never regenerated)
 *   DIR/job.sbatch         the array script
 *   DIR/job.json           shard count, sbatch options and every submission (job id + tasks)
 *   DIR/shard-i.duckdb     the store shard i writes (resumable)
 *   DIR/logs/shard-i.log   its stdout/stderr
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MlpEnergyError } from '../errors.js';
import { checkSbatchOptions, shardStoreName, type SbatchOptions } from './sbatch.js';

export interface Submission {
  job_id: string;
  tasks: number[];
  submitted_at: string;
}

export interface JobRecord {
  version: 1;
  shards: number;
  options: SbatchOptions;
  created_at: string;
  submissions: Submission[];
}

export interface JobDir {
  dir: string;
  planFile: string;
  scriptFile: string;
  recordFile: string;
  logDir: string;
  shardStore(index: number): string;
}

export function jobDir(dir: string): JobDir {
  const root = resolve(dir);
  return {
    dir: root,
    planFile: join(root, 'plan.json'),
    scriptFile: join(root, 'job.sbatch'),
    recordFile: join(root, 'job.json'),
    logDir: join(root, 'logs'),
    shardStore: (index) => join(root, shardStoreName(index)),
  };
}

/** Writes via a temp file and rename so a crash never leaves half a record. */
export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export function createJobDir(dir: string): JobDir {
  const layout = jobDir(dir);
  mkdirSync(layout.logDir, { recursive: true });
  return layout;
}

export function writeJobRecord(layout: JobDir, record: JobRecord): void {
  writeAtomic(layout.recordFile, JSON.stringify(record, null, 2) + '\n');
}

export function readJobRecord(layout: JobDir): JobRecord {
  if (!existsSync(layout.recordFile)) {
    throw new MlpEnergyError(
      'SLURM_ERROR',
      `${layout.dir} is not a sharded sweep directory (no job.json). Create one with \`mlp-energy slurm --preset NAME --array N --dir ${layout.dir}\` (or --spec FILE instead of --preset).`,
    );
  }
  let record: JobRecord;
  try {
    record = JSON.parse(readFileSync(layout.recordFile, 'utf8')) as JobRecord;
  } catch (error) {
    throw new MlpEnergyError('SLURM_ERROR', `${layout.recordFile} is not valid JSON (${(error as Error).message}); recreate the job directory.`);
  }
  if (record.version !== 1 || !Array.isArray(record.submissions)) {
    throw new MlpEnergyError('SLURM_ERROR', `${layout.recordFile} has an unknown layout; recreate the job directory with this version of mlp-energy.`);
  }
  record.options = checkSbatchOptions(record.options);
  record.shards = record.options.shards;
  return record;
}

/** Appends a submission to the record (the record is the only memory of which job ran which shard). */
export function recordSubmission(layout: JobDir, jobId: string, tasks: number[]): Submission {
  const record = readJobRecord(layout);
  const submission = { job_id: jobId, tasks: [...tasks].sort((a, b) => a - b), submitted_at: new Date().toISOString() };
  record.submissions.push(submission);
  writeJobRecord(layout, record);
  return submission;
}

/** The latest submission that included each shard (shards never submitted are absent). */
export function latestSubmissionByShard(record: JobRecord): Map<number, Submission> {
  const latest = new Map<number, Submission>();
  for (const submission of record.submissions) for (const task of submission.tasks) latest.set(task, submission);
  return latest;
}
