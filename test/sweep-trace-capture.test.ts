import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PowerTrace } from '../lib/meters.js';
import { TraceCapture, type TraceSource } from '../lib/sweep/trace.js';

/** The meters' ring buffer, scripted: samples are added by hand and the oldest overwritten past `capacity`. */
class ScriptedTrace implements TraceSource {
  readonly domains = [{ key: 'package-0', estimated: false }, { key: 'cpu', estimated: true }];
  clock = 0;
  reads = 0;
  private readonly t: number[] = [];
  private readonly w: number[][] = [[], []];
  private dropped = 0;
  constructor(private readonly capacity: number, private readonly periodS = 0.01) {}

  add(t: number, watts: [number, number]): void {
    this.clock = t;
    this.t.push(t);
    watts.forEach((w, d) => this.w[d].push(w));
    if (this.t.length > this.capacity) {
      this.t.shift();
      this.w.forEach((column) => column.shift());
      this.dropped++;
    }
  }
  nowS(): number {
    return this.clock;
  }
  trace(): PowerTrace {
    this.reads++;
    return { tS: Float64Array.from(this.t), powerW: { 'package-0': Float64Array.from(this.w[0]), cpu: Float64Array.from(this.w[1]) }, dropped: this.dropped };
  }
  pollerStats() {
    return { periodS: this.periodS };
  }
}

afterEach(() => vi.useRealTimers());

describe('a run\'s trace cut from the meters\' ring buffer', () => {
  it('keeps the samples inside the window, timed from its start, one row per domain, unreadable as null', () => {
    const src = new ScriptedTrace(100);
    src.add(1.0, [10, 1]); // before the run
    src.clock = 1.05;
    const capture = new TraceCapture(src, 100);
    src.add(1.1, [20, 2]);
    src.add(1.2, [NaN, 3]);
    const trace = capture.finish();
    src.add(1.3, [40, 4]); // after the run
    expect(trace).toEqual({
      samples: 2, lost: 0, rows: [
        { t: expect.closeTo(0.05, 12), domain: 'package-0', watts: 20, estimated: false },
        { t: expect.closeTo(0.05, 12), domain: 'cpu', watts: 2, estimated: true },
        { t: expect.closeTo(0.15, 12), domain: 'package-0', watts: null, estimated: false },
        { t: expect.closeTo(0.15, 12), domain: 'cpu', watts: 3, estimated: true },
      ],
    });
  });

  it('drains the buffer while the run trains, so a run longer than the buffer keeps every sample', () => {
    vi.useFakeTimers();
    const src = new ScriptedTrace(8, 0.01); // 8 samples at 100 Hz: read every 20 ms
    const capture = new TraceCapture(src, 8);
    for (let i = 1; i <= 50; i++) {
      src.add(i * 0.01, [i, 0]);
      vi.advanceTimersByTime(10);
    }
    const trace = capture.finish();
    expect(trace.lost).toBe(0);
    expect(trace.samples).toBe(50);
    expect(trace.rows.filter((r) => r.domain === 'package-0').map((r) => r.watts)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(src.reads).toBeGreaterThan(20);
  });

  it('counts the samples the buffer overwrote before they were read, and invents none', () => {
    const src = new ScriptedTrace(4);
    const capture = new TraceCapture(src, 4);
    for (let i = 1; i <= 10; i++) src.add(i * 0.01, [i, 0]); // no drain in between: 6 overwritten
    const trace = capture.finish();
    expect(trace.lost).toBe(6);
    expect(trace.samples).toBe(4);
    expect(trace.rows.filter((r) => r.domain === 'package-0').map((r) => r.watts)).toEqual([7, 8, 9, 10]);
  });
});
