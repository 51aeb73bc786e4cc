import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
});
