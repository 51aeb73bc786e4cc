/**
 * Import of the published BUTTER-E CSVs (OEDI submission 5991; reference butter-e.md §8) into the runs table, so the
 * energy model can be fitted on the study's own measurements:
 *   butter_e_metadata.csv              run_id, experiment_id, old_experiment_id, slurm_job_id, start_time, update_time,
 *                                      host_name, size, depth, shape, dataset, learning_rate, batch_size, optimizer,
 *                                      is_gpu, run_data (JSON), batch
 *   runs_with_standardized_energy.csv  the same plus energy, run_time, filter_*, power, std_power, std_energy,
 *                                      energy_overhead, non_overhead_energy, runtime_overhead, non_overhead_runtime
 * Run ids are prefixed `butter-e:` and rows replace on reimport. The derived per-epoch and per-datum energies are
 * computed with the study's definitions (3000 epochs unless run_data says otherwise, 80% training rows).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { MlpEnergyError } from '../errors.js';
import { DATASETS } from '../datasets/specs.js';
import { TEST_FRACTION } from '../datasets/split.js';
import { LONG_RUNTIME_S, RUN_COLUMNS } from './schema.js';
import type { ResultStore } from './store.js';

/** BUTTER-E's core runs: 3000 epochs (reference §3). */
export const BUTTER_E_EPOCHS = 3000;
const KWH_TO_J = 3.6e6;

export type EnergyUnit = 'auto' | 'J' | 'kWh';

export interface ImportResult {
  readonly file: string;
  readonly rows: number;
  readonly withEnergy: number;
  readonly energyUnit: 'J' | 'kWh' | 'none';
}

