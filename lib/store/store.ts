/**
 * The DuckDB results store. Every run is written in one transaction (run row, its epochs, its power trace), keyed by
 * the plan's stable run id, so a killed process leaves either the whole run or nothing, and a rerun or a merge of
 * shards replaces rather than duplicates.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DuckDBConnection, DuckDBInstance, listValue, type DuckDBValue } from '@duckdb/node-api';
import { MlpEnergyError, invalidOption } from '../errors.js';
import { createTableSql, EXPERIMENTS_VIEW_SQL, LONG_RUNTIME_S, TABLES, type Column, type TableName } from './schema.js';
import { copyStore, removeSnapshot, type StoreSnapshot } from './snapshot.js';

export const DEFAULT_STORE = 'results.duckdb';

// DuckDB's error when another process holds the file ("Could not set lock on file …").
const LOCKED = /lock/i;
const isLocked = (error: unknown) => (error as { code?: string }).code === 'STORE_ERROR' && LOCKED.test(String(((error as Error).cause as Error | undefined)?.message));

export type Row = Record<string, unknown>;

function baseType(column: Column): string {
  return column.type.replace(/\s+PRIMARY KEY$/, '');
}

function toDuckValue(value: unknown, column: Column): DuckDBValue {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return listValue(value as DuckDBValue[]);
  if (value instanceof Date) return value.toISOString();
  if (baseType(column) === 'JSON') return JSON.stringify(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value as DuckDBValue;
}

/** DuckDB hands BIGINT back as bigint; results are small counts and sizes, so numbers are exact enough. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

/**
 * For commands that write a file of their own (report --out, measure --json): a DuckDB database there is someone's
 * results (sweep calls its store --out too), so it is refused rather than overwritten.
 */
