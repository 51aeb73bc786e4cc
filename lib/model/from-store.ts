/**
 * Runs for the model from the results store (DuckDB `runs` table, BUTTER-E column names): repetitions aggregated
 * by median per (experiment_id, is_gpu) as the study did, QC-flagged and overhead-reference runs left out.
 * BUTTER-E imports are tagged with the study's Eagle profiles.
 */
import type { RunRecord } from './records.js';

/** What the reader needs from a store: `ResultStore` satisfies it. */
export interface Queryable {
  query(sql: string, params?: never[]): Promise<Array<Record<string, unknown>>>;
}

const RUNS_SQL = `SELECT
  any_value(run_id ORDER BY run_id) AS run_id, experiment_id, is_gpu,
  any_value(source) AS source, any_value(dataset) AS dataset, any_value(shape) AS shape, any_value(size) AS size,
  any_value(depth) AS depth, any_value(widths) AS widths, any_value(n_inputs) AS n_features,
  any_value(n_observations) AS n_observations, any_value(num_free_parameters) AS num_free_parameters,
  any_value(batch_size) AS batch_size, any_value(device) AS device, any_value(tiling_threads) AS threads,
  median(energy_per_training_datum) AS energy_per_training_datum, median(energy_per_epoch) AS energy_per_epoch,
  median(flops_per_epoch) AS flops_per_epoch, bool_or(estimated) AS estimated, count(*) AS repetitions
FROM runs
WHERE coalesce(role, 'run') = 'run' AND NOT coalesce(filter_long_runtime, false) AND NOT coalesce(filter_zero_energy, false)
  AND NOT coalesce(filter_runtime_outlier, false) AND NOT coalesce(filter_nonpositive_energy, false)
  AND energy_per_training_datum > 0
GROUP BY experiment_id, is_gpu
ORDER BY run_id`;

export async function runsFromStore(store: Queryable): Promise<RunRecord[]> {
  const rows = await store.query(RUNS_SQL);
  return rows.map((row) => {
    const isGpu = Boolean(row.is_gpu);
    return {
      run_id: String(row.run_id),
      dataset: String(row.dataset),
      shape: String(row.shape),
      size: Number(row.size),
      depth: Number(row.depth),
      widths: (row.widths as unknown[] | null ?? []).map(Number),
      n_features: Number(row.n_features),
      n_observations: Number(row.n_observations),
      num_free_parameters: Number(row.num_free_parameters),
      batch_size: Number(row.batch_size),
      is_gpu: isGpu,
      device: String(row.device ?? (isGpu ? 'gpu' : 'cpu')),
      threads: row.threads === null || row.threads === undefined ? null : Number(row.threads),
      energy_per_training_datum: Number(row.energy_per_training_datum),
      energy_per_epoch: Number(row.energy_per_epoch),
      flops_per_epoch: Number(row.flops_per_epoch),
      estimated: Boolean(row.estimated),
      // The study's runs used whole Eagle nodes; ours use this machine (the caller's profile).
      profile: row.source === 'butter-e' ? (isGpu ? 'eagle-gpu' : 'eagle-cpu') : null,
    };
  });
}
