import { describe, expect, it } from 'vitest';
import { tune } from '../lib/tune/tune.js';
import { TilingSpace, tilingKey, type MicroTile } from '../lib/tune/space.js';
import { blockPlacements, packedDepth } from '../lib/tune/blocks.js';
import type { Tiling } from '../lib/tiling.js';
import { trainingGemmShapes } from '../lib/tune/shapes.js';
import { pairedRatioInterval, studentQuantile, studentTwoSidedP } from '../lib/tune/stats.js';
import { ScriptedMeter, bowl } from './helpers/scripted-meter.js';

const microTiles: MicroTile[] = [
  { isa: 'avx512', mr: 6, nr: 32 },
  { isa: 'avx512', mr: 12, nr: 32 },
  { isa: 'avx2', mr: 6, nr: 16 },
];
const space = { microTiles, maxThreads: 2, caches: { l1d_bytes: 48 << 10, l2_bytes: 1 << 20, l3_bytes: 32 << 20 } };
const start: Tiling = { isa: 'avx2', mr: 6, nr: 16, mc: 192, kc: 512, nc: 4096, threads: 1, sup: false };
const big = { orientation: 'NN' as const, m: 1024, n: 2048, k: 1024 };

describe('tune() rejects bad input', () => {
  const meter = new ScriptedMeter(bowl);
  const base = { meter, space, start };
  it.each([
    [{ ...base }, /exactly one of a network/],
    [{ ...base, widths: [10, 20], gemmShapes: [big] }, /exactly one of a network/],
    [{ ...base, widths: [10] }, /at least 2 layer widths/],
    [{ ...base, widths: [10, 0] }, /widths\[1\]/],
    [{ ...base, gemmShapes: [big], objective: 'joules' }, /"energy", "time", "edp" for objective/],
    [{ ...base, gemmShapes: [big], budget: 0 }, /between 1 and 10000 for budget/],
    [{ ...base, gemmShapes: [big], repetitions: { min: 1 } }, /repetitions.min/],
    [{ ...base, gemmShapes: [{ ...big, orientation: 'TT' }] }, /orientation/],
    [{ ...base, gemmShapes: [big], budgett: 3 }, /Unknown option "budgett"/],
  ])('%#', async (options, message) => {
    await expect(tune(options as never)).rejects.toThrow(message);
  });
});

describe('training GEMM shapes', () => {
  it('lists forward (NN), dX (NT, not for the first layer) and dW (TN) shapes, merged by shape', () => {
    const shapes = trainingGemmShapes([784, 300, 300, 10], 256);
    const find = (o: string, m: number, n: number, k: number) =>
      shapes.find((s) => s.orientation === o && s.m === m && s.n === n && s.k === k);
    expect(find('NN', 256, 300, 784)?.count).toBe(1);
    expect(find('NN', 256, 300, 300)?.count).toBe(1);
    expect(find('NT', 256, 300, 300)?.count).toBe(1); // dX of layer 2
    expect(find('NT', 256, 300, 10)?.count).toBe(1); // dX of layer 3
    expect(find('NT', 256, 784, 300)).toBeUndefined(); // the input needs no gradient
    expect(find('TN', 300, 300, 256)?.count).toBe(1);
    expect(shapes.reduce((s, x) => s + x.count, 0)).toBe(3 + 2 + 3);
  });
});

describe('kc on a k-deep shape: equal passes (packedDepth)', () => {
  it('keeps one grid point per pass count, snaps a tiling to the point with its passes, and sizes blocks by the pass depth', () => {
    const shape = { orientation: 'NN' as const, m: 256, n: 512, k: 784 };
    const s = new TilingSpace(shape, space);
    const kcs = s.values('kc', start);
    expect(new Set(kcs.map((kc) => Math.ceil(784 / kc))).size).toBe(kcs.length);
    expect(kcs).toContain(512);
    expect(kcs).not.toContain(768);                            // 2 passes of 392, as 512
    expect(s.effective({ ...start, kc: 768 }).kc).toBe(512);
    expect(s.effective({ ...start, kc: 2000 }).kc).toBe(1024); // one pass
    expect(packedDepth(512, 784)).toBe(392);
    expect(packedDepth(512, 1024)).toBe(512);
    expect(packedDepth(512, 300)).toBe(300);
    const bPanel = blockPlacements({ ...start, kc: 512 }, space.caches, shape).find((b) => b.block === 'B micro-panel')!;
    expect(bPanel.bytes).toBe(392 * start.nr * 4);
  });
});

