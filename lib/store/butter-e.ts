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
 * The CSVs carry no widths, parameter counts or FLOPs, which `fit` needs: they are derived as the sweep derives them
 * (networkFor on the dataset's preprocessed widths, flopsPerEpoch, workingSets). Rows that are invalid, name a dataset
 * outside the study's 13, or ask for a network BUTTER could not build within budget are not stored; the result counts
 * them by reason with example CSV lines.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { MlpEnergyError } from '../errors.js';
import { BUTTER_DATASET_NAMES, datasetSpec, type DatasetSpec } from '../datasets/specs.js';
import { TEST_FRACTION } from '../datasets/split.js';
import { flopsPerEpoch, networkFor, SHAPES, workingSets, type Network, type Shape } from '../networks.js';
import { LONG_RUNTIME_S, RUN_COLUMNS } from './schema.js';
import type { ResultStore } from './store.js';

/** BUTTER-E's core runs: 3000 epochs (reference §3). */
export const BUTTER_E_EPOCHS = 3000;
const KWH_TO_J = 3.6e6;

export type EnergyUnit = 'auto' | 'J' | 'kWh';

/** Rows left out for one reason, with the first few CSV line numbers and offending values as examples. */
export interface SkipGroup {
  readonly reason: string;
  readonly count: number;
  readonly lines: readonly number[];
  readonly values: readonly string[];
}

export interface ImportResult {
  readonly file: string;
  readonly rows: number;
  readonly withEnergy: number;
  readonly energyUnit: 'J' | 'kWh' | 'none';
  /** Rows not stored (invalid, or a network BUTTER never built), grouped by reason, most frequent first. */
  readonly skipped: number;
  readonly skippedBy: readonly SkipGroup[];
}

const REQUIRED = ['run_id', 'experiment_id', 'size', 'depth', 'shape', 'dataset', 'is_gpu'];
/** Measured columns of runs_with_standardized_energy.csv: numbers when present. */
const MEASURED = ['energy', 'run_time', 'power', 'std_power', 'std_energy', 'energy_overhead', 'runtime_overhead', 'non_overhead_energy', 'non_overhead_runtime'];
/** BUTTER-E's QC flags (2_qc.ipynb): booleans when present. */
const FLAGS = ['filter_1', 'filter_2', 'filter_3'];
/** The spellings pandas and people write booleans with; the flags' SQL reads its true ones (TRUE_SPELLINGS). */
const BOOLEANS: Readonly<Record<string, boolean>> = { true: true, t: true, yes: true, 1: true, false: false, f: false, no: false, 0: false };
const TRUE_SPELLINGS = Object.keys(BOOLEANS).filter((k) => BOOLEANS[k]);
/** Example lines and values kept per skip reason. */
const EXAMPLES = 3;
/** Derived rows per INSERT statement. */
const CHUNK = 1000;
const CSV_TABLE = 'butter_e_csv';
const DERIVED_TABLE = 'butter_e_derived';

const notANumber = (column: string) => `${column} not a number`;
const notABoolean = (column: string) => `${column} not a boolean`;

export const SKIP = {
  runId: 'run_id missing',
  runIdRepeated: 'run_id repeated in the file (first kept)',
  experimentId: 'experiment_id missing',
  dataset: 'unknown dataset',
  shape: 'unknown shape',
  size: 'size not a positive integer',
  depth: 'depth not an integer ≥ 2',
  isGpu: notABoolean('is_gpu'),
  batchSize: 'batch_size not a positive integer',
  learningRate: 'learning_rate not a positive number',
  offBudget: 'network more than 20% off its size (BUTTER never ran it)',
  noNetwork: 'no BUTTER network for this shape, size and depth',
} as const;

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** The CSV's resolved path, checked to be a readable file before any store is opened or created for it. */
export function butterECsvFile(file: string): string {
  const path = resolve(file);
  const download = 'Download butter_e_metadata.csv or runs_with_standardized_energy.csv from https://data.openei.org/submissions/5991 and unzip it.';
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new MlpEnergyError('INVALID_OPTION', `No such file: ${path}. ${download}`);
  }
  if (!isFile) throw new MlpEnergyError('INVALID_OPTION', `${path} is not a file. Pass the unzipped CSV itself. ${download}`);
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    throw new MlpEnergyError('INVALID_OPTION', `Cannot read ${path}: ${(error as Error).message}. Check its permissions.`, { cause: error });
  }
  return path;
}

