import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { sweepCommand } from '../lib/cli/commands/sweep.js';
import { runsFromStore } from '../lib/model/from-store.js';
import { buildCharts } from '../lib/report/charts.js';
import { tracesFromStore } from '../lib/report/traces.js';
import { ResultStore } from '../lib/store/store.js';
import { defaultBackends } from '../lib/sweep/backends.js';
import type { Backends } from '../lib/sweep/ports.js';
import { FakePowercap } from './meters-fixtures.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mlpe-trace-'));
const sink = () => ({ write: (_: string) => {} });
const HZ = 200;

/** Two runs long enough (0.3–0.45 s each on this 2-core VM) for dozens of samples at 200 Hz. */
const spec = {
  name: 'traced', datasets: ['529_pollen'], shapes: ['rectangle', 'trapezoid'], sizes: [65536], depths: [3],
  epochs: 20, batchSize: 32, idleSeconds: 0, overhead: false,
};

async function sweep(out: string, options: object = {}, backends?: Backends): Promise<number> {
  const dir = tmp();
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
  return sweepCommand({ spec: join(dir, 'spec.json'), out, json: true, synthetic: 'always', ...options }, { stdout: sink(), stderr: sink(), backends });
}

type TraceRow = { run_id: string; t: number; domain: string; watts: number | null; estimated: boolean };

async function storedTraces(out: string) {
  const store = await ResultStore.open(out);
  try {
    return {
      rows: (await store.query('SELECT run_id, t, domain, watts, estimated FROM power_traces ORDER BY run_id, domain, t')) as TraceRow[],
      runs: await store.query("SELECT run_id, run_time, energy_domains, json_extract(run_data, '$.trace') AS trace, json_extract_string(run_data, '$.parallel') AS parallel FROM runs ORDER BY run_id"),
    };
  } finally {
    store.close();
  }
}

describe('sweep --trace-hz: bad input first', () => {
  it('rejects a rate that is not a number of samples per second in range, naming the flag or field', async () => {
    const out = join(tmp(), 'r.duckdb');
    await expect(sweep(out, { traceHz: 'fast' })).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/--trace-hz expects samples per second between 0 \(no trace\) and 1000 but received "fast"/) });
    await expect(sweep(out, { traceHz: '5000' })).rejects.toThrow(/--trace-hz expects .* received "5000"/);
    const dir = tmp();
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...spec, traceHz: -1 }));
    await expect(sweepCommand({ spec: join(dir, 'bad.json'), out, dryRun: true }, { stdout: sink(), stderr: sink() }))
      .rejects.toThrow(/traceHz: expected a number between 0 and 1000 but received -1/);
  });
});

