import { describe, expect, it } from 'vitest';
import { GemmMeter, type GemmOperands, type WindowMeters } from '../lib/tune/gemm-meter.js';
import type { Tiling } from '../lib/tiling.js';

/** Meters whose window energy is 2 J per gemm call made inside it, and 1 ms per call. */
function scriptedMeters() {
  const state = { calls: 0, windows: 0 };
  const meters: WindowMeters<number> = {
    begin: () => state.calls,
    end: (start) => {
      state.windows++;
      const calls = state.calls - start;
      return { seconds: calls * 1e-3, cpuJ: calls * 2, estimated: true, estimate: 'test' };
    },
  };
  return { meters, state };
}

const tiling: Tiling = { isa: 'reference', mr: 6, nr: 16, mc: 96, kc: 128, nc: 512, threads: 1, sup: false };

describe('GemmMeter', () => {
  it('measures a fixed number of calls per shape in each window, warm-up outside, and reports per-call cost', async () => {
    const { meters, state } = scriptedMeters();
    const seen: GemmOperands[] = [];
    const gemm = (op: GemmOperands) => {
      state.calls++;
      seen.push(op);
      clock += 1e-3; // each call takes 1 ms of scripted time
    };
    let clock = 0;
    const meter = new GemmMeter(meters, gemm, { minWindowS: 0.01, now: () => clock });
    expect(meter.estimated).toBe(true);
    expect(meter.source).toContain('estimate');
    const shape = { orientation: 'TN' as const, m: 30, n: 20, k: 10 };
    const first = await meter.sample(shape, tiling);
    expect(first.joules).toBe(2);
    expect(first.seconds).toBe(1e-3);
    const op = seen[0];
    expect([op.transA, op.transB, op.m, op.n, op.k, op.a.length, op.b.length, op.c.length]).toEqual([true, false, 30, 20, 10, 300, 200, 600]);
    // the same count again for the same shape: windows are comparable across tilings
    const before = state.calls;
    await meter.sample(shape, { ...tiling, kc: 64 });
    const perWindow = state.calls - before - 1; // minus the warm-up
    // calibration: 1 ms per call, a 10 ms window → 10 calls
    expect(perWindow).toBe(10);
    const again = state.calls;
    await meter.sample(shape, tiling);
    expect(state.calls - again - 1).toBe(perWindow);
  });

  it('fails clearly when the meters cannot read a CPU domain', async () => {
    const meters: WindowMeters<null> = { begin: () => null, end: () => ({ seconds: 1, cpuJ: null, estimated: false }) };
    const meter = new GemmMeter(meters, () => {}, { minWindowS: 1e-6 });
    await expect(meter.sample({ orientation: 'NN', m: 2, n: 2, k: 2 }, tiling)).rejects.toMatchObject({
      code: 'METER_READ_FAILED',
      message: expect.stringMatching(/could not read a CPU domain during a tuning window\. Run `mlp-energy info`/),
    });
  });
});

describe('GemmMeter on the native gemm and this machine’s meters', () => {
  it('measures a real GEMM shape under two tilings and labels estimated energy', async () => {
    const { openTuneEnvironment } = await import('../lib/tune/environment.js');
    const env = openTuneEnvironment({ gemmMeter: { minWindowS: 0.005 } });
    try {
      expect(env.space.microTiles[0].isa).toBe(env.start.isa); // the best ISA's tiles first
      const shape = { orientation: 'NT' as const, m: 64, n: 96, k: 80 };
      const a = await env.meter.sample(shape, env.start);
      const b = await env.meter.sample(shape, { ...env.start, kc: 32, threads: 1, sup: false });
      for (const s of [a, b]) {
        expect(s.seconds).toBeGreaterThan(0);
        expect(s.joules).toBeGreaterThan(0);
      }
      // Without RAPL the meter says so, and the source names the estimate.
      if (env.meter.estimated) expect(env.meter.source).toMatch(/estimate/);
    } finally {
      env.close();
    }
  });
});