describe('paired ratio statistics', () => {
  it('matches Student t tables', () => {
    expect(studentQuantile(0.95, 10)).toBeCloseTo(2.228, 3);
    expect(studentQuantile(0.95, 2)).toBeCloseTo(4.303, 3);
    expect(studentTwoSidedP(2.228, 10)).toBeCloseTo(0.05, 3);
  });
  it('puts the ratio of a clear 20% win well below 1 and a tie around 1', () => {
    const inc = [1, 1.02, 0.99, 1.01, 1.0];
    const win = pairedRatioInterval(inc.map((v, i) => v * (0.8 + 0.005 * (i % 2))), inc);
    expect(win.high).toBeLessThan(1);
    expect(win.ratio).toBeCloseTo(0.802, 2);
    const tie = pairedRatioInterval([1.01, 0.99, 1.0, 1.02, 0.98], [1, 1, 1, 1, 1]);
    expect(tie.low).toBeLessThan(1);
    expect(tie.high).toBeGreaterThan(1);
  });
});

describe('coordinate-descent search with a scripted meter', () => {
  const optimum = (s: TilingSpace) => s.all().reduce((best, t) => (bowl(t) < bowl(best) ? t : best));

  it('proposes only tilings of the valid space (mc % mr, nc % nr, offered micro-tiles, within the caches)', async () => {
    const meter = new ScriptedMeter(bowl, undefined, 0.03, 7);
    await tune({ gemmShapes: [big, { orientation: 'TN', m: 300, n: 100, k: 256 }], meter, space, start, budget: 30 });
    expect(meter.seen.length).toBeGreaterThan(10);
    for (const t of meter.seen) {
      expect(t.mc % t.mr).toBe(0);
      expect(t.nc % t.nr).toBe(0);
      expect(microTiles).toContainEqual({ isa: t.isa, mr: t.mr, nr: t.nr });
      expect(t.threads).toBeGreaterThanOrEqual(1);
      expect(t.threads).toBeLessThanOrEqual(2);
    }
  });

  it('finds the known optimum of the grid within its budget (noise-free)', async () => {
    const meter = new ScriptedMeter(bowl);
    const budget = 40;
    const result = await tune({ gemmShapes: [big], meter, space, start, budget, objective: 'energy' });
    const [shape] = result.perShape;
    const best = optimum(new TilingSpace(big, space));
    expect(tilingKey(shape.tuned.tiling)).toBe(tilingKey(best));
    expect(shape.candidates).toBeLessThanOrEqual(budget);
    expect(shape.tuned.joules).toBeCloseTo(bowl(best), 12);
    // the search starts from the default as this shape clamps it (nc 4096 > n behaves as the grid's 2048)
    expect(shape.default.tiling).toEqual({ ...start, nc: 2048 });
    expect(shape.default.joules).toBeCloseTo(bowl(shape.default.tiling), 12);
    expect(shape.confidence?.ratio).toBeCloseTo(bowl(best) / bowl(shape.default.tiling), 12);
    // the whole space is far larger than what the search measured
    expect(new TilingSpace(big, space).all().length).toBeGreaterThan(10 * budget);
  });

  it('finds it through 3% measurement noise, repeating comparisons until they are clear', async () => {
    const meter = new ScriptedMeter(bowl, undefined, 0.03, 42);
    const result = await tune({ gemmShapes: [big], meter, space, start, budget: 40, objective: 'energy' });
    const [shape] = result.perShape;
    expect(tilingKey(shape.tuned.tiling)).toBe(tilingKey(optimum(new TilingSpace(big, space))));
    expect(shape.confidence!.high).toBeLessThan(1);
    // some comparisons needed more than the minimum 3 pairs
    expect(shape.measurements).toBeGreaterThan(2 * 3 * shape.steps.length);
  });

  it('stops at the budget and reports the default when the budget is one tiling', async () => {
    const meter = new ScriptedMeter(bowl);
    const result = await tune({ gemmShapes: [big], meter, space, start, budget: 1 });
    expect(result.perShape[0].candidates).toBe(1);
    expect(result.perShape[0].tuned.tiling).toEqual(result.perShape[0].default.tiling);
    expect(result.perShape[0].confidence).toBeNull();
    const five = await tune({ gemmShapes: [big], meter, space, start, budget: 5 });
    expect(five.perShape[0].candidates).toBeLessThanOrEqual(5);
  });

  it('keeps the default when a lucky chain is not confirmed against it', async () => {
    // pure noise: every tiling costs the same
    const meter = new ScriptedMeter(() => 1, () => 1, 0.05, 3);
    const result = await tune({ gemmShapes: [big], meter, space, start, budget: 20, objective: 'energy' });
    const shape = result.perShape[0];
    expect(shape.tuned.tiling).toEqual(shape.default.tiling);
  });

  it('optimises the objective it is given: time and edp differ from energy when J and s disagree', async () => {
    // energy prefers 1 thread, time prefers 2 threads strongly
    const energy = (t: Tiling) => bowl({ ...t, threads: 1, sup: false }) * (t.threads === 2 ? 1.3 : 1);
    const seconds = (t: Tiling) => bowl({ ...t, threads: 1, sup: false }) * (t.threads === 2 ? 0.55 : 1);
    const run = (objective: 'energy' | 'time' | 'edp') =>
      tune({ gemmShapes: [big], meter: new ScriptedMeter(energy, seconds), space, start, budget: 40, objective });
    expect((await run('energy')).perShape[0].tuned.tiling.threads).toBe(1);
    expect((await run('time')).perShape[0].tuned.tiling.threads).toBe(2);
    expect((await run('edp')).perShape[0].tuned.tiling.threads).toBe(2); // 1.3 × 0.55 < 1
  });

  it('sums per-datum cost over a network with each shape weighted by its count', async () => {
    const meter = new ScriptedMeter(bowl);
    const result = await tune({ widths: [64, 128, 128, 10], batch: 32, meter, space, start, budget: 4, objective: 'energy' });
    const expected = result.perShape.reduce((s, r) => s + r.shape.count * r.tuned.joules, 0) / 32;
    expect(result.perDatum!.tuned.joules).toBeCloseTo(expected, 12);
    expect(result.perDatum!.tuned.joules).toBeLessThanOrEqual(result.perDatum!.default.joules);
  });
});