/** "3 rows skipped: 2 unknown dataset: "x" (lines 4, 7), 1 size not a positive integer: "abc" (line 5)"; '' when none. */
export function skipSummary(result: Pick<ImportResult, 'skipped' | 'skippedBy'>): string {
  if (result.skipped === 0) return '';
  const more = (shown: number, all: number) => (all > shown ? ', …' : '');
  const groups = result.skippedBy.map((g) =>
    `${g.count} ${g.reason}${g.values.length ? `: ${g.values.join('; ')}` : ''} (line${g.count > 1 ? 's' : ''} ${g.lines.join(', ')}${more(g.lines.length, g.count)})`);
  return `${result.skipped} row${result.skipped > 1 ? 's' : ''} skipped: ${groups.join(', ')}`;
}

class Skips {
  private readonly groups = new Map<string, { count: number; lines: number[]; values: string[] }>();
  total = 0;
  add(reason: string, line: number, value: string): void {
    const group = this.groups.get(reason) ?? { count: 0, lines: [], values: [] };
    group.count++;
    if (group.lines.length < EXAMPLES) group.lines.push(line);
    if (group.values.length < EXAMPLES && !group.values.includes(value)) group.values.push(value);
    this.groups.set(reason, group);
    this.total++;
  }
  list(): SkipGroup[] {
    return [...this.groups].map(([reason, g]) => ({ reason, ...g })).sort((a, b) => b.count - a.count);
  }
}

type Text = string | null;

/** A whole positive number as pandas or a person writes it ("1024", "1024.0"); undefined otherwise. */
function positiveInteger(text: Text): number | undefined {
  const value = text === null || text.trim() === '' ? NaN : Number(text);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

const present = (text: Text): text is string => text !== null && text.trim() !== '';
const booleanText = (text: Text): boolean | undefined => BOOLEANS[(text ?? '').trim().toLowerCase()];
const quoted = (text: Text) => JSON.stringify(text ?? '');

/** What the import derives for one valid row: BUTTER's network for it, its FLOPs and working sets. */
interface Derived {
  readonly line: number;
  readonly isGpu: boolean;
  readonly spec: DatasetSpec;
  readonly network: Network;
  /** Unknown without a batch size. */
  readonly cost: { flops: number; l: number; f: number; b: number; d: number } | null;
}

/**
 * Check one row and derive its network, or say why it cannot be stored. Networks are what BUTTER built for the
 * dataset's preprocessed widths (networkFor, shared with the sweep); a network BUTTER rejected as off budget was
 * never run, so such a row cannot be one of the study's.
 */
function deriveRow(row: Record<string, Text>, line: number, networks: Map<string, Network | string>): Derived | { reason: string; value: string } {
  const skip = (reason: string, value: string) => ({ reason, value });
  if (!present(row.run_id)) return skip(SKIP.runId, '');
  if (!present(row.experiment_id)) return skip(SKIP.experimentId, '');
  const spec = present(row.dataset) && BUTTER_DATASET_NAMES.includes(row.dataset) ? datasetSpec(row.dataset) : undefined;
  if (!spec) return skip(SKIP.dataset, quoted(row.dataset));
  if (!SHAPES.includes(row.shape as Shape)) return skip(SKIP.shape, quoted(row.shape));
  const shape = row.shape as Shape;
  const size = positiveInteger(row.size);
  if (size === undefined) return skip(SKIP.size, quoted(row.size));
  const depth = positiveInteger(row.depth);
  if (depth === undefined || depth < 2) return skip(SKIP.depth, quoted(row.depth));
  const isGpu = booleanText(row.is_gpu);
  if (isGpu === undefined) return skip(SKIP.isGpu, quoted(row.is_gpu));
  const batchSize = present(row.batch_size ?? null) ? positiveInteger(row.batch_size) : null;
  if (batchSize === undefined) return skip(SKIP.batchSize, quoted(row.batch_size));
  if (present(row.learning_rate ?? null) && !(Number(row.learning_rate) > 0 && Number.isFinite(Number(row.learning_rate)))) {
    return skip(SKIP.learningRate, quoted(row.learning_rate));
  }
  for (const column of MEASURED) {
    const text = row[column] ?? null;
    if (present(text) && !Number.isFinite(Number(text))) return skip(notANumber(column), quoted(text));
  }
  for (const column of FLAGS) {
    const text = row[column] ?? null;
    if (present(text) && booleanText(text) === undefined) return skip(notABoolean(column), quoted(text));
  }
  const key = `${spec.name}|${shape}|${size}|${depth}`;
  let network = networks.get(key);
  if (network === undefined) {
    try {
      network = networkFor({ inputs: spec.inputs, outputs: spec.outputs, shape, size, depth });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'NETWORK_OFF_BUDGET' && code !== 'INVALID_OPTION') throw error;
      network = code === 'NETWORK_OFF_BUDGET' ? SKIP.offBudget : SKIP.noNetwork;
    }
    networks.set(key, network);
  }
  if (typeof network === 'string') return skip(network, `${shape} size ${size} depth ${depth} on ${spec.name}`);
  let cost: Derived['cost'] = null;
  if (batchSize !== null) {
    const epoch = { observations: spec.rows, batchSize };
    const ws = workingSets(network, epoch);
    cost = { flops: flopsPerEpoch(network, epoch).flopsPerEpoch, l: ws.l.bytes, f: ws.f.bytes, b: ws.b.bytes, d: ws.d.bytes };
  }
  return { line, isGpu, spec, network, cost };
}

