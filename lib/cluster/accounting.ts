/**
 * Slurm's own energy figure beside ours. Where the cluster gathers energy (AcctGatherEnergyType other than
 * none, e.g. acct_gather_energy/rapl or ipmi), sacct's ConsumedEnergyRaw gives joules per array task; the merged
 * store keeps it in `slurm_tasks` next to the sum of our measured run energies for the same shard.
 * Slurm's figure covers the whole task (start-up, idle calibration, gaps between runs), ours only the measured
 * windows, so Slurm's is expected to be the larger; a large gap the other way points at a metering problem.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import type { Accounting } from './slurm-commands.js';
import { quoteLiteral } from './merge.js';

export const SLURM_TASKS_SQL = `CREATE TABLE IF NOT EXISTS slurm_tasks (
  job_id VARCHAR, task_id INTEGER, shard INTEGER, nodes VARCHAR, state VARCHAR,
  elapsed_s DOUBLE, consumed_energy_j DOUBLE, energy_plugin VARCHAR,
  runs INTEGER, energy_j DOUBLE, recorded_at TIMESTAMPTZ,
  PRIMARY KEY (job_id, task_id))`;

export interface SlurmTaskRecord {
  job_id: string;
  task_id: number;
  consumed_energy_j: number | null;
  /** Sum of our `energy` over the shard's merged runs, joules. */
  energy_j: number | null;
  runs: number;
}

/**
 * Upserts one row per accounted array task (so recording again after a resubmission refreshes, never
 * duplicates). `planned[i]` are shard i's run ids. Returns the rows written; none where accounting is off.
 */
export async function recordSlurmAccounting(out: string, accounting: Accounting, planned: readonly string[][]): Promise<SlurmTaskRecord[]> {
  if (!accounting.available) return [];
  const instance = await DuckDBInstance.create(out);
  const db = await instance.connect();
  const written: SlurmTaskRecord[] = [];
  try {
    await db.run(SLURM_TASKS_SQL);
    const hasRuns = (await db.runAndReadAll(`SELECT 1 FROM duckdb_tables() WHERE table_name = 'runs' AND schema_name = 'main'`)).getRows().length > 0;
    for (const task of accounting.tasks) {
      const ids = planned[task.taskId];
      if (!ids) continue;
      const list = ids.length ? ids.map(quoteLiteral).join(',') : 'NULL';
      const [ours] = hasRuns
        ? ((await db.runAndReadAll(`SELECT count(*)::INTEGER AS runs, sum(energy) AS energy_j FROM runs WHERE run_id IN (${list})`)).getRowObjectsJS() as Array<{
            runs: number;
            energy_j: number | null;
          }>)
        : [{ runs: 0, energy_j: null }];
      const sql = (v: number | string | null) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : quoteLiteral(v));
      await db.run(
        `INSERT OR REPLACE INTO slurm_tasks VALUES (${[
          sql(task.jobId), task.taskId, task.taskId, sql(task.nodes), sql(task.state), sql(task.elapsed_s),
          sql(task.consumed_energy_j), sql(accounting.energyPlugin), ours.runs, sql(ours.energy_j),
        ].join(', ')}, now())`,
      );
      written.push({ job_id: task.jobId, task_id: task.taskId, consumed_energy_j: task.consumed_energy_j, energy_j: ours.energy_j, runs: ours.runs });
    }
  } finally {
    db.closeSync();
    instance.closeSync();
  }
  return written;
}
