import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from 'vega-lite';
import { gridAxes, tuneGridCommand } from '../lib/cli/commands/tune.js';
import { writeReport } from '../lib/report/index.js';
import { EAGLE_CPU } from '../lib/model/profiles.js';
import { ResultStore } from '../lib/store/store.js';
import type { Tiling } from '../lib/tiling.js';
import { gridTilings } from '../lib/tune/grid-scan.js';
import { loadGridScans } from '../lib/tune/grid-store.js';
import { flops, selectShape, trainingGemmShapes } from '../lib/tune/shapes.js';
import { TilingSpace } from '../lib/tune/space.js';
import { syntheticRuns } from './model-fixtures.js';
import { capture, scriptedEnvironment, SCRIPTED_CACHES, SCRIPTED_MICRO_TILES } from './helpers/scripted-environment.js';

const dir = mkdtempSync(join(tmpdir(), 'mlpe-tune-grid-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const caches = SCRIPTED_CACHES;
const microTiles = SCRIPTED_MICRO_TILES;
const start: Tiling = { isa: 'avx512', mr: 12, nr: 32, mc: 96, kc: 256, nc: 4096, threads: 2, sup: true };
// 537_houses has 8 inputs, 1 output: a tiny network, so the scripted scan is instant.
const network = 'rectangle,2^14,depth 3,dataset 537_houses';

describe('tune --grid rejects bad input', () => {
  it('names the option and what it accepts', async () => {
    expect(() => gridAxes('kc,kc')).toThrow(/two different axes of kc, mc, nc, threads/);
    expect(() => gridAxes('kc,mc,nc')).toThrow(/--grid "kc,mc,nc"/);
    expect(() => gridAxes('mr')).toThrow(/e\.g\. --grid kc,mc/);
    expect(gridAxes(true)).toEqual({ x: 'kc', series: 'mc' });
    expect(gridAxes('nc')).toEqual({ x: 'nc', series: undefined });
    const stdout = capture();
    await expect(tuneGridCommand({ network, grid: true, gridShape: 'NN 1x2x3', save: false }, { stdout }, scriptedEnvironment(true, start))).rejects.toThrow(
      /'largest' or one of this network's GEMM shapes: 'NN 256×123×8' \(forward L1\), .* for --grid-shape but received "NN 1x2x3"/,
    );
    await expect(tuneGridCommand({ network, grid: 'kc', budget: '0', save: false }, { stdout }, scriptedEnvironment(true, start))).rejects.toThrow(/--budget/);
    await expect(tuneGridCommand({ network: '', grid: true }, { stdout }, scriptedEnvironment(true, start))).rejects.toThrow(/Nothing to scan/);
  });
});

describe('gridTilings rejects bad input', () => {
  it('names the axis, budget, tiling or space to fix', () => {
    const bad = (message: RegExp) => expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(message) });
    const space = new TilingSpace({ orientation: 'NN', m: 512, n: 1024, k: 1024 }, { microTiles, maxThreads: 2, caches });
    expect(() => gridTilings(space, start, { x: 'mr' as never })).toThrow(bad(/"kc", "mc", "nc", "threads" for x but received "mr"/));
    expect(() => gridTilings(space, start, { x: 'kc', series: 'kc' })).toThrow(bad(/an axis other than x \(kc\) for series/));
    expect(() => gridTilings(space, start, { x: 'kc', maxPoints: 0 })).toThrow(bad(/for maxPoints but received 0/));
    expect(() => gridTilings(space, start, { x: 'kc', maxPoints: NaN })).toThrow(bad(/for maxPoints but received NaN/));
    expect(() => gridTilings(space, start, { x: 'kc', points: 4 } as never)).toThrow(expect.objectContaining({ code: 'UNKNOWN_OPTION' }));
    expect(() => gridTilings(space, start, null as never)).toThrow(bad(/for options but received null/));
    expect(() => gridTilings(space, { ...start, kc: undefined } as never, { x: 'kc' })).toThrow(bad(/complete tiling .* for base\.kc/));
    expect(() => gridTilings(space, { ...start, mc: -4 }, { x: 'kc' })).toThrow(bad(/for base\.mc but received -4/));
    expect(() => gridTilings({} as never, start, { x: 'kc' })).toThrow(bad(/a TilingSpace .* for space/));
  });
});

describe('which shape and which tilings a grid scan measures', () => {
  it('picks the shape with the most FLOPs per step, or one named as printed', () => {
    const shapes = trainingGemmShapes([784, 214, 214, 214, 10], 256);
    const largest = selectShape(shapes, 'largest');
    for (const s of shapes) expect(flops(largest) * largest.count).toBeGreaterThanOrEqual(flops(s) * s.count);
    expect(largest.roles).toEqual(['forward L1']); // ties (dW L1 has the same FLOPs) go to the first
    expect(selectShape(shapes, ' tn 214x214X256 ')).toMatchObject({ orientation: 'TN', m: 214, n: 214, k: 256, count: 2 });
  });

  it('thins a slice to the budget, keeping the base tiling’s own values', () => {
    const shape = { orientation: 'NN' as const, m: 512, n: 1024, k: 1024 };
    const space = new TilingSpace(shape, { microTiles, maxThreads: 2, caches });
    const full = gridTilings(space, start, { x: 'kc', series: 'mc' });
    const series = new Set(full.map((p) => p.series));
    expect(series.size).toBeGreaterThan(4);
    for (const budget of [1, 7, 12, 30]) {
      const thin = gridTilings(space, start, { x: 'kc', series: 'mc', maxPoints: budget });
      expect(thin.length).toBeLessThanOrEqual(budget);
      expect(thin.length).toBeGreaterThan(0);
      expect(thin.some((p) => p.series === 96)).toBe(true);
      expect(thin.some((p) => p.tiling.kc === 256 && p.tiling.mc === 96)).toBe(true);
      // every point is one of the full slice's
      for (const p of thin) expect(full).toContainEqual(p);
    }
    expect(gridTilings(space, start, { x: 'kc', series: 'mc', maxPoints: 1000 })).toEqual(full);
  });
});

