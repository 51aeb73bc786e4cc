/**
 * The results schema. Column names follow BUTTER-E where the concept is the same (reference butter-e.md §5, §8;
 * design.md "Records"); units are SI and stated here: energies in joules, times in seconds, powers in watts,
 * sizes in bytes. One table-driven list per table so inserts, exports and docs cannot drift apart.
 */
export interface Column {
  readonly name: string;
  readonly type: string;
  readonly doc: string;
}

const c = (name: string, type: string, doc: string): Column => ({ name, type, doc });

/** BUTTER-E filter_1 (2_qc.ipynb, "long runtimes"): runs longer than this many seconds are flagged and left out. */
export const LONG_RUNTIME_S = 75_000;

export const RUN_COLUMNS: readonly Column[] = [
  c('run_id', 'VARCHAR PRIMARY KEY', 'stable id of the run: hash of its configuration, repetition and seed (same plan → same ids)'),
  c('experiment_id', 'VARCHAR', 'id of the configuration without repetition/seed; repetitions share it'),
  c('sweep', 'VARCHAR', 'name of the sweep spec (or BUTTER-E batch for imports)'),
  c('source', 'VARCHAR', "'mlp-energy' for measured runs, 'butter-e' for imported ones"),
  c('role', 'VARCHAR', "'run', or 'overhead_reference' for the tiny runs that estimate per-run overhead"),
  c('repetition', 'INTEGER', 'repetition index within the experiment, from 0'),
  c('seed', 'BIGINT', 'seed of the split, initialisation and shuffling'),
  c('dataset', 'VARCHAR', 'BUTTER dataset name'),
  c('synthetic', 'BOOLEAN', 'true when the data were a shape-true synthetic stand-in (file absent)'),
  c('task', 'VARCHAR', "'classification' or 'regression'"),
  c('n_observations', 'INTEGER', 'rows in the dataset (train + test)'),
  c('n_train', 'INTEGER', 'training rows (80%)'),
  c('n_test', 'INTEGER', 'test rows (20%)'),
  c('n_inputs', 'INTEGER', 'network input width after preprocessing'),
  c('n_outputs', 'INTEGER', 'network output width'),
  c('shape', 'VARCHAR', 'BUTTER shape'),
  c('size', 'BIGINT', 'target number of free parameters'),
  c('depth', 'INTEGER', 'number of dense layers including the output layer'),
  c('widths', 'INTEGER[]', 'layer widths, the last being n_outputs'),
  c('num_free_parameters', 'BIGINT', 'exact parameter count (weights + biases)'),
  c('learning_rate', 'DOUBLE', 'Adam learning rate'),
  c('batch_size', 'INTEGER', 'minibatch size'),
  c('optimizer', 'VARCHAR', "'adam'"),
  c('epochs', 'INTEGER', 'epochs trained'),
  c('is_gpu', 'BOOLEAN', 'trained on a GPU'),
  c('device', 'VARCHAR', "'cpu' or 'gpu'"),
  c('host_name', 'VARCHAR', 'machine name'),
  c('tiling_name', 'VARCHAR', "tiling label from the spec ('default' or an explicit one)"),
  c('tiling_mc', 'INTEGER', 'GEMM mc (rows of the packed A block)'),
  c('tiling_kc', 'INTEGER', 'GEMM kc (depth of the packed blocks)'),
  c('tiling_nc', 'INTEGER', 'GEMM nc (columns of the packed B panel)'),
  c('tiling_mr', 'INTEGER', 'micro-tile rows'),
  c('tiling_nr', 'INTEGER', 'micro-tile columns'),
  c('tiling_threads', 'INTEGER', 'GEMM threads'),
  c('tiling_isa', 'VARCHAR', 'micro-kernel ISA'),
  c('tiling_sup', 'BOOLEAN', 'small products could take the unpacked path (false: all packed); NULL in runs stored before it was recorded'),
  c('start_time', 'TIMESTAMPTZ', 'start of the measured window'),
  c('update_time', 'TIMESTAMPTZ', 'end of the measured window (BUTTER-E: time of the last epoch)'),
  c('run_time', 'DOUBLE', 'seconds of one run: the measured window over window_repeats'),
  c('window_repeats', 'INTEGER', 'trainings of this run back to back in the measured window (1, or more when one is shorter than ~10 counter updates); run_time and energy are per training'),
  c('energy', 'DOUBLE', 'joules of one run (the window over window_repeats), summed over non-nested domains'),
  c('energy_domains', 'JSON', 'joules per domain/device, as measured'),
  c('energy_source', 'VARCHAR', "meter that produced `energy` (e.g. 'rapl-powercap', 'nvml', 'estimate')"),
  c('estimated', 'BOOLEAN', 'true when energy is an estimate, not a hardware counter'),
  c('below_resolution', 'BOOLEAN', "the window was shorter than a counter's update interval or read zero"),
  c('power', 'DOUBLE', 'watts: energy / run_time'),
  c('idle_calibration_id', 'VARCHAR', 'idle calibration in force (idle_calibrations.calibration_id)'),
  c('idle_power', 'DOUBLE', 'watts drawn at idle by the metered domains (calibrated at sweep start)'),
  c('power_offset', 'DOUBLE', 'watts added to standardise to the reference idle power (BUTTER-E: type-median offset)'),
  c('std_power', 'DOUBLE', 'watts: power + power_offset'),
  c('std_energy', 'DOUBLE', 'joules: std_power × run_time (includes idle power, as BUTTER-E)'),
  c('energy_overhead', 'DOUBLE', 'joules of per-run overhead: 5th percentile of std_energy of the tiny reference runs'),
  c('runtime_overhead', 'DOUBLE', 'seconds of per-run overhead, same rule on run_time'),
  c('non_overhead_energy', 'DOUBLE', 'joules: std_energy − energy_overhead'),
  c('non_overhead_runtime', 'DOUBLE', 'seconds: run_time − runtime_overhead'),
  c('energy_per_epoch', 'DOUBLE', 'joules: non_overhead_energy / epochs'),
  c('num_training_batches_per_epoch', 'INTEGER', 'ceil(n_train / batch_size)'),
  c('energy_per_training_batch', 'DOUBLE', 'joules: non_overhead_energy / (batches per epoch × epochs)'),
  c('energy_per_training_datum', 'DOUBLE', 'joules per training datum: energy_per_training_batch / batch_size'),
  c('flops_per_epoch', 'DOUBLE', "floating-point operations per epoch (the paper's forward/backward formulas)"),
  c('working_set_l_bytes', 'DOUBLE', 'inter-layer working set (largest layer), bytes'),
  c('working_set_f_bytes', 'DOUBLE', 'forward-pass working set (weights), bytes'),
  c('working_set_b_bytes', 'DOUBLE', 'backward-pass working set, bytes'),
  c('working_set_d_bytes', 'DOUBLE', 'dataset working set, bytes'),
  c('final_train_loss', 'DOUBLE', 'training loss after the last epoch'),
  c('final_test_loss', 'DOUBLE', 'test loss after the last epoch'),
  c('final_test_accuracy', 'DOUBLE', 'test accuracy after the last epoch (classification)'),
  c('filter_long_runtime', 'BOOLEAN', 'QC: run_time above 75,000 s (BUTTER-E filter_1, "long runtimes")'),
  c('filter_zero_energy', 'BOOLEAN', 'QC: energy is zero or missing (BUTTER-E filter_2)'),
  c('filter_runtime_outlier', 'BOOLEAN', 'QC: log run_time beyond 4 SD of its (device, dataset, size) group (filter_3)'),
  c('filter_nonpositive_energy', 'BOOLEAN', 'QC: non_overhead_energy ≤ 0 (BUTTER-E dropped these)'),
  c('ci_limited_by_resolution', 'BOOLEAN', 'repetitions stopped because the counter resolution bounds the precision'),
  c('ci_half_width', 'DOUBLE', '--until-ci: half-width of the 95% CI of J/datum, relative to the mean, when the repetitions stopped (0.02 = ±2%)'),
  c('ci_target_missed', 'BOOLEAN', '--until-ci: the repetitions reached their cap with the CI still wider than the target'),
  c('run_data', 'JSON', 'anything else: BUTTER-E run_data for imports, meter details for measured runs'),
];

