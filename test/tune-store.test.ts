import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { ResultStore } from '../lib/store/store.js';
import { machineKey, type Machine } from '../lib/tune/machine.js';
import { findTuning, loadTunings, saveTunings, stepKey } from '../lib/tune/store.js';
import { shapeKey } from '../lib/tune/shapes.js';
import { tune } from '../lib/tune/tune.js';
import type { Tiling } from '../lib/tiling.js';
import { ScriptedMeter, bowl } from './helpers/scripted-meter.js';

const dir = mkdtempSync(join(tmpdir(), 'mlpe-tune-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const caches = { l1d_bytes: 48 << 10, l2_bytes: 1 << 20, l3_bytes: null };
const space = { microTiles: [{ isa: 'avx512' as const, mr: 6, nr: 32 }, { isa: 'avx512' as const, mr: 12, nr: 32 }], maxThreads: 2, caches };
const start: Tiling = { isa: 'avx512', mr: 12, nr: 32, mc: 768, kc: 256, nc: 4096, threads: 2, sup: false };
const here: Machine = { cpu_model: 'Test CPU A', l1d_bytes: 48 << 10, l2_bytes: 1 << 20, l3_bytes: null, isa: 'avx512', cores: 2 };
const other: Machine = { ...here, l2_bytes: 2 << 20 };

describe('tunings in the results store', () => {
  it('keys machines by CPU model, caches, ISA and cores', () => {
    expect(machineKey(here)).toBe(machineKey({ ...here }));
    for (const change of [{ cpu_model: 'B' }, { l1d_bytes: 32 << 10 }, { l2_bytes: 2 << 20 }, { l3_bytes: 32 << 20 }, { isa: 'avx2' }, { cores: 4 }]) {
      expect(machineKey({ ...here, ...change })).not.toBe(machineKey(here));
    }
  });

  it('saves per-shape and network tunings, reloads them for this machine only, newest replacing older', async () => {
    const path = join(dir, 'results.duckdb');
    const gemmShapes = [{ orientation: 'NN' as const, m: 256, n: 512, k: 512 }, { orientation: 'TN' as const, m: 512, n: 512, k: 256 }];
    const perShape = await tune({ gemmShapes, meter: new ScriptedMeter(bowl), space, start, budget: 12, objective: 'energy' });
    const network = await tune({ widths: [64, 512, 512], batch: 256, meter: new ScriptedMeter(bowl), space, start, budget: 12, objective: 'time', scope: 'network' });

    let store = await ResultStore.open(path);
    expect(await saveTunings(store, here, perShape)).toBe(2);
    expect(await saveTunings(store, here, network)).toBe(1);
    expect(await saveTunings(store, other, perShape)).toBe(2);
    store.close();

    store = await ResultStore.open(path); // reload from disk
    try {
      const mine = await loadTunings(store, here);
      expect(mine.length).toBe(3);
      const nn = await findTuning(store, here, shapeKey(gemmShapes[0]), 'energy');
      expect(nn?.tiling).toEqual(perShape.perShape[0].tuned.tiling);
      expect(nn?.joules).toBeCloseTo(perShape.perShape[0].tuned.joules, 12);
      expect(nn?.estimated).toBe(false);
      const step = await findTuning(store, here, stepKey(network.shapes), 'time');
      expect(step?.scope).toBe('network');
      expect(step?.tiling).toEqual(network.step!.tuned.tiling);
      // another objective or another machine does not see them
      expect(await findTuning(store, here, shapeKey(gemmShapes[0]), 'time')).toBeUndefined();
      expect((await loadTunings(store, { ...here, cpu_model: 'Unknown' })).length).toBe(0);
      expect((await loadTunings(store, other)).length).toBe(2);
      // saving again replaces rather than duplicates
      await saveTunings(store, here, perShape);
      expect((await loadTunings(store, here)).length).toBe(3);
    } finally {
      store.close();
    }
  });

  it('opens a store written before tunings had tiling_sup: the column is added, old rows keep the native default', async () => {
    const path = join(dir, 'old.duckdb');
    // The tunings table as commit 46729af created it (no tiling_sup), with one row.
    const old = await DuckDBInstance.create(path);
    const c = await old.connect();
    await c.run(`CREATE TABLE tunings (machine_key VARCHAR, cpu_model VARCHAR, l1d_bytes BIGINT, l2_bytes BIGINT, l3_bytes BIGINT,
      isa VARCHAR, cores INTEGER, objective VARCHAR, scope VARCHAR, target VARCHAR, orientation VARCHAR, m INTEGER, n INTEGER,
      k INTEGER, tiling_mc INTEGER, tiling_kc INTEGER, tiling_nc INTEGER, tiling_mr INTEGER, tiling_nr INTEGER,
      tiling_threads INTEGER, tiling_isa VARCHAR, joules DOUBLE, seconds DOUBLE, default_joules DOUBLE, default_seconds DOUBLE,
      ratio DOUBLE, ratio_low DOUBLE, ratio_high DOUBLE, p_value DOUBLE, estimated BOOLEAN, energy_source VARCHAR,
      candidates INTEGER, tuned_at TIMESTAMPTZ, PRIMARY KEY (machine_key, objective, target))`);
    await c.run(`INSERT INTO tunings VALUES ('${machineKey(here)}', 'Test CPU A', ${48 << 10}, ${1 << 20}, NULL, 'avx512', 2,
      'time', 'shape', 'NN 64×64×64', 'NN', 64, 64, 64, 96, 128, 1024, 12, 32, 1, 'avx512', 1e-3, 2e-5, 1e-3, 2e-5,
      1, NULL, NULL, NULL, true, 'estimate', 4, '2026-11-26 12:00:00+00')`);
    c.closeSync();
    old.closeSync();

    const store = await ResultStore.open(path);
    try {
      const [row] = await loadTunings(store, here);
      expect(row.tiling).toEqual({ isa: 'avx512', mr: 12, nr: 32, mc: 96, kc: 128, nc: 1024, threads: 1, sup: true });
      const perShape = await tune({ gemmShapes: [{ orientation: 'NN', m: 64, n: 64, k: 64 }], meter: new ScriptedMeter(bowl), space, start, budget: 4, objective: 'time' });
      perShape.perShape[0].tuned.tiling.sup = false;
      await saveTunings(store, here, perShape);
      expect((await findTuning(store, here, 'NN 64×64×64', 'time'))?.tiling.sup).toBe(false);
    } finally {
      store.close();
    }
  });
});
