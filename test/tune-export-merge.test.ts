/**
 * Tunings travel with the store: `export --parquet` writes the tunings and tuning_grid tables when the store has
 * them, and merging shard stores keeps the newest save of each machine+shape key (lib/tune/store.ts NewestWins).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCommand } from '../lib/cli/commands/export.js';
import { mergeStores, type ShardInput } from '../lib/cluster/merge.js';
import { ResultStore } from '../lib/store/store.js';
import { loadGridScans, saveGridScan, type TilingGridScan } from '../lib/tune/grid-store.js';
import type { Machine } from '../lib/tune/machine.js';
import { shapeKey, type GemmShape } from '../lib/tune/shapes.js';
import { loadTunings, saveTunings } from '../lib/tune/store.js';
import { tune, type TuneResult } from '../lib/tune/tune.js';
import type { Tiling } from '../lib/tiling.js';
import { ScriptedMeter, bowl } from './helpers/scripted-meter.js';

const dir = mkdtempSync(join(tmpdir(), 'mlpe-tune-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sink = () => { const lines: string[] = []; return { lines, write: (t: string) => { lines.push(t); } }; };
const caches = { l1d_bytes: 48 << 10, l2_bytes: 1 << 20, l3_bytes: null };
const space = { microTiles: [{ isa: 'avx512' as const, mr: 6, nr: 32 }, { isa: 'avx512' as const, mr: 12, nr: 32 }], maxThreads: 2, caches };
const start: Tiling = { isa: 'avx512', mr: 12, nr: 32, mc: 768, kc: 256, nc: 4096, threads: 2, sup: false };
const here: Machine = { cpu_model: 'Test CPU A', l1d_bytes: 48 << 10, l2_bytes: 1 << 20, l3_bytes: null, isa: 'avx512', cores: 2 };
const other: Machine = { ...here, cpu_model: 'Test CPU B' };
const shapes: GemmShape[] = [{ orientation: 'NN', m: 256, n: 512, k: 512 }, { orientation: 'TN', m: 512, n: 512, k: 256 }];

let tuned: TuneResult;
beforeAll(async () => {
  tuned = await tune({ gemmShapes: shapes, meter: new ScriptedMeter(bowl), space, start, budget: 8, objective: 'energy' });
});

/** A scan of shapes[0] along kc, one point per kc, joules rising with `scale`. */
function scan(machine: Machine, scannedAt: string, kcs: number[], scale = 1): TilingGridScan {
  return {
    machine, network: null, shape: shapes[0], callsPerDatum: 0.5, x: 'kc', series: null, estimated: true, source: 'estimate', scannedAt,
    points: kcs.map((kc) => ({ tiling: { ...start, kc }, x: kc, series: null, joules: scale * kc * 1e-6, seconds: kc * 1e-7, repetitions: 3 })),
  };
}

/** A shard store as a node leaves it: one run, tunings of `machine` saved at `at`, optionally a grid scan. */
async function shardStore(file: string, runId: string, machine: Machine, at: string, grid?: TilingGridScan): Promise<void> {
  const store = await ResultStore.open(file);
  try {
    await store.writeRun({ run_id: runId, source: 'mlp-energy', role: 'run', energy: 1, run_time: 1 });
    await saveTunings(store, machine, tuned);
    // saveTunings stamps the wall clock; the fixture fixes the save time so "newest" is known.
    await store.run('UPDATE tunings SET tuned_at = CAST($1 AS TIMESTAMPTZ)', [at]);
    if (grid) await saveGridScan(store, grid);
  } finally {
    store.close();
  }
}

async function tableRows(file: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const store = await ResultStore.open(file);
  try {
    return await store.query(sql);
  } finally {
    store.close();
  }
}