export const EPOCH_COLUMNS: readonly Column[] = [
  c('run_id', 'VARCHAR', 'runs.run_id'),
  c('epoch', 'INTEGER', 'epoch number, from 1'),
  c('train_loss', 'DOUBLE', 'mean training loss over the epoch'),
  c('test_loss', 'DOUBLE', 'test loss after the epoch'),
  c('test_accuracy', 'DOUBLE', 'test accuracy after the epoch (classification; NULL for regression)'),
  c('seconds', 'DOUBLE', 'wall seconds of the epoch'),
];

export const IDLE_COLUMNS: readonly Column[] = [
  c('calibration_id', 'VARCHAR PRIMARY KEY', 'id of this calibration'),
  c('host_name', 'VARCHAR', 'machine name'),
  c('device', 'VARCHAR', "'cpu' or 'gpu'"),
  c('start_time', 'TIMESTAMPTZ', 'when it started'),
  c('seconds', 'DOUBLE', 'seconds measured'),
  c('idle_power', 'DOUBLE', 'watts, summed over domains'),
  c('domains', 'JSON', 'watts per domain'),
  c('energy_source', 'VARCHAR', 'meter used'),
  c('estimated', 'BOOLEAN', 'true when the meter is an estimate'),
];

export const HARDWARE_COLUMNS: readonly Column[] = [
  c('hardware_id', 'VARCHAR PRIMARY KEY', 'hash of the description'),
  c('host_name', 'VARCHAR', 'machine name'),
  c('recorded_at', 'TIMESTAMPTZ', 'when first seen'),
  c('cpu_model', 'VARCHAR', 'CPU model string'),
  c('cpu_count', 'INTEGER', 'logical CPUs'),
  c('memory_bytes', 'BIGINT', 'system memory'),
  c('description', 'JSON', 'caches, GPUs, meters and versions as reported'),
];