const REQUIRED = ['run_id', 'experiment_id', 'size', 'depth', 'shape', 'dataset', 'is_gpu'];

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export async function importButterE(store: ResultStore, file: string, options: { energyUnit?: EnergyUnit } = {}): Promise<ImportResult> {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new MlpEnergyError('INVALID_OPTION', `No such file: ${path}. Download butter_e_metadata.csv or runs_with_standardized_energy.csv from https://data.openei.org/submissions/5991 and unzip it.`);
  }
  const source = `read_csv(${sqlString(path)}, header = true, all_varchar = true)`;
  let header: string[];
  try {
    header = (await store.query(`DESCRIBE SELECT * FROM ${source}`)).map((r) => r.column_name as string);
  } catch (error) {
    throw new MlpEnergyError('DATASET_MALFORMED', `${path}: not a readable CSV (${(error as Error).message}). Expected a BUTTER-E CSV with a header row.`);
  }
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new MlpEnergyError('DATASET_MALFORMED', `${path}:1: missing BUTTER-E column(s) ${missing.join(', ')}. Expected the header of butter_e_metadata.csv or runs_with_standardized_energy.csv (reference §8).`);
  }
  const has = (c: string) => header.includes(c);
  const col = (c: string, type: string) => (has(c) ? `TRY_CAST(nullif(${c}, '') AS ${type})` : `CAST(NULL AS ${type})`);
  const bool = (c: string) => (has(c) ? `(lower(${c}) IN ('true', 't', '1', 'yes'))` : 'NULL');

  // Energy unit: the study integrated watts to kWh before converting to joules; a node draws hundreds of watts, so an
  // implied power below 5 W can only mean kWh.
  let unit: 'J' | 'kWh' | 'none' = 'none';
  if (has('energy')) {
    if (options.energyUnit && options.energyUnit !== 'auto') unit = options.energyUnit;
    else {
      const [row] = await store.query(`SELECT median(${col('energy', 'DOUBLE')} / nullif(${col('run_time', 'DOUBLE')}, 0)) AS p FROM ${source}`);
      unit = row.p !== null && (row.p as number) < 5 ? 'kWh' : 'J';
    }
  }
  const energyScale = unit === 'kWh' ? KWH_TO_J : 1;
  const energy = (c: string) => (has(c) ? `${col(c, 'DOUBLE')} * ${c === 'energy' ? energyScale : 1}` : 'NULL');

  const specs = DATASETS.map((d) => `(${sqlString(d.name)}, ${d.rows})`).join(', ');
  const epochs = has('run_data')
    ? `coalesce(TRY_CAST(json_extract_string(run_data, '$.epochs') AS INTEGER), TRY_CAST(json_extract_string(run_data, '$.task.run_config.epochs') AS INTEGER), ${BUTTER_E_EPOCHS})`
    : `${BUTTER_E_EPOCHS}`;
  const values: Record<string, string> = {
    run_id: `'butter-e:' || run_id`,
    experiment_id: `'butter-e:' || experiment_id`,
    sweep: has('batch') ? 'batch' : `'butter-e'`,
    source: `'butter-e'`,
    role: `'run'`,
    dataset: 'dataset',
    synthetic: 'false',
    n_observations: 'd.rows',
    n_train: `d.rows - CAST(ceil(${TEST_FRACTION} * d.rows) AS INTEGER)`,
    n_test: `CAST(ceil(${TEST_FRACTION} * d.rows) AS INTEGER)`,
    shape: 'shape',
    size: col('size', 'BIGINT'),
    depth: col('depth', 'INTEGER'),
    learning_rate: col('learning_rate', 'DOUBLE'),
    batch_size: col('batch_size', 'INTEGER'),
    optimizer: has('optimizer') ? 'optimizer' : 'NULL',
    epochs: 'ep',
    is_gpu: bool('is_gpu'),
    device: `CASE WHEN ${bool('is_gpu')} THEN 'gpu' ELSE 'cpu' END`,
    host_name: has('host_name') ? 'host_name' : 'NULL',
    // Local Denver time with a spurious "Z" (reference §5): kept as written.
    start_time: col('start_time', 'TIMESTAMPTZ'),
    update_time: col('update_time', 'TIMESTAMPTZ'),
    run_time: col('run_time', 'DOUBLE'),
    energy: energy('energy'),
    energy_source: `'butter-e node meter (hpcmon, 1-minute samples)'`,
    estimated: 'false',
    power: col('power', 'DOUBLE'),
    std_power: col('std_power', 'DOUBLE'),
    std_energy: energy('std_energy'),
    energy_overhead: energy('energy_overhead'),
    runtime_overhead: col('runtime_overhead', 'DOUBLE'),
    non_overhead_energy: energy('non_overhead_energy'),
    non_overhead_runtime: col('non_overhead_runtime', 'DOUBLE'),
    energy_per_epoch: `${energy('non_overhead_energy')} / ep`,
    num_training_batches_per_epoch: `CAST(ceil((d.rows - ceil(${TEST_FRACTION} * d.rows)) / ${col('batch_size', 'DOUBLE')}) AS INTEGER)`,
    energy_per_training_batch: `${energy('non_overhead_energy')} / (ceil((d.rows - ceil(${TEST_FRACTION} * d.rows)) / ${col('batch_size', 'DOUBLE')}) * ep)`,
    energy_per_training_datum: `${energy('non_overhead_energy')} / (ceil((d.rows - ceil(${TEST_FRACTION} * d.rows)) / ${col('batch_size', 'DOUBLE')}) * ep) / ${col('batch_size', 'DOUBLE')}`,
    filter_long_runtime: has('filter_1') ? bool('filter_1') : has('run_time') ? `coalesce(${col('run_time', 'DOUBLE')} > ${LONG_RUNTIME_S}, false)` : 'NULL',
    filter_zero_energy: has('filter_2') ? bool('filter_2') : has('energy') ? `(${col('energy', 'DOUBLE')} IS NULL OR ${col('energy', 'DOUBLE')} <= 0)` : 'NULL',
    filter_runtime_outlier: has('filter_3') ? bool('filter_3') : 'NULL',
    filter_nonpositive_energy: has('non_overhead_energy') ? `(${col('non_overhead_energy', 'DOUBLE')} <= 0)` : 'NULL',
    run_data: has('run_data') ? 'TRY_CAST(run_data AS JSON)' : 'NULL',
  };
  const names = RUN_COLUMNS.map((c) => c.name).filter((n) => n in values);
  // A metadata-only file never clobbers energies that runs_with_standardized_energy.csv brought in.
  const sql = `INSERT OR ${has('energy') ? 'REPLACE' : 'IGNORE'} INTO runs (${names.join(', ')})
    SELECT ${names.map((n) => values[n]).join(', ')}
    FROM (SELECT *, ${epochs} AS ep FROM ${source}) s
    LEFT JOIN (VALUES ${specs}) d(name, rows) ON d.name = s.dataset`;
  try {
    await store.run('BEGIN TRANSACTION');
    await store.run(sql);
    await store.run('COMMIT');
  } catch (error) {
    await store.run('ROLLBACK').catch(() => undefined);
    throw new MlpEnergyError('DATASET_MALFORMED', `${path}: import failed (${(error as Error).message}). Check that the file is an unmodified BUTTER-E CSV.`, { cause: error });
  }
  const [count] = await store.query(`SELECT count(*) AS n, count(r.energy) AS e FROM ${source} s JOIN runs r ON r.run_id = 'butter-e:' || s.run_id`);
  return { file: path, rows: count.n as number, withEnergy: count.e as number, energyUnit: unit };
}
