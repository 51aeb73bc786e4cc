/**
 * Merging shard stores into one store, idempotently.
 *
 * The unit of merging is a run: a run_id absent from the target is copied with every row that carries its
 * run_id (runs, epochs, power traces, …) in one transaction; a run_id already there is left alone. Tables
 * without a run_id (hardware, idle calibrations) are merged as sets of rows. Tables a later save replaces by key
 * (tunings, tiling-grid scans: lib/tune) keep the newest save of each key across shards, the target's on a tie.
 * So merging twice, or merging a shard again after its task resumed, changes nothing that was already merged. Only runs the plan assigns to
 * that shard are taken; anything else in a shard store is reported as foreign and skipped.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { MlpEnergyError } from '../errors.js';
import { TUNE_MERGES } from '../tune/grid-store.js';
import type { NewestWins } from '../tune/store.js';
import { refuseInMemory } from '../store/store.js';

export interface ShardInput {
  index: number;
  file: string;
  /** The run ids the plan assigns to this shard. */
  planned: readonly string[];
}

export type ShardMergeState = 'complete' | 'partial' | 'empty' | 'absent' | 'unreadable';

export interface ShardMergeReport {
  index: number;
  file: string;
  state: ShardMergeState;
  /** Why a store could not be read (e.g. its task is still running and holds the file lock). */
  reason?: string;
  planned: number;
  /** Planned runs found completed in the shard store. */
  done: number;
  /** Runs copied into the target by this merge (0 when merging again). */
  merged: number;
  /** Runs in the shard store that the plan does not assign to this shard (skipped). */
  foreign: number;
  /** Planned run ids still to do. */
  missing: string[];
  /** Per newest-wins table (tunings, tuning_grid): keys whose rows this merge took from the shard (0 when merging again). */
  keysTaken: Record<string, number>;
}

export interface MergeReport {
  out: string;
  shards: ShardMergeReport[];
  planned: number;
  done: number;
  merged: number;
  /** keysTaken summed over the shards. */
  keysTaken: Record<string, number>;
  complete: boolean;
}

const RUNS = 'runs';
const RUN_KEY = 'run_id';
/** Alias of the attached shard store (a name no store file is likely to carry). */
const SOURCE = 'mlpe_merge_source';
/** Tables whose rows a later save replaces by key: merged newest-first instead of first-copy-wins. */
const NEWEST_WINS = new Map<string, NewestWins>(TUNE_MERGES.map((rule) => [rule.table, rule]));

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
export const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;

async function rows<T>(db: DuckDBConnection, sql: string): Promise<T[]> {
  return (await db.runAndReadAll(sql)).getRowObjectsJS() as T[];
}

interface TableInfo {
  name: string;
  sql: string;
  columns: string[];
  primaryKey: string[];
}

async function tablesOf(db: DuckDBConnection, catalog: string): Promise<Map<string, TableInfo>> {
  const tables = await rows<{ table_name: string; sql: string }>(
    db,
    `SELECT table_name, sql FROM duckdb_tables() WHERE database_name = ${quoteLiteral(catalog)} AND schema_name = 'main' ORDER BY table_name`,
  );
  const columns = await rows<{ table_name: string; column_name: string }>(
    db,
    `SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = ${quoteLiteral(catalog)} AND schema_name = 'main' ORDER BY table_name, column_index`,
  );
  const keys = await rows<{ table_name: string; constraint_column_names: string[] }>(
    db,
    `SELECT table_name, constraint_column_names FROM duckdb_constraints() WHERE database_name = ${quoteLiteral(catalog)} AND schema_name = 'main' AND constraint_type = 'PRIMARY KEY'`,
  );
  const info = new Map<string, TableInfo>(tables.map((t) => [t.table_name, { name: t.table_name, sql: t.sql, columns: [], primaryKey: [] }]));
  for (const c of columns) info.get(c.table_name)?.columns.push(c.column_name);
  for (const k of keys) info.get(k.table_name)?.primaryKey.push(...k.constraint_column_names);
  return info;
}

/**
 * Takes from the shard each key of `rule` whose newest save is newer than the target's (or absent there): the
 * target's rows of that key are replaced by the shard's rows of that save. A tie keeps the target's rows. Returns
 * the number of keys taken.
 */
