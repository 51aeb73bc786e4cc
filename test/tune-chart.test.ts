import { describe, expect, it } from 'vitest';
import { compile } from 'vega-lite';
import { gridScan } from '../lib/tune/grid-scan.js';
import { tilingGridChart } from '../lib/tune/chart.js';
import { blockBoundaries } from '../lib/report/boundaries.js';
import { TilingSpace } from '../lib/tune/space.js';
import type { Tiling } from '../lib/tiling.js';
import { ScriptedMeter, bowl } from './helpers/scripted-meter.js';

const caches = { l1d_bytes: 48 << 10, l2_bytes: 1 << 20, l3_bytes: 32 << 20 };
const space = { microTiles: [{ isa: 'avx512' as const, mr: 6, nr: 32 }], maxThreads: 1, caches };
const shape = { orientation: 'NN' as const, m: 512, n: 1024, k: 1024 };
const base: Tiling = { isa: 'avx512', mr: 6, nr: 32, mc: 96, kc: 256, nc: 1024, threads: 1, sup: false };

describe('tiling grid chart', () => {
  it('measures every kc of the grid for each mc and marks where each block outgrows its cache', async () => {
    const meter = new ScriptedMeter(bowl);
    const points = await gridScan(meter, shape, new TilingSpace(shape, space), base, { x: 'kc', series: 'mc', repetitions: 2 });
    const mcs = new Set(points.map((p) => p.series));
    expect(mcs.size).toBeGreaterThan(3);
    expect(meter.seen.length).toBe(points.length * 2);
    for (const p of points) expect(p.joules).toBeCloseTo(bowl(p.tiling), 12);

    const rules = blockBoundaries(points, 'kc', caches);
    // kc·nr·4 B = 48 KiB → kc = 384 for every mc: drawn once
    expect(rules.filter((r) => r.level === 'L1')).toEqual([expect.objectContaining({ x: 384, series: null })]);
    // mc·kc·4 B = 1 MiB depends on mc: one rule per mc
    const l2 = rules.filter((r) => r.level === 'L2');
    expect(l2.length).toBe(mcs.size);
    expect(l2.find((r) => r.series === 96)!.x).toBeCloseTo((1 << 20) / (96 * 4), 9);
    // kc·nc·4 B = 32 MiB at kc = 8192 for nc 1024
    expect(rules.find((r) => r.level === 'L3')!.x).toBe(8192);

    const spec = tilingGridChart(points, { shape, x: 'kc', series: 'mc', caches, callsPerDatum: 2 / 512, estimated: true });
    expect(JSON.stringify(spec)).toContain('energy estimated');
    const vega = compile(spec as never).spec;
    const data = (vega.data ?? []) as Array<{ values?: unknown[] }>;
    const measured = data.flatMap((d) => d.values ?? []).filter((v) => (v as { joules_per_datum?: number }).joules_per_datum !== undefined);
    expect(measured.length).toBeGreaterThanOrEqual(points.length);
    // the L3 rule is far outside the measured kc range and is left out of the drawing
    expect(JSON.stringify(spec)).not.toContain('kc·nc·4 B = L3');
    expect(JSON.stringify(spec)).toContain('kc·nr·4 B = L1');
  });
});