describe('sweep --trace-hz: each run\'s power trace in power_traces', () => {
  it('with the labelled estimate (no RAPL here): samples inside the run, marked estimated, picked up by the report', async () => {
    const out = join(tmp(), 'r.duckdb');
    const estimate = await defaultBackends({ meters: { cpu: 'estimate' } });
    // No trace unless asked for.
    expect(await sweep(out, {}, estimate)).toBe(0);
    const untraced = await storedTraces(out);
    expect(untraced.runs).toHaveLength(2);
    expect(untraced.rows).toEqual([]);
    expect(untraced.runs.every((r) => r.trace === null)).toBe(true);
    expect(untraced.runs.map((r) => r.parallel)).toEqual(['gemm', 'gemm']);  // one thread: how it ran is on record

    expect(await sweep(out, { traceHz: String(HZ), rerun: true }, estimate)).toBe(0);
    const { rows, runs } = await storedTraces(out);
    for (const run of runs) {
      const mine = rows.filter((r) => r.run_id === run.run_id);
      const info = JSON.parse(run.trace as string);
      // One row per sample per domain (the estimate has one: cpu); as many samples as the run recorded, none lost.
      expect(info.lost).toBe(0);
      expect(mine).toHaveLength(info.samples);
      expect(info.samples).toBeGreaterThan(2);
      expect(info.samples).toBeLessThanOrEqual(Math.ceil((run.run_time as number) * HZ) + 1);
      for (const r of mine) {
        expect(r).toMatchObject({ domain: 'cpu', estimated: true });
        expect(r.t).toBeGreaterThan(0);
        expect(r.t).toBeLessThanOrEqual((run.run_time as number) + 0.01);
        expect(r.watts).toBeGreaterThanOrEqual(0);
      }
      expect(Math.max(...mine.map((r) => r.watts!))).toBeGreaterThan(0); // training burns CPU time
    }
    // The report's reader and chart: the stored samples, with the estimate flag in the chart's table.
    const store = await ResultStore.open(out);
    try {
      const traces = await tracesFromStore(store);
      expect(traces.map((t) => t.run_id)).toEqual(runs.map((r) => r.run_id));
      expect(traces.reduce((n, t) => n + t.samples.length, 0)).toBe(rows.length);
      const charts = buildCharts({ runs: await runsFromStore(store), groups: [], fit: null, traces });
      const chart = charts.find((c) => c.id === 'power-traces')!;
      expect(chart.table.columns).toContain('estimated');
      expect(chart.table.rows).toHaveLength(rows.length);
      expect(chart.table.rows.every((row) => (row as { estimated: boolean }).estimated)).toBe(true);
    } finally {
      store.close();
    }
    // Rerunning replaces each run's trace with the new one: no run keeps two.
    expect(await sweep(out, { traceHz: String(HZ), rerun: true }, estimate)).toBe(0);
    const again = await storedTraces(out);
    for (const run of again.runs) {
      expect(again.rows.filter((r) => r.run_id === run.run_id)).toHaveLength(JSON.parse(run.trace as string).samples);
    }
  });

  it('with hardware counters (a fake powercap tree fed at 40 W + 8 W): their power, not estimated', async () => {
    // 10 J counters: the package wraps every 250 ms, so the poller reads every 2.5 ms and the trace is folded to 200 Hz.
    const RANGE_UJ = 9_999_999;
    const rapl = new FakePowercap([
      { dir: 'intel-rapl:0', name: 'package-0', rangeUj: RANGE_UJ },
      { dir: 'intel-rapl:0:0', name: 'dram', rangeUj: RANGE_UJ },
    ]);
    // The counters follow the wall clock: what a package and its DRAM drawing constant power show. A worker thread
    // writes them, so the sweep's own work on the main thread does not hold the feed back. Written in place (the
    // meters keep the files open; a truncating write could be read half-done), all the same width: they wrap.
    const feed = new Worker(`
      const { openSync, writeSync, closeSync } = require('node:fs');
      const { workerData, parentPort } = require('node:worker_threads');
      const feeds = workerData.feeds.map((f) => ({ ...f, fd: openSync(f.file, 'r+') }));
      const started = performance.now();
      const tick = () => {
        const s = (performance.now() - started) / 1000;
        for (const f of feeds) writeSync(f.fd, String(Math.floor(f.uw * s) % (workerData.range + 1)).padStart(7, '0') + '\\n', 0);
      };
      const timer = setInterval(tick, 1);
      tick();
      parentPort.postMessage('feeding');
      parentPort.on('message', () => { clearInterval(timer); feeds.forEach((f) => closeSync(f.fd)); parentPort.close(); });
    `, { eval: true, workerData: { range: RANGE_UJ, feeds: [
      { file: join(rapl.root, 'intel-rapl:0', 'energy_uj'), uw: 40e6 }, { file: join(rapl.root, 'intel-rapl:0:0', 'energy_uj'), uw: 8e6 }] } });
    await new Promise((done) => feed.once('message', done)); // the counters move before any run starts
    try {
      const out = join(tmp(), 'r.duckdb');
      const backends = await defaultBackends({ meters: { cpu: 'powercap', powercapRoot: rapl.root } });
      expect(await sweep(out, { traceHz: String(HZ) }, backends)).toBe(0);
      const { rows, runs } = await storedTraces(out);
      expect(new Set(rows.map((r) => r.domain))).toEqual(new Set(['package-0', 'dram-0']));
      expect(rows.every((r) => r.estimated === false)).toBe(true);
      // Each sample is the mean power since the one before, so the samples after the first integrate to the counter's
      // growth over the traced span, inside the run's window: never more than the window's own reading.
      const traced = (samples: TraceRow[]) => samples.slice(1).reduce((j, r, i) => j + r.watts! * (r.t - samples[i].t), 0);
      const span = (samples: TraceRow[]) => samples.at(-1)!.t - samples[0].t;
      // The feed ticks every ~1 ms on a loaded machine: powers are checked to ±10% (1–2% seen here), not to the counters'.
      const near = (watts: number, fed: number) => expect(Math.abs(watts / fed - 1), `${watts} W vs ${fed} W fed`).toBeLessThan(0.1);
      for (const run of runs) {
        const mine = rows.filter((r) => r.run_id === run.run_id);
        const info = JSON.parse(run.trace as string);
        expect(info.lost).toBe(0);
        expect(mine).toHaveLength(2 * info.samples);
        expect(info.samples).toBeLessThanOrEqual(Math.ceil((run.run_time as number) * HZ) + 1); // folded, not 400 Hz
        const pkg = mine.filter((r) => r.domain === 'package-0');
        const dram = mine.filter((r) => r.domain === 'dram-0');
        expect(pkg.length).toBeGreaterThan(5);
        const measured = JSON.parse(run.energy_domains as string) as Record<string, number>;
        expect(traced(pkg)).toBeLessThanOrEqual(measured['package-0'] + 1e-6);
        expect(traced(dram)).toBeLessThanOrEqual(measured['dram-0'] + 1e-6);
        near(traced(pkg) / span(pkg), 40);
        near(traced(dram) / span(dram), 8);
        near(measured['package-0'] / (run.run_time as number), 40);
      }
    } finally {
      feed.postMessage('stop');
      await new Promise((done) => feed.once('exit', done));
      rapl.remove();
    }
  });
});