async function takeNewest(db: DuckDBConnection, rule: NewestWins, table: TableInfo, report: ShardMergeReport): Promise<number> {
  const absent = [...rule.key, rule.time].filter((c) => !table.columns.includes(c));
  if (absent.length) {
    throw new MlpEnergyError('STORE_ERROR', `Shard ${report.index} (${report.file}) has a table ${table.name} without ${absent.join(', ')}: it was not written by mlp-energy. Remove or rename that table in the shard store.`);
  }
  const name = quoteIdent(rule.table);
  const time = quoteIdent(rule.time);
  const keys = rule.key.map(quoteIdent);
  const same = (a: string, b: string) => keys.map((k) => `${a}.${k} IS NOT DISTINCT FROM ${b}.${k}`).join(' AND ');
  const list = table.columns.map(quoteIdent).join(', ');
  // A key without a timestamp (never written so) counts as oldest: taken only where the target lacks the key.
  await db.run(`CREATE OR REPLACE TEMP TABLE mlpe_taken AS
    SELECT * FROM (SELECT ${keys.join(', ')}, max(${time}) AS newest FROM ${SOURCE}.${name} GROUP BY ALL) s
    WHERE NOT EXISTS (SELECT 1 FROM ${name} t WHERE ${same('t', 's')} AND (s.newest IS NULL OR t.${time} >= s.newest))`);
  await db.run(`DELETE FROM ${name} t WHERE EXISTS (SELECT 1 FROM mlpe_taken k WHERE ${same('t', 'k')})`);
  await db.run(`INSERT INTO ${name} (${list}) SELECT ${table.columns.map((c) => `s.${quoteIdent(c)}`).join(', ')} FROM ${SOURCE}.${name} s
    JOIN mlpe_taken k ON ${same('s', 'k')} AND s.${time} IS NOT DISTINCT FROM k.newest`);
  const [{ n }] = await rows<{ n: number | bigint }>(db, 'SELECT count(*) AS n FROM mlpe_taken');
  await db.run('DROP TABLE mlpe_taken');
  return Number(n);
}

function shortReason(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  if (/lock/i.test(message)) return 'the store is locked by another process (its task is probably still running)';
  return message.split('\n')[0];
}

/** Merges one attached shard; returns how many runs it copied. Runs in one transaction on the target. */
async function mergeAttached(db: DuckDBConnection, report: ShardMergeReport, planned: readonly string[]): Promise<void> {
  // The target's catalog is named after its file; unqualified names resolve to it.
  const [{ name: main }] = await rows<{ name: string }>(db, 'SELECT current_database() AS name');
  const source = await tablesOf(db, SOURCE);
  const runs = source.get(RUNS);
  if (!runs || !runs.columns.includes(RUN_KEY)) {
    report.state = 'empty';
    report.missing = [...planned];
    return;
  }
  let target = await tablesOf(db, main);
  for (const table of source.values()) {
    // Same DDL as the shard (its defaults, keys and types), created in the target on first sight.
    if (!target.has(table.name)) await db.run(table.sql);
  }
  target = await tablesOf(db, main);
  for (const table of source.values()) {
    const extra = table.columns.filter((c) => !target.get(table.name)!.columns.includes(c));
    if (extra.length) {
      throw new MlpEnergyError(
        'STORE_ERROR',
        `Shard ${report.index} (${report.file}) has columns ${extra.join(', ')} in table ${table.name} that ${report.file} lacks: ` +
          'the stores were written by different versions of mlp-energy. Merge into a new --out file.',
      );
    }
  }

  const shardRunIds = new Set((await rows<{ run_id: string }>(db, `SELECT DISTINCT ${RUN_KEY} AS run_id FROM ${SOURCE}.${RUNS}`)).map((r) => r.run_id));
  const mergedIds = new Set((await rows<{ run_id: string }>(db, `SELECT DISTINCT ${RUN_KEY} AS run_id FROM ${RUNS}`)).map((r) => r.run_id));
  const plannedSet = new Set(planned);
  report.done = planned.filter((id) => shardRunIds.has(id)).length;
  report.missing = planned.filter((id) => !shardRunIds.has(id));
  report.foreign = [...shardRunIds].filter((id) => !plannedSet.has(id)).length;
  const incoming = planned.filter((id) => shardRunIds.has(id) && !mergedIds.has(id));
  report.state = report.missing.length === 0 ? 'complete' : report.done === 0 ? 'empty' : 'partial';

  await db.run('CREATE OR REPLACE TEMP TABLE incoming (run_id VARCHAR)');
  for (let i = 0; i < incoming.length; i += 500) {
    const values = incoming.slice(i, i + 500).map((id) => `(${quoteLiteral(id)})`).join(',');
    await db.run(`INSERT INTO incoming VALUES ${values}`);
  }
  await db.run('BEGIN TRANSACTION');
  try {
    for (const table of source.values()) {
      const list = table.columns.map(quoteIdent).join(', ');
      const name = quoteIdent(table.name);
      const newest = NEWEST_WINS.get(table.name);
      if (newest) {
        report.keysTaken[table.name] = await takeNewest(db, newest, table, report);
      } else if (table.columns.includes(RUN_KEY)) {
        await db.run(`INSERT INTO ${name} (${list}) SELECT ${list} FROM ${SOURCE}.${name} WHERE ${RUN_KEY} IN (SELECT run_id FROM incoming)`);
      } else if (table.primaryKey.length) {
        // Keyed rows (hardware by hash, calibrations by id): the first copy wins, as for runs.
        const same = table.primaryKey.map((k) => `t.${quoteIdent(k)} = s.${quoteIdent(k)}`).join(' AND ');
        const select = table.columns.map((col) => `s.${quoteIdent(col)}`).join(', ');
        await db.run(`INSERT INTO ${name} (${list}) SELECT ${select} FROM ${SOURCE}.${name} s WHERE NOT EXISTS (SELECT 1 FROM ${name} t WHERE ${same})`);
      } else {
        await db.run(`INSERT INTO ${name} (${list}) SELECT ${list} FROM ${SOURCE}.${name} EXCEPT SELECT ${list} FROM ${name}`);
      }
    }
    await db.run('COMMIT');
  } catch (error) {
    await db.run('ROLLBACK');
    throw error;
  }
  report.merged = incoming.length;
}