export function refuseOverwritingStore(path: string, option: string): void {
  let head = Buffer.alloc(0);
  try {
    const fd = openSync(path, 'r');
    try {
      head = Buffer.alloc(12);
      head = head.subarray(0, readSync(fd, head, 0, 12, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return; // absent or unreadable: nothing to protect here (writing it reports its own error)
  }
  if (head.subarray(8, 12).toString('latin1') === 'DUCK') {
    throw new MlpEnergyError('INVALID_OPTION', `${path} is a DuckDB database (a results store?); ${option} would overwrite it. Choose another path for ${option}.`);
  }
}

/** DuckDB opens an existing .csv/.json/.parquet file as an in-memory database, where every write would be lost. */
export async function refuseInMemory(connection: DuckDBConnection, file: string): Promise<void> {
  const reader = await connection.runAndReadAll('SELECT path FROM duckdb_databases() WHERE database_name = current_database()');
  if (reader.getRows()[0]?.[0] === null) {
    throw new MlpEnergyError('STORE_ERROR', `${file} is not a results store (DuckDB would read it as a data file into memory and lose every write). Pass a .duckdb file: a new path, or one mlp-energy wrote.`);
  }
}

export class ResultStore {
  readonly path: string;
  /** Set when this is a copy of a store another process held open (openExisting); `path` is then the original. */
  #snapshot: StoreSnapshot | null = null;
  private constructor(private readonly instance: DuckDBInstance, private readonly connection: DuckDBConnection, path: string) {
    this.path = path;
  }

  get snapshot(): { readonly takenAt: Date } | null {
    return this.#snapshot;
  }

  /** For a snapshot, the line that tells the user what they are reading; null otherwise. */
  snapshotNote(): string | null {
    if (!this.#snapshot) return null;
    const at = this.#snapshot.takenAt.toTimeString().slice(0, 8);
    return `${this.path} is open in another mlp-energy process (a sweep still running?): read from a copy taken at ${at}; runs stored after that are not in it.`;
  }

  /**
   * Opens a store that must exist, for commands that only read one: a missing file is the user's path to fix,
   * INVALID_OPTION naming `flags`, the command's way to point at another. A store another process holds open (a
   * sweep still running) is read from a snapshot (snapshot.ts); `store.snapshot` says when it was taken.
   */
  static async openExisting(path: string, flags: string): Promise<ResultStore> {
    const file = resolve(path);
    if (!existsSync(file)) {
      throw new MlpEnergyError('INVALID_OPTION', `No results store at ${file}. Run \`mlp-energy sweep\` first or point ${flags} at your .duckdb file.`);
    }
    try {
      return await ResultStore.open(file);
    } catch (error) {
      if (!isLocked(error)) throw error;
      const snapshot = copyStore(file);
      if (snapshot === null) throw error;
      try {
        const store = await ResultStore.openFile(snapshot.path, file);
        store.#snapshot = snapshot;
        return store;
      } catch (copyError) {
        removeSnapshot(snapshot);
        throw copyError;
      }
    }
  }

  static async open(path: string = DEFAULT_STORE): Promise<ResultStore> {
    if (typeof path !== 'string' || path === '') throw invalidOption('path', 'a results store file path', path, 'type');
    const file = resolve(path);
    return ResultStore.openFile(file, file);
  }

  /** Opens `file`, reported as `shownAs` (a snapshot's copy as the store it copies). */
  private static async openFile(file: string, shownAs: string): Promise<ResultStore> {
    let instance: DuckDBInstance;
    try {
      mkdirSync(dirname(file), { recursive: true }); // a file in the way is this path's problem: same message
      instance = await DuckDBInstance.create(file);
    } catch (error) {
      const message = (error as Error).message;
      const fix = LOCKED.test(message)
        ? 'Another mlp-energy process has it open; wait for it to finish or use another store file (--store; merge: --out).'
        : 'Check that the path is a DuckDB file you can write, or choose another with --store (merge: --out).';
      throw new MlpEnergyError('STORE_ERROR', `Cannot open results store ${file}: ${message}. ${fix}`, { cause: error });
    }
    const connection = await instance.connect();
    const store = new ResultStore(instance, connection, shownAs);
    try {
      await refuseInMemory(connection, file);
    } catch (error) {
      store.close();
      throw error;
    }
    for (const name of Object.keys(TABLES) as TableName[]) await connection.run(createTableSql(name));
    await store.addMissingColumns();
    await connection.run(EXPERIMENTS_VIEW_SQL);
    return store;
  }

  /** A store written by an earlier mlp-energy lacks columns added since: add them (NULL in its rows) so it stays usable. */
  private async addMissingColumns(): Promise<void> {
    const rows = await this.query(`SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main'`);
    const present = new Set(rows.map((r) => `${r.table_name}.${r.column_name}`));
    for (const [table, columns] of Object.entries(TABLES)) {
      for (const col of columns) {
        if (!present.has(`${table}.${col.name}`)) await this.connection.run(`ALTER TABLE ${table} ADD COLUMN ${col.name} ${baseType(col)}`);
      }
    }
  }

  async query(sql: string, params: DuckDBValue[] = []): Promise<Row[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)])));
  }

  async run(sql: string, params: DuckDBValue[] = []): Promise<void> {
    await this.connection.run(sql, params);
  }

  private insertSql(table: TableName, replace: boolean): string {
    const columns = TABLES[table];
    const values = columns.map((col, i) => `CAST($${i + 1} AS ${baseType(col)})`).join(', ');
    return `INSERT ${replace ? 'OR REPLACE ' : ''}INTO ${table} (${columns.map((col) => col.name).join(', ')}) VALUES (${values})`;
  }

  private async insert(table: TableName, rows: readonly Row[], replace: boolean): Promise<void> {
    if (rows.length === 0) return;
    const columns = TABLES[table];
    for (const row of rows) {
      for (const key of Object.keys(row)) {
        if (!columns.some((col) => col.name === key)) {
          throw new MlpEnergyError('STORE_ERROR', `Unknown column ${JSON.stringify(key)} for table ${table}; known: ${columns.map((col) => col.name).join(', ')}.`);
        }
      }
    }
    const statement = await this.connection.prepare(this.insertSql(table, replace));
    for (const row of rows) {
      statement.bind(columns.map((col) => toDuckValue(row[col.name], col)));
      await statement.run();
    }
  }

  private async transaction(work: () => Promise<void>): Promise<void> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      await work();
      await this.connection.run('COMMIT');
    } catch (error) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error instanceof MlpEnergyError ? error : new MlpEnergyError('STORE_ERROR', `Writing to ${this.path} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /** One run, atomically: its row (replacing any row with the same run_id), its epochs and its power trace. */
  async writeRun(run: Row, epochs: readonly Row[] = [], trace: readonly Row[] = []): Promise<void> {
    const id = run.run_id;
    if (typeof id !== 'string' || id === '') throw new MlpEnergyError('STORE_ERROR', 'A run row needs a non-empty string run_id.');
    await this.transaction(async () => {
      await this.connection.run('DELETE FROM epochs WHERE run_id = $1', [id]);
      await this.connection.run('DELETE FROM power_traces WHERE run_id = $1', [id]);
      await this.insert('runs', [run], true);
      await this.insert('epochs', epochs.map((e) => ({ ...e, run_id: id })), false);
      await this.insert('power_traces', trace.map((t) => ({ ...t, run_id: id })), false);
    });
  }

  /** Rows keyed by a primary key (idle calibrations, hardware), replacing on conflict. */
  async upsert(table: 'idle_calibrations' | 'hardware' | 'runs', rows: readonly Row[]): Promise<void> {
    await this.transaction(() => this.insert(table, rows, true));
  }

  async completedRunIds(): Promise<Set<string>> {
    const rows = await this.query('SELECT run_id FROM runs');
    return new Set(rows.map((r) => r.run_id as string));
  }

  /** Selected columns of the given runs (those stored). */
  async runsById(runIds: readonly string[], columns: readonly string[]): Promise<Row[]> {
    if (runIds.length === 0) return [];
    return this.query(`SELECT run_id, ${columns.join(', ')} FROM runs WHERE list_contains($1, run_id)`, [listValue([...runIds])]);
  }

  /** Fill the overhead-dependent columns of runs once the overhead (joules, seconds) is known. One statement: atomic. */
  async applyOverhead(runIds: readonly string[], energy: number, runtime: number): Promise<void> {
    if (runIds.length === 0) return;
    await this.connection.run(`UPDATE runs SET energy_overhead = $1, runtime_overhead = $2, non_overhead_energy = std_energy - $1,
        non_overhead_runtime = run_time - $2, energy_per_epoch = (std_energy - $1) / epochs,
        energy_per_training_batch = (std_energy - $1) / (num_training_batches_per_epoch * epochs),
        energy_per_training_datum = (std_energy - $1) / (num_training_batches_per_epoch * epochs) / batch_size,
        filter_nonpositive_energy = (std_energy - $1) <= 0
      WHERE list_contains($3, run_id)`, [energy, runtime, listValue([...runIds])]);
  }

  /** The most recent idle calibration of a host's device, if any. */
  async latestIdle(host: string, device: string): Promise<{ id: string; power: number } | undefined> {
    const [row] = await this.query(
      'SELECT calibration_id, idle_power FROM idle_calibrations WHERE host_name = $1 AND device = $2 ORDER BY start_time DESC LIMIT 1', [host, device]);
    return row ? { id: row.calibration_id as string, power: row.idle_power as number } : undefined;
  }

  /**
   * BUTTER-E's QC, flagged rather than deleted: filter_3, log run_time more than 4 SD from its mean within
   * (device, dataset, size), recomputed over the whole store because each new run moves the group statistics;
   * filter_1 (run_time > 75,000 s) and filter_2 (zero energy) per run.
   */
  async refreshQc(): Promise<void> {
    await this.connection.run(`UPDATE runs SET filter_runtime_outlier = coalesce(q.outlier, false)
      FROM (SELECT run_id, abs(ln(run_time) - avg(ln(run_time)) OVER w) > 4 * stddev_samp(ln(run_time)) OVER w AS outlier
            FROM runs WHERE run_time > 0 AND source = 'mlp-energy'
            WINDOW w AS (PARTITION BY device, dataset, size)) q
      WHERE runs.run_id = q.run_id`);
    await this.connection.run(`UPDATE runs SET filter_zero_energy = (energy IS NULL OR energy <= 0),
      filter_long_runtime = coalesce(run_time > ${LONG_RUNTIME_S}, false) WHERE source = 'mlp-energy'`);
  }

  /** Whether the store has this table (those other modules add when first used, e.g. tunings). */
  async hasTable(name: string): Promise<boolean> {
    const [row] = await this.query("SELECT count(*) AS n FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = $1", [name]);
    return Number(row.n) > 0;
  }

  /**
   * One Parquet file per table (and the experiments view), readable by DuckDB, pandas and Arrow; `extra` names tables
   * outside the schema to export too (the caller checks they exist: exporting never creates one).
   */
  async exportParquet(dir: string, extra: readonly string[] = []): Promise<string[]> {
    const out = resolve(dir);
    mkdirSync(out, { recursive: true });
    const files: string[] = [];
    for (const name of [...Object.keys(TABLES), 'experiments', ...extra]) {
      const file = join(out, `${name}.parquet`);
      try {
        await this.connection.run(`COPY (SELECT * FROM ${name}) TO '${file.replace(/'/g, "''")}' (FORMAT parquet)`);
      } catch (error) {
        throw new MlpEnergyError('STORE_ERROR', `Writing table ${name} to ${file} failed: ${(error as Error).message}. Check that ${out} is a writable folder with free space and that ${file} is not a folder or held open.`, { cause: error });
      }
      files.push(file);
    }
    return files;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
    if (this.#snapshot) removeSnapshot(this.#snapshot);
  }
}
