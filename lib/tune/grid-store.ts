/**
 * Tiling-grid scans persist in the results store as a `tuning_grid` table: one row per measured tiling, keyed like
 * tunings by machine, then by GEMM shape. A new scan of a shape on a machine replaces the old one; the report draws
 * one chart per (machine, shape) stored.
 */
import { blockPlacements, type CacheSizes } from './blocks.js';
import type { GridAxis, GridPoint } from './grid-scan.js';
import { machineKey, type Machine } from './machine.js';
import { shapeKey, type GemmShape, type Orientation } from './shapes.js';
import { createTableSql, insertSql, MACHINE_COLUMNS, machineOfRow, machineValues, TILING_COLUMNS, tilingOfRow, tilingValues, TUNINGS_MERGE, type NewestWins, type SqlColumns, type SqlStore } from './store.js';

/** One scan: a slice of one shape's tiling grid on one machine. */
export interface TilingGridScan {
  machine: Machine;
  /** The network the shape comes from, in words (null for a bare shape). */
  network: string | null;
  shape: GemmShape;
  /** Calls of this shape per training datum (count / batch): per-call cost × this = per-datum cost. */
  callsPerDatum: number;
  x: GridAxis;
  series: GridAxis | null;
  /** True when joules are a CPU-time estimate (no hardware counter). */
  estimated: boolean;
  source: string;
  /** ISO time of the scan. */
  scannedAt: string;
  points: GridPoint[];
}

const COLUMNS: SqlColumns = [
  ...MACHINE_COLUMNS,
  ['network', 'VARCHAR'], // the network the shape comes from (null for a bare shape)
  ['target', 'VARCHAR'], // shapeKey(): 'NN 256×214×784'
  ['orientation', 'VARCHAR'], // 'NN' | 'NT' | 'TN'
  ['m', 'INTEGER'],
  ['n', 'INTEGER'],
  ['k', 'INTEGER'],
  ['calls_per_datum', 'DOUBLE'], // calls of the shape per training datum (count / batch)
  ['x_axis', 'VARCHAR'], // the tiling field varied along the chart's x axis: kc | mc | nc | threads
  ['series_axis', 'VARCHAR'], // the field varied across lines (null: one line)
  ['x', 'INTEGER'],
  ['series', 'INTEGER'],
  ...TILING_COLUMNS,
  ['repetitions', 'INTEGER'], // measurement windows per tiling
  ['joules', 'DOUBLE'], // per GEMM call, median over the repetitions
  ['seconds', 'DOUBLE'],
  ['joules_per_datum', 'DOUBLE'], // joules × calls_per_datum
  ['seconds_per_datum', 'DOUBLE'],
  ['estimated', 'BOOLEAN'], // joules were an estimate (no counter)
  ['energy_source', 'VARCHAR'],
  // Where each packed block sits (blocks.ts; sizes as packed for this shape): bytes and smallest holding level.
  ['b_micro_panel_bytes', 'BIGINT'], // kc·nr·4, sized for L1
  ['b_micro_panel_level', 'VARCHAR'],
  ['a_block_bytes', 'BIGINT'], // mc·kc·4, sized for L2
  ['a_block_level', 'VARCHAR'],
  ['b_panel_bytes', 'BIGINT'], // kc·nc·4, sized for L3
  ['b_panel_level', 'VARCHAR'],
  ['scanned_at', 'TIMESTAMPTZ'],
];

/** A scan is replaced whole per (machine, shape), as saveGridScan does: the newest scan's points win, never a mix. */
export const GRID_MERGE: NewestWins = { table: 'tuning_grid', key: ['machine_key', 'target'], time: 'scanned_at' };

/** The tables tuning adds to a store when first used (absent from stores that never tuned). */
export const TUNE_MERGES: readonly NewestWins[] = [TUNINGS_MERGE, GRID_MERGE];
export const TUNE_TABLES: readonly string[] = TUNE_MERGES.map((m) => m.table);

export async function ensureGridTable(store: SqlStore): Promise<void> {
  await store.run(createTableSql('tuning_grid', COLUMNS));
}

export function machineCaches(machine: Machine): CacheSizes {
  return { l1d_bytes: machine.l1d_bytes, l2_bytes: machine.l2_bytes, l3_bytes: machine.l3_bytes };
}

/** Writes a scan's points in one transaction, replacing any earlier scan of the same shape on the same machine. */
export async function saveGridScan(store: SqlStore, scan: TilingGridScan): Promise<number> {
  await ensureGridTable(store);
  const target = shapeKey(scan.shape);
  const sql = insertSql('tuning_grid', COLUMNS);
  const caches = machineCaches(scan.machine);
  await store.run('BEGIN TRANSACTION');
  try {
    await store.run('DELETE FROM tuning_grid WHERE machine_key = $1 AND target = $2', [machineKey(scan.machine), target]);
    for (const p of scan.points) {
      const blocks = blockPlacements(p.tiling, caches, scan.shape).flatMap((b) => [b.bytes, b.level]);
      await store.run(sql, [
        ...machineValues(scan.machine),
        scan.network, target, scan.shape.orientation, scan.shape.m, scan.shape.n, scan.shape.k, scan.callsPerDatum,
        scan.x, scan.series, p.x, p.series,
        ...tilingValues(p.tiling),
        p.repetitions, p.joules, p.seconds, p.joules * scan.callsPerDatum, p.seconds * scan.callsPerDatum,
        scan.estimated, scan.source, ...blocks, scan.scannedAt,
      ]);
    }
    await store.run('COMMIT');
  } catch (error) {
    await store.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return scan.points.length;
}

/** Every stored scan, one per (machine, shape); none (and nothing created) when the store has no tuning_grid. */
export async function loadGridScans(store: Pick<SqlStore, 'query'>): Promise<TilingGridScan[]> {
  const [exists] = await store.query("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'tuning_grid'");
  if (Number(exists?.n ?? 0) === 0) return [];
  const rows = await store.query('SELECT * FROM tuning_grid ORDER BY cpu_model, machine_key, target, series, x');
  const scans = new Map<string, TilingGridScan>();
  for (const r of rows) {
    const key = `${r.machine_key}|${r.target}`;
    let scan = scans.get(key);
    if (!scan) {
      scan = {
        machine: machineOfRow(r),
        network: r.network === null ? null : String(r.network),
        shape: { orientation: r.orientation as Orientation, m: Number(r.m), n: Number(r.n), k: Number(r.k) },
        callsPerDatum: Number(r.calls_per_datum),
        x: r.x_axis as GridAxis,
        series: r.series_axis === null ? null : (r.series_axis as GridAxis),
        estimated: Boolean(r.estimated),
        source: String(r.energy_source),
        scannedAt: new Date(r.scanned_at as string).toISOString(),
        points: [],
      };
      scans.set(key, scan);
    }
    scan.points.push({
      tiling: tilingOfRow(r),
      x: Number(r.x),
      series: r.series === null ? null : Number(r.series),
      joules: Number(r.joules),
      seconds: Number(r.seconds),
      repetitions: Number(r.repetitions),
    });
  }
  return [...scans.values()];
}
