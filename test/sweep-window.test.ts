import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sweepCommand } from '../lib/cli/commands/sweep.js';
import type { Meters } from '../lib/meters.js';
import { ResultStore } from '../lib/store/store.js';
import { defaultBackends, meterPort, MIN_COUNTER_UPDATES_PER_WINDOW } from '../lib/sweep/backends.js';
import type { Backends, Measurement, MeterPort, TrainOutcome } from '../lib/sweep/ports.js';
import { MAX_WINDOW_REPEATS, measureTraining, windowRepeats } from '../lib/sweep/window.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mlpe-window-'));
const sink = () => { const lines: string[] = []; return { lines, write: (t: string) => { lines.push(t); } }; };
const outcome: TrainOutcome = { widths: [4, 3, 1], numFreeParameters: 19, epochs: [] };

/** A meter whose successive windows last the given seconds and read 40 W, split 3:1 over two domains. */
function scriptedPort(windowSeconds: number[], minWindowSeconds: number): MeterPort & { ended: number } {
  const port = {
    source: 'scripted', estimated: false, resolution: 0, minWindowSeconds, ended: 0,
    begin() {
      const seconds = windowSeconds[port.ended];
      return {
        async end(): Promise<Measurement> {
          port.ended++;
          const joules = 40 * seconds;
          return { energy: joules, domains: { 'package-0': 0.75 * joules, 'dram-0': 0.25 * joules }, seconds, source: 'scripted', estimated: false, belowResolution: false };
        },
      };
    },
    calibrateIdle: () => { throw new Error('not used'); },
    close: () => undefined,
    describe: () => ({}),
  };
  return port;
}

describe('windowRepeats', () => {
  it('keeps a run that fills the window single, and repeats a short one to a fifth over the floor', () => {
    expect(windowRepeats(1.0, 1.0)).toBe(1);
    expect(windowRepeats(3.2, 1.0)).toBe(1);
    expect(windowRepeats(0.014, 1.0)).toBe(Math.ceil(1.2 / 0.014)); // a 14 ms GPU run under NVML's 1 s floor: 86
    expect(windowRepeats(0.9, 1.0)).toBe(2);
    expect(windowRepeats(1e-9, 1.0)).toBe(MAX_WINDOW_REPEATS);
    expect(windowRepeats(0.001, 0)).toBe(1);
  });
});

describe('measureTraining', () => {
  it('trains once when the window is long enough', async () => {
    const port = scriptedPort([0.5], 0.2);
    let trained = 0;
    const m = await measureTraining(port, async () => { trained++; return outcome; });
    expect(m).toMatchObject({ repeats: 1, outcome, measured: { seconds: 0.5, energy: 20 } });
    expect(trained).toBe(1);
  });

  it('measures a short run again, several times in one window, and reports one training\'s share', async () => {
    const port = scriptedPort([0.01, 0.3], 0.2);
    let trained = 0;
    const m = await measureTraining(port, async () => { trained++; return outcome; });
    expect(m.repeats).toBe(24); // ceil(1.2 × 0.2 s / 0.01 s)
    expect(trained).toBe(1 + 24);
    expect(port.ended).toBe(2);
    expect(m.measured.seconds).toBeCloseTo(0.3 / 24, 12);
    expect(m.measured.energy).toBeCloseTo(12 / 24, 12);
    expect(m.measured.domains['package-0']).toBeCloseTo(9 / 24, 12);
    expect(m.measured.domains['dram-0']).toBeCloseTo(3 / 24, 12);
  });

  it('sizes the window again when warm trainings run faster than the first', async () => {
    // The first training (cold) takes 0.1 s; three warm ones take 0.02 s together, short of the 0.2 s floor.
    const port = scriptedPort([0.1, 0.02, 0.3], 0.2);
    let trained = 0;
    const m = await measureTraining(port, async () => { trained++; return outcome; });
    expect(m.repeats).toBe(Math.ceil(0.24 / (0.02 / 3)));
    expect(trained).toBe(1 + 3 + m.repeats);
    expect(m.measured.seconds * m.repeats).toBeCloseTo(0.3, 12);
  });

  it('a training that throws ends its window and the error reaches the caller', async () => {
    const port = scriptedPort([0.01, 0.3], 0.2);
    let trained = 0;
    await expect(measureTraining(port, async () => { if (++trained === 3) throw new Error('boom'); return outcome; })).rejects.toThrow('boom');
    expect(port.ended).toBe(2);
  });
});