/**
 * `out` must not be one of the shard stores: the merge cannot attach a file it has open, so that shard read as
 * unreadable, every planned run as still to do, and the report advised resubmitting work that was done.
 */
export function refuseShardAsOut(out: string, inputs: readonly ShardInput[]): void {
  const shard = inputs.find((input) => resolve(input.file) === resolve(out));
  if (shard) {
    throw new MlpEnergyError('INVALID_OPTION', `${out} is shard ${shard.index}'s own store; merge into another file (e.g. --out results.duckdb).`);
  }
}

/** Merges shard stores into `out` (created when absent). Missing and partial shards are reported, not fatal. */
export async function mergeStores(out: string, inputs: readonly ShardInput[]): Promise<MergeReport> {
  refuseShardAsOut(out, inputs);
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(out);
  } catch (error) {
    throw new MlpEnergyError('STORE_ERROR', `Cannot open ${out} for merging: ${shortReason(error)}.`, { cause: error });
  }
  const db = await instance.connect();
  const reports: ShardMergeReport[] = [];
  try {
    await refuseInMemory(db, out);
    for (const input of inputs) {
      const report: ShardMergeReport = {
        index: input.index,
        file: input.file,
        state: 'absent',
        planned: input.planned.length,
        done: 0,
        merged: 0,
        foreign: 0,
        missing: [...input.planned],
        keysTaken: {},
      };
      reports.push(report);
      if (!existsSync(input.file)) continue;
      try {
        await db.run(`ATTACH ${quoteLiteral(input.file)} AS ${SOURCE} (READ_ONLY)`);
      } catch (error) {
        report.state = 'unreadable';
        report.reason = shortReason(error);
        continue;
      }
      try {
        await mergeAttached(db, report, input.planned);
      } finally {
        await db.run(`DETACH ${SOURCE}`);
      }
    }
    await db.run('CHECKPOINT');
  } finally {
    db.closeSync();
    instance.closeSync();
  }
  // Replicated runs (per-node calibrations) are planned in every shard but count once, done if any shard has them.
  const planned = new Set(inputs.flatMap((input) => input.planned)).size;
  const done = new Set(
    reports.flatMap((report, k) => {
      const missing = new Set(report.missing);
      return inputs[k].planned.filter((id) => !missing.has(id));
    }),
  ).size;
  return {
    out,
    shards: reports,
    planned,
    done,
    merged: reports.reduce((n, r) => n + r.merged, 0),
    keysTaken: sumKeysTaken(reports),
    complete: done === planned,
  };
}

function sumKeysTaken(reports: readonly ShardMergeReport[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const r of reports) for (const [table, n] of Object.entries(r.keysTaken)) sum[table] = (sum[table] ?? 0) + n;
  return sum;
}
