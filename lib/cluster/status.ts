/**
 * Where each shard of a job stands: done (every planned run stored), running or pending (in the queue),
 * partial or failed (left the queue unfinished), missing (nothing stored, not queued). Shard stores say what is
 * done; squeue says what is queued; sacct, where accounting is enabled, says how a task ended.
 */
import { existsSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { latestSubmissionByShard, type JobDir, type JobRecord } from './job-dir.js';
import { sacctTasks, squeueTasks, type Accounting, type SlurmTask } from './slurm-commands.js';

export type ShardState = 'done' | 'running' | 'pending' | 'partial' | 'failed' | 'missing';

export interface ShardStatus {
  index: number;
  state: ShardState;
  planned: number;
  /** Planned runs found in the shard store; null while a running task holds the store's lock. */
  done: number | null;
  /** Planned run ids not yet stored (empty while unknown). */
  missing: string[];
  job_id: string | null;
  /** Slurm's state for the task: from squeue while queued, from sacct after (null where accounting is off). */
  slurm_state: string | null;
  nodes: string | null;
}

export interface JobStatus {
  shards: ShardStatus[];
  accounting: Accounting;
}

/** Run ids stored in a shard store, or null when it cannot be opened (a running task holds its lock). */
export async function storedRunIds(file: string): Promise<Set<string> | null> {
  if (!existsSync(file)) return new Set();
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  } catch {
    return null;
  }
  const db = await instance.connect();
  try {
    const hasRuns = (await db.runAndReadAll(`SELECT 1 FROM duckdb_tables() WHERE table_name = 'runs' AND schema_name = 'main'`)).getRows().length > 0;
    if (!hasRuns) return new Set();
    const rows = (await db.runAndReadAll('SELECT DISTINCT run_id FROM runs')).getRowObjectsJS() as Array<{ run_id: string }>;
    return new Set(rows.map((r) => r.run_id));
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

const QUEUED = new Set(['PENDING', 'CONFIGURING', 'REQUEUED', 'RESIZING', 'SUSPENDED']);

/** Per-shard status of a job directory; `planned[i]` are shard i's run ids. */
export async function jobStatus(layout: JobDir, record: JobRecord, planned: readonly string[][]): Promise<JobStatus> {
  const latest = latestSubmissionByShard(record);
  const jobIds = [...new Set(record.submissions.map((s) => s.job_id))];
  const queue = await squeueTasks(jobIds);
  const accounting = await sacctTasks(jobIds);
  const find = (tasks: readonly SlurmTask[], index: number) => {
    const jobId = latest.get(index)?.job_id;
    return jobId === undefined ? undefined : tasks.find((t) => t.jobId === jobId && t.taskId === index);
  };
  const shards: ShardStatus[] = [];
  for (let index = 0; index < planned.length; index++) {
    const queued = find(queue, index);
    const accounted = find(accounting.tasks, index);
    const stored = queued?.state === 'RUNNING' ? null : await storedRunIds(layout.shardStore(index));
    const missing = stored ? planned[index].filter((id) => !stored.has(id)) : [];
    const done = stored ? planned[index].length - missing.length : null;
    let state: ShardState;
    if (stored && missing.length === 0) state = 'done';
    else if (queued) state = QUEUED.has(queued.state) ? 'pending' : 'running';
    else if (stored === null) state = 'running';
    else if (accounted && accounted.state !== 'COMPLETED' && accounted.state !== 'RUNNING' && accounted.state !== 'PENDING') state = 'failed';
    else state = done ? 'partial' : 'missing';
    shards.push({
      index,
      state,
      planned: planned[index].length,
      done,
      missing,
      job_id: latest.get(index)?.job_id ?? null,
      slurm_state: queued?.state ?? accounted?.state ?? null,
      nodes: queued?.nodes || accounted?.nodes || null,
    });
  }
  return { shards, accounting };
}

/** Shards worth resubmitting: unfinished and not in the queue. */
export function shardsToResubmit(status: JobStatus): number[] {
  return status.shards.filter((s) => s.state === 'partial' || s.state === 'failed' || s.state === 'missing').map((s) => s.index);
}
