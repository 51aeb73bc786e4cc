import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { networkFor, trainRun, defaultTiling, type TrainRunData } from '../lib/index.js';
import { ResultStore } from '../lib/store/store.js';
import { thisMachine } from '../lib/tune/environment.js';
import { saveTunings } from '../lib/tune/store.js';
import { tune } from '../lib/tune/tune.js';
import { sweepCommand } from '../lib/cli/commands/sweep.js';
import { networkWidths } from '../lib/cli/commands/tune.js';
import { datasetSpec } from '../lib/datasets/specs.js';
import { ScriptedMeter, bowl } from './helpers/scripted-meter.js';

const dir = mkdtempSync(join(tmpdir(), 'mlpe-train-tuned-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rows = 400, inputs = 5, outputs = 2;
const data: TrainRunData = {
  xTrain: new Float32Array(320 * inputs).map((_, i) => (i % 7) / 7),
  yTrain: new Float32Array(320 * outputs).map((_, i) => (i % 2 === (Math.floor(i / 2) % 2) ? 1 : 0)),
  xTest: new Float32Array((rows - 320) * inputs).map((_, i) => (i % 5) / 5),
  yTest: new Float32Array((rows - 320) * outputs).map((_, i) => (i % 2)),
  inputs, outputs, task: 'classification',
};
const net = { shape: 'rectangle' as const, size: 1024, depth: 3 };
const batch = 64;

describe("trainRun({ tiling: 'tuned' })", () => {
  it('fails with TUNING_NOT_FOUND and a tune command to paste, for this network and store, when it has no tuning', async () => {
    const store = join(dir, 'empty.duckdb');
    // Data as wide as 529_pollen's: a BUTTER dataset names the network for `mlp-energy tune --network`.
    const pollen = datasetSpec('529_pollen')!;
    const like = {
      xTrain: new Float32Array(320 * pollen.inputs).map((_, i) => (i % 7) / 7), yTrain: new Float32Array(320 * pollen.outputs).map((_, i) => i % 3),
      xTest: new Float32Array(80 * pollen.inputs).map((_, i) => (i % 5) / 5), yTest: new Float32Array(80 * pollen.outputs).map((_, i) => i % 2),
      inputs: pollen.inputs, outputs: pollen.outputs, task: pollen.task,
    };
    const error = await trainRun({ data: like, ...net, epochs: 1, batchSize: batch, tiling: 'tuned', tuningStore: store }).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'TUNING_NOT_FOUND' });
    const message = (error as Error).message;
    const command = /Run `(mlp-energy tune --network '([^']+)' --scope network --store (\S+))` first, or drop tiling: 'tuned' \(the default tiling\) or pass a tiling object\.$/.exec(message);
    expect(command, message).not.toBeNull();
    expect(command![3]).toBe(store);
    // The command tunes exactly this run's step: the same widths and batch.
    const named = networkWidths(command![2]);
    expect(named.widths).toEqual([pollen.inputs, ...networkFor({ inputs: pollen.inputs, outputs: pollen.outputs, ...net }).widths]);
    expect(named.batch).toBe(batch);
    expect(command![2]).toMatch(/^rectangle,1024,depth 3,dataset \w+,batch 64$/);
  });

  it('gives the SDK calls instead when no BUTTER dataset has the data\'s widths', async () => {
    const store = join(dir, 'empty.duckdb');
    const error = await trainRun({ data, ...net, epochs: 1, batchSize: batch, tiling: 'tuned', tuningStore: store }).catch((e: Error) => e);
    const widths = [inputs, ...networkFor({ inputs, outputs, ...net }).widths];
    expect(error).toMatchObject({ code: 'TUNING_NOT_FOUND' });
    expect((error as Error).message).toContain(`so tune it from the SDK first: \`const env = openTuneEnvironment(); const result = await tune({ widths: [${widths.join(', ')}], batch: 64, ` +
      `scope: 'network', meter: env.meter, space: env.space, start: env.start }); const store = await ResultStore.open(${JSON.stringify(store)}); ` +
      "await saveTunings(store, env.machine, result); store.close(); env.close();`, or drop tiling: 'tuned'");
  });

  it("runs with the network tuning stored for this machine", async () => {
    const start = { ...defaultTiling(), threads: 1, sup: false };
    const widths = [inputs, ...networkFor({ inputs, outputs, ...net }).widths];
    const space = { microTiles: [{ isa: start.isa, mr: start.mr, nr: start.nr }], maxThreads: 1, caches: { l1d_bytes: 48 << 10, l2_bytes: 1 << 20, l3_bytes: null } };
    const tuned = await tune({ widths, batch, meter: new ScriptedMeter(bowl), space, start, budget: 8, objective: 'time', scope: 'network' });
    const path = join(dir, 'results.duckdb');
    const store = await ResultStore.open(path);
    try {
      expect(await saveTunings(store, thisMachine(), tuned)).toBe(1);
    } finally {
      store.close();
    }
    const run = await trainRun({ data, ...net, epochs: 1, batchSize: batch, tiling: 'tuned', tuningStore: path });
    const want = tuned.step!.tuned.tiling;
    // the scripted optimum is away from the analytical default, so using it is observable
    expect([want.mc, want.kc, want.nc]).not.toEqual([start.mc, start.kc, start.nc]);
    expect(run.tiling).toMatchObject({ mc: want.mc, kc: want.kc, nc: want.nc, mr: want.mr, nr: want.nr, threads: want.threads });
    expect(run.epochs).toHaveLength(1);
  });
});