describe('network scope: one tiling for the whole training step', () => {
  it('minimises Σ count × cost over the step shapes, which need not be any single shape’s optimum', async () => {
    // The TN shape wants small kc, the NN shapes want kc 256: the step optimum is a compromise.
    const energy = (t: Tiling, s: { orientation: string }) =>
      s.orientation === 'TN' ? bowl({ ...t, kc: t.kc * 4 }) : bowl(t);
    const meter = new ScriptedMeter(energy);
    const widths = [512, 512, 512];
    const result = await tune({ widths, batch: 256, meter, space, start, budget: 60, objective: 'energy', scope: 'network' });
    expect(result.perShape).toEqual([]);
    const step = result.step!;
    const shapes = trainingGemmShapes(widths, 256);
    const cost = (t: Tiling) => shapes.reduce((sum, s) => sum + s.count * energy(t, s), 0);
    const enclosing = new TilingSpace({ orientation: 'NN', m: 512, n: 512, k: 512 }, space);
    const best = enclosing.all().reduce((b, t) => (cost(t) < cost(b) ? t : b));
    expect(tilingKey(step.tuned.tiling)).toBe(tilingKey(best));
    expect(step.tuned.joules).toBeCloseTo(cost(best), 12);
    expect(result.perDatum!.tuned.joules).toBeCloseTo(cost(best) / 256, 12);
  });
});

describe('the space on this machine passes the native validator', () => {
  it('every grid point of training shapes, and every tiling a search proposes, is accepted by validateTiling', async () => {
    const { cacheInfo, cpuInfo } = await import('../lib/hardware.js');
    const { validateTiling, defaultTiling } = await import('../lib/tiling.js');
    const { cacheSizes, offeredMicroTiles } = await import('../lib/tune/environment.js');
    const cpu = cpuInfo();
    const here = { microTiles: offeredMicroTiles(cpu), maxThreads: cpu.logicalCores, caches: cacheSizes(cacheInfo()) };
    expect(here.microTiles.length).toBeGreaterThan(0);
    let checked = 0;
    for (const shape of trainingGemmShapes([784, 300, 300, 10], 256)) {
      const s = new TilingSpace(shape, here);
      s.include(defaultTiling());
      for (const t of s.all()) {
        expect(validateTiling(t)).toEqual(t); // throws INVALID_TILING / ISA_UNAVAILABLE otherwise
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
    const meter = new ScriptedMeter(bowl, undefined, 0.03, 5);
    await tune({ widths: [784, 300, 10], batch: 256, meter, space: here, start: defaultTiling(), budget: 20 });
    for (const t of meter.seen) expect(validateTiling(t)).toEqual(t);
  });
});