describe("the sweep's meter port", () => {
  /** Meters with a CPU package (RAPL, 1 ms), a psys plane outside the total and an NVML GPU (100 ms). */
  function scriptedMeters(belowResolutionDomains: string[]): Meters {
    const domain = (key: string, kind: string, source: string, inTotal: boolean, updateIntervalS: number) =>
      ({ key, kind, source, inTotal, updateIntervalS, estimated: false, includedIn: null, method: source });
    return {
      domains: [domain('package-0', 'package', 'powercap', true, 0.001), domain('psys', 'psys', 'powercap', false, 0.001), domain('gpu-0', 'gpu', 'nvml', true, 0.1)],
      sources: [],
      begin: () => ({ id: 1 }),
      end: () => ({ seconds: 2, joules: { 'package-0': 50, psys: 0, 'gpu-0': 300 }, estimated: false, belowResolution: belowResolutionDomains.length > 0, belowResolutionDomains }),
      close: () => undefined,
    } as unknown as Meters;
  }

  it('asks for ten updates of the slowest counted counter: NVML\'s for GPU runs, RAPL\'s for CPU runs', () => {
    expect(MIN_COUNTER_UPDATES_PER_WINDOW).toBe(10);
    expect(meterPort(scriptedMeters([]), 'gpu', 0).minWindowSeconds).toBeCloseTo(1.0, 12);
    expect(meterPort(scriptedMeters([]), 'cpu', 0).minWindowSeconds).toBeCloseTo(0.01, 12);
  });

  it('a domain outside the run\'s total reading zero does not flag the run; a counted one does', async () => {
    const cpu = meterPort(scriptedMeters(['psys']), 'cpu', 0);
    expect(await cpu.begin().end()).toMatchObject({ energy: 50, belowResolution: false });
    const gpuIdle = meterPort(scriptedMeters(['psys', 'gpu-0']), 'cpu', 0);
    expect((await gpuIdle.begin().end()).belowResolution).toBe(false); // the GPU does not count for a CPU run
    const gpu = meterPort(scriptedMeters(['gpu-0']), 'gpu', 0);
    expect(await gpu.begin().end()).toMatchObject({ energy: 350, belowResolution: true });
  });
});

describe('a sweep whose runs are shorter than the meter\'s window', () => {
  it('trains each several times in one window, stores one training\'s time and energy, and says so', async () => {
    const real = await defaultBackends();
    let trainings = 0;
    const backends: Backends = {
      ...real,
      train: (request) => { trainings++; return real.train(request); },
      openMeters: async (device, o) => ({ ...(await real.openMeters(device, o)), minWindowSeconds: 0.25 }),
    };
    const dir = tmp();
    const spec = { name: 'short', datasets: ['529_pollen'], shapes: ['rectangle'], sizes: [256], depths: [3], epochs: 1, batchSize: 64, idleSeconds: 0.1, overhead: false };
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    const out = join(dir, 'r.duckdb');
    const stdout = sink();
    expect(await sweepCommand({ spec: join(dir, 'spec.json'), out, synthetic: 'always' }, { stdout, stderr: sink(), backends })).toBe(0);
    const store = await ResultStore.open(out);
    try {
      const [row] = await store.query('SELECT window_repeats, run_time, energy, power, estimated FROM runs');
      const repeats = row.window_repeats as number;
      expect(repeats).toBeGreaterThan(1);
      expect(trainings).toBeGreaterThanOrEqual(1 + repeats); // more when a window was sized again
      expect(repeats).toBeLessThan(MAX_WINDOW_REPEATS);
      // The window held `repeats` trainings and about filled the floor (sized from earlier trainings, with a fifth to
      // spare, so a loaded machine can leave it a little short); run_time is one training's share.
      expect((row.run_time as number) * repeats).toBeGreaterThan(0.8 * 0.25);
      expect(row.power).toBeCloseTo((row.energy as number) / (row.run_time as number), 9);
    } finally {
      store.close();
    }
    expect(stdout.lines.join('')).toMatch(/ \(each of \d+ in one window\) J\/datum=/);
  });
});
