/**
 * Tuned tilings persist in the results store as a `tunings` table, one row per (machine, objective, GEMM shape),
 * so `--tiling tuned` finds what was tuned on this machine and never what was tuned on another.
 */
import type { Tiling } from '../tiling.js';
import { machineKey, type Machine } from './machine.js';
import type { Objective } from './meter.js';
import { shapeKey, type CountedShape, type GemmShape } from './shapes.js';
import type { ShapeSearch } from './search.js';
import type { TuneResult, TuneScope } from './tune.js';

/** What this module needs of the store's connection (lib/store's ResultStore provides it). */
export interface SqlStore {
  query(sql: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
  run(sql: string, params?: unknown[]): Promise<void>;
}

export type SqlColumns = ReadonlyArray<[name: string, type: string]>;

/** The machine a row belongs to; tunings and tuning_grid both start with these. */
export const MACHINE_COLUMNS: SqlColumns = [
  ['machine_key', 'VARCHAR'], // sha256 prefix of the fields below (machine.ts)
  ['cpu_model', 'VARCHAR'],
  ['l1d_bytes', 'BIGINT'],
  ['l2_bytes', 'BIGINT'],
  ['l3_bytes', 'BIGINT'],
  ['isa', 'VARCHAR'], // best ISA of the machine
  ['cores', 'INTEGER'],
];

export function machineValues(machine: Machine): unknown[] {
  return [machineKey(machine), machine.cpu_model, machine.l1d_bytes, machine.l2_bytes, machine.l3_bytes, machine.isa, machine.cores];
}

/** The machine of a stored row (its MACHINE_COLUMNS). */
export function machineOfRow(r: Record<string, unknown>): Machine {
  return {
    cpu_model: String(r.cpu_model),
    l1d_bytes: Number(r.l1d_bytes),
    l2_bytes: Number(r.l2_bytes),
    l3_bytes: r.l3_bytes === null || r.l3_bytes === undefined ? null : Number(r.l3_bytes),
    isa: String(r.isa),
    cores: Number(r.cores),
  };
}

/** A tiling, as tunings and tuning_grid store it (values in tilingValues' order). */
export const TILING_COLUMNS: SqlColumns = [
  ['tiling_mc', 'INTEGER'],
  ['tiling_kc', 'INTEGER'],
  ['tiling_nc', 'INTEGER'],
  ['tiling_mr', 'INTEGER'],
  ['tiling_nr', 'INTEGER'],
  ['tiling_threads', 'INTEGER'],
  ['tiling_isa', 'VARCHAR'],
  ['tiling_sup', 'BOOLEAN'], // the unpacked small-product path allowed
];

export function tilingValues(t: Tiling): unknown[] {
  return [t.mc, t.kc, t.nc, t.mr, t.nr, t.threads, t.isa, t.sup];
}

/** The tiling of a stored row (its TILING_COLUMNS). */
export function tilingOfRow(r: Record<string, unknown>): Tiling {
  return {
    mc: Number(r.tiling_mc), kc: Number(r.tiling_kc), nc: Number(r.tiling_nc),
    mr: Number(r.tiling_mr), nr: Number(r.tiling_nr), threads: Number(r.tiling_threads),
    isa: r.tiling_isa as Tiling['isa'],
    // Null: a row merged from a store written before sup existed; those ran with the native default (allowed).
    sup: r.tiling_sup === null || r.tiling_sup === undefined ? true : Boolean(r.tiling_sup),
  };
}

export function createTableSql(table: string, columns: SqlColumns, constraint = ''): string {
  const list = columns.map(([name, type]) => `${name} ${type}`).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${table} (${list}${constraint ? `, ${constraint}` : ''})`;
}

/** INSERT with every value cast to its column type (DuckDB's parameters are untyped). */
export function insertSql(table: string, columns: SqlColumns, replace = false): string {
  const placeholders = columns.map(([, type], i) => `CAST($${i + 1} AS ${type})`).join(', ');
  return `INSERT ${replace ? 'OR REPLACE ' : ''}INTO ${table} (${columns.map(([n]) => n).join(', ')}) VALUES (${placeholders})`;
}

/**
 * How merging stores (lib/cluster/merge.ts) settles a key found in two stores: the rows of the key with the newest
 * `time` win, as a new save replaces an older one; on a tie the rows already merged stay, so merging twice is a no-op.
 */
export interface NewestWins {
  table: string;
  /** The columns a save replaces by. */
  key: readonly string[];
  /** The save's timestamp, the same on every row of a key. */
  time: string;
}

/** A tuning is replaced per (machine, objective, target): saveTunings' INSERT OR REPLACE on the primary key. */
export const TUNINGS_MERGE: NewestWins = { table: 'tunings', key: ['machine_key', 'objective', 'target'], time: 'tuned_at' };

const COLUMNS: SqlColumns = [
  ...MACHINE_COLUMNS,
  ['objective', 'VARCHAR'], // 'energy' | 'time' | 'edp'
  ['scope', 'VARCHAR'], // 'shape' | 'network'
  ['target', 'VARCHAR'], // what was tuned: shapeKey() or stepKey()
  ['orientation', 'VARCHAR'], // 'NN' | 'NT' | 'TN' (null for a network's step)
  ['m', 'INTEGER'],
  ['n', 'INTEGER'],
  ['k', 'INTEGER'],
  ...TILING_COLUMNS,
  ['joules', 'DOUBLE'], // per GEMM call (per step for a network), tuned tiling
  ['seconds', 'DOUBLE'],
  ['default_joules', 'DOUBLE'], // per GEMM call, the analytical default
  ['default_seconds', 'DOUBLE'],
  ['ratio', 'DOUBLE'], // tuned/default on the objective (1 when the default was kept)
  ['ratio_low', 'DOUBLE'], // its confidence interval
  ['ratio_high', 'DOUBLE'],
  ['p_value', 'DOUBLE'],
  ['estimated', 'BOOLEAN'], // joules were an estimate (no counter)
  ['energy_source', 'VARCHAR'],
  ['candidates', 'INTEGER'], // distinct tilings measured
  ['tuned_at', 'TIMESTAMPTZ'],
];

export async function ensureTuningsTable(store: SqlStore): Promise<void> {
  await store.run(createTableSql('tunings', COLUMNS, 'PRIMARY KEY (machine_key, objective, target)'));
  // Migration: stores written before tunings recorded `sup` lack the column. Their tilings ran with the native
  // default (the unpacked path allowed), so that is what their rows get.
  await store.run('ALTER TABLE tunings ADD COLUMN IF NOT EXISTS tiling_sup BOOLEAN DEFAULT true');
}

/** What a network-scope tuning is for: its step's shapes with their counts. */
export function stepKey(shapes: readonly CountedShape[]): string {
  return 'step ' + shapes.map((s) => `${shapeKey(s)}×${s.count}`).join(' + ');
}

export async function saveTunings(store: SqlStore, machine: Machine, result: TuneResult): Promise<number> {
  await ensureTuningsTable(store);
  const sql = insertSql('tunings', COLUMNS, true);
  const now = new Date().toISOString();
  const rows: Array<[string, GemmShape | null, ShapeSearch]> = result.step
    ? [[stepKey(result.shapes), null, result.step]]
    : result.perShape.map((s) => [shapeKey(s.shape), s.shape, s]);
  for (const [target, shape, s] of rows) {
    const t = s.tuned.tiling;
    const c = s.confidence && !s.rejected ? s.confidence : null;
    await store.run(sql, [
      ...machineValues(machine),
      result.objective, result.scope, target, shape?.orientation ?? null, shape?.m ?? null, shape?.n ?? null, shape?.k ?? null,
      ...tilingValues(t),
      s.tuned.joules, s.tuned.seconds, s.default.joules, s.default.seconds,
      c ? c.ratio : 1, c ? c.low : null, c ? c.high : null, c ? c.p : null,
      result.estimated, result.source, s.candidates, now,
    ]);
  }
  return rows.length;
}

export interface StoredTuning {
  scope: TuneScope;
  target: string;
  objective: Objective;
  tiling: Tiling;
  joules: number;
  seconds: number;
  ratio: number;
  estimated: boolean;
  /** ISO time of the save. */
  tunedAt: string;
}

/** The tunings of this machine (and objective, when given), newest first. */
export async function loadTunings(store: SqlStore, machine: Machine, objective?: Objective): Promise<StoredTuning[]> {
  await ensureTuningsTable(store);
  const rows = await store.query(
    `SELECT * FROM tunings WHERE machine_key = $1 ${objective ? 'AND objective = $2' : ''} ORDER BY tuned_at DESC`,
    objective ? [machineKey(machine), objective] : [machineKey(machine)],
  );
  return rows.map((r) => ({
    scope: r.scope as TuneScope,
    target: String(r.target),
    objective: r.objective as Objective,
    tiling: tilingOfRow(r),
    joules: Number(r.joules),
    seconds: Number(r.seconds),
    ratio: Number(r.ratio),
    estimated: Boolean(r.estimated),
    tunedAt: new Date(r.tuned_at as string).toISOString(),
  }));
}

/** The newest tuning of this exact target (a shape's key or a step's key) on this machine, if any. */
export async function findTuning(
  store: SqlStore,
  machine: Machine,
  target: string,
  objective?: Objective,
): Promise<StoredTuning | undefined> {
  return (await loadTunings(store, machine, objective)).find((t) => t.target === target);
}