describe('mlp-energy tune --grid', () => {
  it('scans the largest shape, prints a table with the estimate labelled, saves rows a report charts', async () => {
    const env = scriptedEnvironment(true, start);
    const stdout = capture();
    const stderr = capture();
    const store = join(dir, 'grid.duckdb');
    const scan = await tuneGridCommand({ network, grid: 'kc,mc', budget: '12', store }, { stdout, stderr }, env);
    expect(env.closed).toBe(true);
    expect(scan.shape).toEqual({ orientation: 'NN', m: 256, n: scan.shape.n, k: scan.shape.n });
    expect(scan.points.length).toBeGreaterThan(3);
    expect(scan.points.length).toBeLessThanOrEqual(12);
    // the packed path, so mc and nc matter; 3 windows per tiling
    expect(env.meter.seen.every((t) => t.sup === false)).toBe(true);
    expect(env.meter.seen.length).toBe(3 * scan.points.length);
    // widths 8→w→w→1: the w×w layer's three GEMMs tie on FLOPs; the first (its forward) is taken
    expect(stderr.text).toMatch(/scanning kc × mc of NN 256×\d+×\d+ \(forward L2\)/);
    expect(stderr.text).toContain(`saved ${scan.points.length} grid points`);
    expect(stdout.text).toContain('J/datum (estimated)');
    expect(stdout.text).toMatch(/joules are an ESTIMATE/);
    const least = scan.points.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    expect(stdout.text).toMatch(new RegExp(`\\n${least.series}\\s+${least.x}\\s+mc ${least.tiling.mc} kc ${least.tiling.kc} .*J,s`));

    const s = await ResultStore.open(store);
    try {
      const rows = await s.query('SELECT * FROM tuning_grid ORDER BY series, x');
      expect(rows.length).toBe(scan.points.length);
      const row = rows.find((r) => r.tiling_kc === least.tiling.kc && r.tiling_mc === least.tiling.mc)!;
      expect(row).toMatchObject({ cpu_model: 'Scripted CPU', target: `NN 256×${scan.shape.n}×${scan.shape.k}`, x_axis: 'kc', series_axis: 'mc', estimated: true, tiling_sup: false });
      expect(row.joules_per_datum).toBeCloseTo(least.joules / 256, 15); // 1 call of this shape per step of 256
      expect(row.seconds_per_datum).toBeCloseTo(least.seconds / 256, 15);
      expect(row.b_micro_panel_bytes).toBe(Math.min(least.tiling.kc, scan.shape.k) * 32 * 4);
      expect(row.b_micro_panel_level).toBe('L1');
      expect(['L1', 'L2', 'L3?']).toContain(row.a_block_level);

      // a rescan of the same shape replaces the rows; the report draws the stored scan
      await tuneGridCommand({ network, grid: 'kc', budget: '4', store: s.path, save: false }, { stdout: capture() }, scriptedEnvironment(true, start));
      const [loaded] = await loadGridScans(s);
      expect(loaded.points).toEqual(scan.points);
      expect(loaded.callsPerDatum).toBeCloseTo(1 / 256, 15);
      const report = await writeReport({ runs: syntheticRuns().slice(0, 2), out: join(dir, 'report.html'), profiles: { cpu: EAGLE_CPU }, tilingGrids: [loaded] });
      const chart = report.charts.find((c) => c.id.startsWith('tiling-grid-nn-256'))!;
      expect(chart.title).toBe(`Tiling grid of NN 256×${scan.shape.n}×${scan.shape.k} on Scripted CPU`);
      expect(JSON.stringify(chart.spec)).toContain('J / datum (estimated)');
      expect(chart.description).toMatch(/Energy is an ESTIMATE/);
      expect(() => compile(chart.spec as never)).not.toThrow();
      expect(chart.table.rows.length).toBe(scan.points.length);
      const html = readFileSync(report.out, 'utf8');
      expect(html).toContain(`id="chart-${chart.id}"`);
      expect(html).toContain('"id":"' + chart.id + '"');
    } finally {
      s.close();
    }
  });

  it('a store without grid scans gives none, and reading it creates no table', async () => {
    const s = await ResultStore.open(join(dir, 'empty.duckdb'));
    try {
      expect(await loadGridScans(s)).toEqual([]);
      expect(await s.query("SELECT * FROM information_schema.tables WHERE table_name = 'tuning_grid'")).toEqual([]);
    } finally {
      s.close();
    }
  });
});

describe('report of a store with grid scans only', () => {
  it('draws the tiling-grid chart and says there is no model yet', async () => {
    const env = scriptedEnvironment(false, start);
    const scan = await tuneGridCommand({ network, grid: 'nc', budget: '5', save: false }, { stdout: capture() }, env);
    const report = await writeReport({ runs: [], out: join(dir, 'grid-only.html'), profiles: { cpu: EAGLE_CPU }, tilingGrids: [scan] });
    expect(report.charts.map((c) => c.id)).toEqual([expect.stringMatching(/^tiling-grid-nn-256-/)]);
    expect(JSON.stringify(report.charts[0].spec)).not.toContain('estimated');
    expect(report.fitError).toMatch(/no runs yet/);
    expect(readFileSync(report.out, 'utf8')).toContain('The model was not fitted: no runs yet');
  });
});