/** The derived columns into a temporary table keyed by CSV line, so the INSERT below stays one set-based statement. */
async function storeDerived(store: ResultStore, rows: readonly Derived[]): Promise<void> {
  await store.run(`CREATE OR REPLACE TEMP TABLE ${DERIVED_TABLE} (be_line BIGINT, be_gpu BOOLEAN, be_task VARCHAR, be_inputs INTEGER,
    be_outputs INTEGER, be_widths INTEGER[], be_params BIGINT, be_flops DOUBLE, be_ws_l DOUBLE, be_ws_f DOUBLE, be_ws_b DOUBLE, be_ws_d DOUBLE)`);
  const num = (v: number | undefined) => (v === undefined ? 'NULL' : String(v));
  for (let i = 0; i < rows.length; i += CHUNK) {
    const values = rows.slice(i, i + CHUNK).map((r) =>
      `(${r.line}, ${r.isGpu}, ${sqlString(r.spec.task)}, ${r.network.inputs}, ${r.network.outputs}, [${r.network.widths.join(', ')}], ` +
      `${r.network.numFreeParameters}, ${num(r.cost?.flops)}, ${num(r.cost?.l)}, ${num(r.cost?.f)}, ${num(r.cost?.b)}, ${num(r.cost?.d)})`);
    await store.run(`INSERT INTO ${DERIVED_TABLE} VALUES ${values.join(', ')}`);
  }
}

export async function importButterE(store: ResultStore, file: string, options: { energyUnit?: EnergyUnit } = {}): Promise<ImportResult> {
  const path = butterECsvFile(file);
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
  try {
    // A table keeps the file's row order in its rowid: rowid + 2 is the CSV line (header on line 1, one line per row).
    await store.run(`CREATE OR REPLACE TEMP TABLE ${CSV_TABLE} AS SELECT * FROM ${source}`);
    return await importRows(store, path, header, options);
  } finally {
    await store.run(`DROP TABLE IF EXISTS ${CSV_TABLE}`).catch(() => undefined);
    await store.run(`DROP TABLE IF EXISTS ${DERIVED_TABLE}`).catch(() => undefined);
  }
}

