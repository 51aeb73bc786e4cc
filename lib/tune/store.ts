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

const COLUMNS: ReadonlyArray<[string, string]> = [
  ['machine_key', 'VARCHAR'], // sha256 prefix of the fields below (machine.ts)
  ['cpu_model', 'VARCHAR'],
  ['l1d_bytes', 'BIGINT'],
  ['l2_bytes', 'BIGINT'],
  ['l3_bytes', 'BIGINT'],
  ['isa', 'VARCHAR'], // best ISA of the machine
  ['cores', 'INTEGER'],
  ['objective', 'VARCHAR'], // 'energy' | 'time' | 'edp'
  ['scope', 'VARCHAR'], // 'shape' | 'network'
  ['target', 'VARCHAR'], // what was tuned: shapeKey() or stepKey()
  ['orientation', 'VARCHAR'], // 'NN' | 'NT' | 'TN' (null for a network's step)
  ['m', 'INTEGER'],
  ['n', 'INTEGER'],
  ['k', 'INTEGER'],
  ['tiling_mc', 'INTEGER'],
  ['tiling_kc', 'INTEGER'],
  ['tiling_nc', 'INTEGER'],
  ['tiling_mr', 'INTEGER'],
  ['tiling_nr', 'INTEGER'],
  ['tiling_threads', 'INTEGER'],
  ['tiling_isa', 'VARCHAR'],
  ['tiling_sup', 'BOOLEAN'], // the unpacked small-product path allowed
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
  const columns = COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ');
  await store.run(`CREATE TABLE IF NOT EXISTS tunings (${columns}, PRIMARY KEY (machine_key, objective, target))`);
}

/** What a network-scope tuning is for: its step's shapes with their counts. */
export function stepKey(shapes: readonly CountedShape[]): string {
  return 'step ' + shapes.map((s) => `${shapeKey(s)}×${s.count}`).join(' + ');
}

export async function saveTunings(store: SqlStore, machine: Machine, result: TuneResult): Promise<number> {
  await ensureTuningsTable(store);
  const key = machineKey(machine);
  const placeholders = COLUMNS.map(([, type], i) => `CAST($${i + 1} AS ${type})`).join(', ');
  const sql = `INSERT OR REPLACE INTO tunings (${COLUMNS.map(([n]) => n).join(', ')}) VALUES (${placeholders})`;
  const now = new Date().toISOString();
  const rows: Array<[string, GemmShape | null, ShapeSearch]> = result.step
    ? [[stepKey(result.shapes), null, result.step]]
    : result.perShape.map((s) => [shapeKey(s.shape), s.shape, s]);
  for (const [target, shape, s] of rows) {
    const t = s.tuned.tiling;
    const c = s.confidence && !s.rejected ? s.confidence : null;
    await store.run(sql, [
      key, machine.cpu_model, machine.l1d_bytes, machine.l2_bytes, machine.l3_bytes, machine.isa, machine.cores,
      result.objective, result.scope, target, shape?.orientation ?? null, shape?.m ?? null, shape?.n ?? null, shape?.k ?? null,
      t.mc, t.kc, t.nc, t.mr, t.nr, t.threads, t.isa, t.sup,
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
    tiling: {
      mc: Number(r.tiling_mc), kc: Number(r.tiling_kc), nc: Number(r.tiling_nc),
      mr: Number(r.tiling_mr), nr: Number(r.tiling_nr), threads: Number(r.tiling_threads),
      isa: r.tiling_isa as Tiling['isa'],
      sup: Boolean(r.tiling_sup),
    },
    joules: Number(r.joules),
    seconds: Number(r.seconds),
    ratio: Number(r.ratio),
    estimated: Boolean(r.estimated),
    tunedAt: String(r.tuned_at),
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