describe("a sweep with tilings: ['tuned']", () => {
  const spec = {
    name: 'tuned', datasets: ['529_pollen'], shapes: ['rectangle'], sizes: [1024], depths: [3], tilings: ['tuned'],
    epochs: 1, batchSize: batch, idleSeconds: 0.1, overhead: { sizes: [128], repetitions: 1 },
  };
  const quiet = { write: () => {} };
  const sweep = async (out: string, extra: { tiling?: string } = {}) => {
    const file = join(dir, 'tuned-spec.json');
    writeFileSync(file, JSON.stringify(spec));
    const lines: string[] = [];
    const code = await sweepCommand({ spec: file, out, json: true, ...extra }, { stdout: { write: (t: string) => { lines.push(t); } }, stderr: quiet });
    return { code, events: lines.join('').trim().split('\n').map((l) => JSON.parse(l)) };
  };

  it('stops with TUNING_NOT_FOUND and the tune command for the network and store when the store holds no tuning for it', async () => {
    const out = join(dir, 'no-tunings.duckdb');
    await expect(sweep(out)).rejects.toMatchObject({
      code: 'TUNING_NOT_FOUND',
      message: expect.stringContaining(`Run \`mlp-energy tune --network 'rectangle,1024,depth 3,dataset 529_pollen,batch 64' --scope network --store ${out}\` first, or use --tiling default, or replace "tuned" in the spec's tilings.`),
    });
    await expect(sweep(out, { tiling: 'tuned' })).rejects.toThrow(/--scope network --store \S+` first, or use --tiling default\.$/);
  });

  it('--tiling tuned replaces a preset\'s tilings; other values are refused with the fix', async () => {
    const { resolveSpec } = await import('../lib/cli/commands/sweep.js');
    expect(resolveSpec({ preset: 'quick', tiling: 'tuned' }).tilings).toEqual(['tuned']);
    expect(() => resolveSpec({ preset: 'quick', tiling: 'fast' })).toThrow(/--tiling expects default or tuned/);
  });

  it("trains each network with its stored tuning and records it as tiling 'tuned'", async () => {
    const out = join(dir, 'sweep-tuned.duckdb');
    // The synthetic 529_pollen stand-in's input width decides the network: take it from a dry plan of the same spec.
    const { loadDataset } = await import('../lib/datasets/index.js');
    const d = await loadDataset('529_pollen');
    const widths = [d.inputs, ...networkFor({ inputs: d.inputs, outputs: d.outputs, ...net }).widths];
    const start = { ...defaultTiling(), threads: 1, sup: false };
    const space = { microTiles: [{ isa: start.isa, mr: start.mr, nr: start.nr }], maxThreads: 1, caches: { l1d_bytes: 48 << 10, l2_bytes: 1 << 20, l3_bytes: null } };
    const tuned = await tune({ widths, batch, meter: new ScriptedMeter(bowl), space, start, budget: 8, objective: 'time', scope: 'network' });
    const store = await ResultStore.open(out);
    try {
      await saveTunings(store, thisMachine(), tuned);
    } finally {
      store.close();
    }
    const { code, events } = await sweep(out);
    expect(code).toBe(0);
    const runs = events.filter((e) => e.type === 'run' && e.run.role === 'run');
    expect(runs.length).toBe(1);
    const want = tuned.step!.tuned.tiling;
    const check = await ResultStore.open(out);
    try {
      const rows = await check.query("SELECT tiling_name, tiling_mc, tiling_kc, tiling_nc, tiling_sup FROM runs WHERE tiling_name = 'tuned'");
      expect(rows).toHaveLength(1);
      expect([Number(rows[0].tiling_mc), Number(rows[0].tiling_kc), Number(rows[0].tiling_nc)]).toEqual([want.mc, want.kc, want.nc]);
      expect(rows[0].tiling_sup).toBe(want.sup); // tuned on the packed path, trained on it too
    } finally {
      check.close();
    }
  });
});