export const POWER_TRACE_COLUMNS: readonly Column[] = [
  c('run_id', 'VARCHAR', 'runs.run_id'),
  c('t', 'DOUBLE', 'seconds since the run started'),
  c('domain', 'VARCHAR', "meter domain ('package-0', 'dram-0', 'gpu-0', 'cpu' for the estimate)"),
  c('watts', 'DOUBLE', 'mean power since the previous sample; NULL where the counter could not be read'),
  c('estimated', 'BOOLEAN', 'true when the domain is an estimate (CPU time × watts per core), not a hardware counter'),
];

export const TABLES = {
  runs: RUN_COLUMNS,
  epochs: EPOCH_COLUMNS,
  idle_calibrations: IDLE_COLUMNS,
  hardware: HARDWARE_COLUMNS,
  power_traces: POWER_TRACE_COLUMNS,
} as const;

export type TableName = keyof typeof TABLES;

export function createTableSql(name: TableName): string {
  return `CREATE TABLE IF NOT EXISTS ${name} (${TABLES[name].map((col) => `${col.name} ${col.type}`).join(', ')})`;
}

/**
 * Repetitions aggregated by median per experiment (BUTTER-E: median per (experiment_id, is_gpu)), over runs that pass
 * QC; the overhead reference runs are excluded.
 */
export const EXPERIMENTS_VIEW_SQL = `CREATE OR REPLACE VIEW experiments AS
SELECT experiment_id, is_gpu, any_value(device) AS device, any_value(dataset) AS dataset, any_value(shape) AS shape,
  any_value(size) AS size, any_value(depth) AS depth, any_value(num_free_parameters) AS num_free_parameters,
  any_value(tiling_name) AS tiling_name, any_value(batch_size) AS batch_size, any_value(epochs) AS epochs,
  bool_or(synthetic) AS synthetic, count(*) AS num_runs,
  median(run_time) AS run_time, median(energy) AS energy, median(std_energy) AS std_energy,
  median(non_overhead_energy) AS non_overhead_energy, median(energy_per_epoch) AS energy_per_epoch,
  median(energy_per_training_datum) AS energy_per_training_datum, median(flops_per_epoch) AS flops_per_epoch,
  median(final_test_loss) AS final_test_loss
FROM runs
WHERE role = 'run' AND NOT coalesce(filter_long_runtime, false) AND NOT coalesce(filter_zero_energy, false)
  AND NOT coalesce(filter_runtime_outlier, false) AND NOT coalesce(filter_nonpositive_energy, false)
GROUP BY experiment_id, is_gpu`;