async function importRows(store: ResultStore, path: string, header: readonly string[], options: { energyUnit?: EnergyUnit }): Promise<ImportResult> {
  const has = (c: string) => header.includes(c);
  const checked = ['run_id', 'experiment_id', 'dataset', 'shape', 'size', 'depth', 'is_gpu', 'batch_size', 'learning_rate', ...MEASURED, ...FLAGS].filter(has);
  const raw = await store.query(`SELECT rowid + 2 AS be_line, ${checked.join(', ')} FROM ${CSV_TABLE} ORDER BY rowid`);
  const skips = new Skips();
  const seen = new Set<string>();
  const networks = new Map<string, Network | string>();
  const derived: Derived[] = [];
  for (const row of raw as Array<Record<string, Text>>) {
    const line = Number(row.be_line);
    const result = deriveRow(row, line, networks);
    if ('reason' in result) skips.add(result.reason, line, result.value);
    else if (seen.has(row.run_id as string)) skips.add(SKIP.runIdRepeated, line, quoted(row.run_id));
    else {
      seen.add(row.run_id as string);
      derived.push(result);
    }
  }
  const skippedBy = skips.list();
  if (raw.length > 0 && derived.length === 0) {
    throw new MlpEnergyError(
      'DATASET_MALFORMED',
      `${path}: no row can be imported; ${skipSummary({ skipped: skips.total, skippedBy })}. BUTTER-E's datasets are ${BUTTER_DATASET_NAMES.join(', ')}; ` +
        `its shapes ${SHAPES.join(', ')}; size and depth are whole numbers, is_gpu True or False (reference §3, §8).`,
    );
  }
  await storeDerived(store, derived);
  const valid = `${CSV_TABLE} s JOIN ${DERIVED_TABLE} n ON n.be_line = s.rowid + 2`;

  const col = (c: string, type: string) => (has(c) ? `TRY_CAST(nullif(${c}, '') AS ${type})` : `CAST(NULL AS ${type})`);
  // As booleanText reads them when it checks the row (trimmed, any case).
  const bool = (c: string) => (has(c) ? `(lower(trim(${c})) IN (${TRUE_SPELLINGS.map(sqlString).join(', ')}))` : 'NULL');

  // Energy unit: the study integrated watts to kWh before converting to joules; a node draws hundreds of watts, so an
  // implied power below 5 W can only mean kWh.
  let unit: 'J' | 'kWh' | 'none' = 'none';
  if (has('energy')) {
    if (options.energyUnit && options.energyUnit !== 'auto') unit = options.energyUnit;
    else {
      const [row] = await store.query(`SELECT median(${col('energy', 'DOUBLE')} / nullif(${col('run_time', 'DOUBLE')}, 0)) AS p FROM ${valid}`);
      unit = row.p !== null && (row.p as number) < 5 ? 'kWh' : 'J';
    }
  }
  const energyScale = unit === 'kWh' ? KWH_TO_J : 1;
  const energy = (c: string) => (has(c) ? `${col(c, 'DOUBLE')} * ${c === 'energy' ? energyScale : 1}` : 'NULL');

  const specs = BUTTER_DATASET_NAMES.map((name) => `(${sqlString(name)}, ${datasetSpec(name)!.rows})`).join(', ');
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
    task: 'be_task',
    n_observations: 'd.rows',
    n_train: `d.rows - CAST(ceil(${TEST_FRACTION} * d.rows) AS INTEGER)`,
    n_test: `CAST(ceil(${TEST_FRACTION} * d.rows) AS INTEGER)`,
    n_inputs: 'be_inputs',
    n_outputs: 'be_outputs',
    shape: 'shape',
    size: col('size', 'BIGINT'),
    depth: col('depth', 'INTEGER'),
    widths: 'be_widths',
    num_free_parameters: 'be_params',
    learning_rate: col('learning_rate', 'DOUBLE'),
    batch_size: col('batch_size', 'INTEGER'),
    optimizer: has('optimizer') ? 'optimizer' : 'NULL',
    epochs: 'ep',
    is_gpu: 'be_gpu',
    device: `CASE WHEN be_gpu THEN 'gpu' ELSE 'cpu' END`,
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
    flops_per_epoch: 'be_flops',
    working_set_l_bytes: 'be_ws_l',
    working_set_f_bytes: 'be_ws_f',
    working_set_b_bytes: 'be_ws_b',
    working_set_d_bytes: 'be_ws_d',
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
    FROM (SELECT s.*, n.*, ${epochs} AS ep FROM ${valid}) s
    JOIN (VALUES ${specs}) d(name, rows) ON d.name = s.dataset`;
  try {
    await store.run('BEGIN TRANSACTION');
    await store.run(sql);
    await store.run('COMMIT');
  } catch (error) {
    await store.run('ROLLBACK').catch(() => undefined);
    throw new MlpEnergyError('DATASET_MALFORMED', `${path}: import failed (${(error as Error).message}). Check that the file is an unmodified BUTTER-E CSV.`, { cause: error });
  }
  const [count] = await store.query(`SELECT count(*) AS n, count(r.energy) AS e FROM ${valid} JOIN runs r ON r.run_id = 'butter-e:' || s.run_id`);
  return { file: path, rows: count.n as number, withEnergy: count.e as number, energyUnit: unit, skipped: skips.total, skippedBy };
}