describe('export --parquet with tunings', () => {
  it('writes tunings and tuning_grid as Parquet with the same rows', async () => {
    const path = join(dir, 'tuned.duckdb');
    await shardStore(path, 'r', here, '2026-11-26 10:00:00+00', scan(here, '2026-11-26T10:00:00.000Z', [64, 128, 256]));
    const out = sink();
    expect(await exportCommand({ parquet: join(dir, 'pq'), from: path, json: true }, { stdout: out })).toBe(0);
    const report = JSON.parse(out.lines.join(''));
    expect(report.skipped.map((s: { table: string }) => s.table)).toEqual(['slurm_tasks']);  // no Slurm merge wrote it
    const rowsOf = (t: string) => report.files.find((f: { file: string }) => f.file.endsWith(`/${t}.parquet`))?.rows;
    expect(rowsOf('tunings')).toBe(2);
    expect(rowsOf('tuning_grid')).toBe(3);

    const store = await ResultStore.open(path);
    try {
      for (const [table, order] of [['tunings', 'target'], ['tuning_grid', 'x']]) {
        const file = join(dir, 'pq', `${table}.parquet`);
        const fromParquet = await store.query(`SELECT * FROM read_parquet('${file}') ORDER BY ${order}`);
        expect(fromParquet).toEqual(await store.query(`SELECT * FROM ${table} ORDER BY ${order}`));
      }
      expect((await store.query(`SELECT DISTINCT target, tiling_kc FROM read_parquet('${join(dir, 'pq', 'tuning_grid.parquet')}') ORDER BY tiling_kc`)))
        .toEqual([64, 128, 256].map((kc) => ({ target: shapeKey(shapes[0]), tiling_kc: kc })));
    } finally {
      store.close();
    }
  });

  it('skips the tuning tables of a store that never tuned, says so, and does not create them', async () => {
    const path = join(dir, 'untuned.duckdb');
    const store = await ResultStore.open(path);
    await store.writeRun({ run_id: 'u', source: 'mlp-energy', role: 'run', energy: 1, run_time: 1 });
    store.close();
    const text = sink();
    expect(await exportCommand({ parquet: join(dir, 'pq-untuned'), from: path }, { stdout: text })).toBe(0);
    expect(text.lines.join('')).toMatch(/^tunings: not in the store .*skipped$/m);
    expect(text.lines.join('')).toMatch(/^tuning_grid: not in the store .*skipped$/m);
    expect(existsSync(join(dir, 'pq-untuned', 'runs.parquet'))).toBe(true);
    expect(existsSync(join(dir, 'pq-untuned', 'tunings.parquet'))).toBe(false);
    const again = await ResultStore.open(path);
    try {
      expect(await again.hasTable('runs')).toBe(true);
      expect(await again.hasTable('tunings')).toBe(false);
      expect(await again.hasTable('tuning_grid')).toBe(false);
    } finally {
      again.close();
    }
  });
});

