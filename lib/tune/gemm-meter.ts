/**
 * The real TuneMeter: the native GEMM on a shape's own sizes, inside an energy window. Each sample is one window of
 * back-to-back calls, preceded by one warm-up call (packs hot, thread pool awake). The calls per window are fixed per
 * shape on its first sample, so every tiling of a shape is measured over the same work and each window lasts at
 * least `minWindowS` — far above the meter's read cost and resolution.
 */
import { MlpEnergyError } from '../errors.js';
import type { Tiling } from '../tiling.js';
import type { Sample, TuneMeter } from './meter.js';
import { shapeKey, transposes, type GemmShape } from './shapes.js';

/** What the search needs of lib/meters' Meters: a window around synchronous work. */
export interface WindowMeters<W = unknown> {
  begin(name?: string): W;
  end(window: W): { seconds: number; cpuJ: number | null; estimated: boolean; estimate?: string };
}

export interface GemmOperands {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
}

/** One synchronous C = op(A)·op(B) with an explicit tiling (lib/gemm's gemmSync). */
export type SyncGemm = (operands: GemmOperands, tiling: Tiling) => void;

export interface GemmMeterOptions {
  /** Shortest measurement window, s (default 0.03). */
  minWindowS?: number;
  /** Most calls per window (a cap for tiny shapes; default 100 000). */
  maxCalls?: number;
  /** Monotonic clock in seconds for the calibration (default process.hrtime). */
  now?: () => number;
}

interface Prepared {
  operands: GemmOperands;
  calls: number;
}

export class GemmMeter implements TuneMeter {
  readonly estimated: boolean;
  readonly source: string;
  private readonly prepared = new Map<string, Prepared>();
  private readonly minWindowS: number;
  private readonly maxCalls: number;
  private readonly now: () => number;

  constructor(
    private readonly meters: WindowMeters,
    private readonly gemm: SyncGemm,
    options: GemmMeterOptions = {},
  ) {
    this.minWindowS = options.minWindowS ?? 0.03;
    this.maxCalls = options.maxCalls ?? 100_000;
    this.now = options.now ?? (() => Number(process.hrtime.bigint()) / 1e9);
    // An empty probe window says whether these meters estimate and how.
    const probe = meters.end(meters.begin());
    this.estimated = probe.estimated;
    // The meters' own text usually starts with "estimated: …"; say it once.
    const how = probe.estimate ?? 'CPU time × watts per core';
    this.source = !probe.estimated ? 'hardware energy counters' : /^estimat/i.test(how) ? how : `estimate: ${how}`;
  }

  async sample(shape: GemmShape, tiling: Tiling): Promise<Sample> {
    const p = this.prepare(shape, tiling);
    this.gemm(p.operands, tiling); // warm-up, outside the window
    const window = this.meters.begin();
    for (let i = 0; i < p.calls; i++) this.gemm(p.operands, tiling);
    const e = this.meters.end(window);
    if (e.cpuJ === null) {
      throw new MlpEnergyError(
        'METER_READ_FAILED',
        'The energy meters could not read a CPU domain during a tuning window. Run `mlp-energy info` to see which energy sources are readable and why the others are not.',
      );
    }
    // Yield to the event loop between windows so a long search does not starve timers and signals.
    await new Promise((resolve) => setImmediate(resolve));
    return { joules: e.cpuJ / p.calls, seconds: e.seconds / p.calls };
  }

  release(shape: GemmShape): void {
    this.prepared.delete(shapeKey(shape));
  }

  private prepare(shape: GemmShape, tiling: Tiling): Prepared {
    const key = shapeKey(shape);
    let p = this.prepared.get(key);
    if (p) return p;
    const { m, n, k } = shape;
    const fill = (length: number) => Float32Array.from({ length }, (_, i) => ((i * 7919) % 2003) / 2003 - 0.5);
    const operands: GemmOperands = { ...transposes(shape.orientation), m, n, k, a: fill(m * k), b: fill(k * n), c: new Float32Array(m * n) };
    // Calls per window: time single calls until they add up to a tenth of the window, then scale.
    this.gemm(operands, tiling);
    let calls = 0;
    const t0 = this.now();
    let elapsed = 0;
    while (elapsed < this.minWindowS / 10 && calls < this.maxCalls) {
      this.gemm(operands, tiling);
      calls++;
      elapsed = this.now() - t0;
    }
    const perCall = elapsed / calls;
    p = { operands, calls: Math.max(1, Math.min(this.maxCalls, Math.ceil(this.minWindowS / perCall))) };
    this.prepared.set(key, p);
    return p;
  }
}