describe('merge of shard stores with tunings', () => {
  // shard 0: both shapes on `here` at 10:00, a 3-point scan at 10:00.
  // shard 1: the same keys on `here` at 11:00 with shapes[0] retuned (kc 64); `other` too; an older 2-point scan of
  // the same (here, shape) at 09:00, and a scan on `other`.
  const files = [join(dir, 'm-shard-0.duckdb'), join(dir, 'm-shard-1.duckdb')];
  const inputs: ShardInput[] = files.map((file, index) => ({ index, file, planned: [`r${index}`] }));
  beforeAll(async () => {
    await shardStore(files[0], 'r0', here, '2026-11-26 10:00:00+00', scan(here, '2026-11-26T10:00:00.000Z', [64, 128, 256]));
    await shardStore(files[1], 'r1', here, '2026-11-26 11:00:00+00', scan(here, '2026-11-26T09:00:00.000Z', [32, 512], 9));
    const store = await ResultStore.open(files[1]);
    try {
      await store.run('UPDATE tunings SET tiling_kc = 64 WHERE target = $1', [shapeKey(shapes[0])]);
      await saveTunings(store, other, tuned);
      await saveGridScan(store, scan(other, '2026-11-26T08:00:00.000Z', [128]));
    } finally {
      store.close();
    }
  });

  const tunings = (file: string) => tableRows(file, 'SELECT machine_key, target, tiling_kc, tuned_at FROM tunings ORDER BY machine_key, target');
  const grid = (file: string) => tableRows(file, 'SELECT machine_key, target, x, joules, scanned_at FROM tuning_grid ORDER BY machine_key, target, x');

  it('keeps the newest save of each key, whatever the shard order, and merging again changes nothing', async () => {
    const out = join(dir, 'm.duckdb');
    const first = await mergeStores(out, inputs);
    expect(first).toMatchObject({ merged: 2, complete: true });
    expect(first.shards.map((s) => s.keysTaken)).toEqual([{ tunings: 2, tuning_grid: 1 }, { tunings: 4, tuning_grid: 1 }]);

    const merged = await ResultStore.open(out);
    try {
      const mine = await loadTunings(merged, here, 'energy');
      expect(mine.map((t) => [t.target, t.tiling.kc, t.tunedAt.slice(0, 13)]).sort()).toEqual([
        [shapeKey(shapes[0]), 64, '2026-11-26T11'],
        [shapeKey(shapes[1]), tuned.perShape[1].tuned.tiling.kc, '2026-11-26T11'],
      ]);
      expect(await loadTunings(merged, other)).toHaveLength(2);
      const scans = await loadGridScans(merged);
      // The newer scan whole (shard 0's three points), never mixed with the older one's.
      expect(scans.map((s) => [s.machine.cpu_model, s.scannedAt, s.points.map((p) => p.x)])).toEqual([
        ['Test CPU A', '2026-11-26T10:00:00.000Z', [64, 128, 256]],
        ['Test CPU B', '2026-11-26T08:00:00.000Z', [128]],
      ]);
    } finally {
      merged.close();
    }

    const once = { tunings: await tunings(out), grid: await grid(out) };
    const second = await mergeStores(out, inputs);
    expect(second).toMatchObject({ merged: 0, keysTaken: { tunings: 0, tuning_grid: 0 } });
    expect({ tunings: await tunings(out), grid: await grid(out) }).toEqual(once);

    const reversed = join(dir, 'm-reversed.duckdb');
    await mergeStores(reversed, [...inputs].reverse());
    expect({ tunings: await tunings(reversed), grid: await grid(reversed) }).toEqual(once);
  });

  it('merges shards without tuning tables as before, creating none', async () => {
    const plain = join(dir, 'plain-shard.duckdb');
    const store = await ResultStore.open(plain);
    await store.writeRun({ run_id: 'p0', source: 'mlp-energy', role: 'run', energy: 1, run_time: 1 });
    store.close();
    const out = join(dir, 'plain.duckdb');
    const report = await mergeStores(out, [{ index: 0, file: plain, planned: ['p0'] }]);
    expect(report).toMatchObject({ merged: 1, complete: true, keysTaken: {} });
    const merged = await ResultStore.open(out);
    try {
      expect(await merged.query('SELECT run_id FROM runs')).toEqual([{ run_id: 'p0' }]);
      expect(await merged.hasTable('tunings')).toBe(false);
      expect(await merged.hasTable('tuning_grid')).toBe(false);
    } finally {
      merged.close();
    }
    // A plain shard then a tuned one: the tunings arrive with the second.
    const both = await mergeStores(out, [{ index: 0, file: plain, planned: ['p0'] }, inputs[0]]);
    expect(both.keysTaken).toEqual({ tunings: 2, tuning_grid: 1 });
    expect(await tunings(out)).toHaveLength(2);
  });

  it('merges a shard written before tunings had tiling_sup: its rows keep the native default (sup allowed)', async () => {
    const old = join(dir, 'old-shard.duckdb');
    await shardStore(old, 'o0', other, '2026-11-25 10:00:00+00');
    const store = await ResultStore.open(old);
    try {
      await store.run('UPDATE tunings SET tiling_sup = false');
      await store.run('ALTER TABLE tunings DROP COLUMN tiling_sup');
    } finally {
      store.close();
    }
    const out = join(dir, 'with-old.duckdb');
    const report = await mergeStores(out, [inputs[0], { index: 1, file: old, planned: ['o0'] }]);
    expect(report.keysTaken).toEqual({ tunings: 4, tuning_grid: 1 });
    const merged = await ResultStore.open(out);
    try {
      expect((await loadTunings(merged, other)).map((t) => t.tiling.sup)).toEqual([true, true]);
    } finally {
      merged.close();
    }
  });
});
