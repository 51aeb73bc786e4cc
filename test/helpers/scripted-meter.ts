/** A TuneMeter whose energy is a known function of the tiling, with seeded multiplicative noise. */
import type { Tiling } from '../../lib/tiling.js';
import type { Sample, TuneMeter } from '../../lib/tune/meter.js';
import type { GemmShape } from '../../lib/tune/shapes.js';
import { mulberry32 as rng } from '../../lib/datasets/rng.js';


export class ScriptedMeter implements TuneMeter {
  estimated = false;
  readonly source = 'scripted test meter';
  readonly seen: Tiling[] = [];
  private readonly normal: () => number;

  constructor(
    readonly energy: (t: Tiling, shape: GemmShape) => number,
    readonly seconds: (t: Tiling, shape: GemmShape) => number = (t, s) => energy(t, s) / 50,
    readonly noise = 0,
    seed = 1,
  ) {
    const uniform = rng(seed);
    // Box–Muller from the seeded uniform source.
    this.normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  }

  async sample(shape: GemmShape, tiling: Tiling): Promise<Sample> {
    this.seen.push(tiling);
    const jitter = () => Math.exp(this.noise * this.normal());
    return { joules: this.energy(tiling, shape) * jitter(), seconds: this.seconds(tiling, shape) * jitter() };
  }
}

/** A bowl in log-space around (kc 256, mc 96, nc 1024), 2 threads cheaper, the 6×32 kernel cheapest. */
export function bowl(t: Tiling): number {
  const sq = (x: number) => x * x;
  const micro = t.mr === 6 && t.nr === 32 ? 0.9 : t.mr === 12 && t.nr === 32 ? 0.95 : 1;
  return (
    0.01 *
    (1 + 0.3 * sq(Math.log2(t.kc / 256))) *
    (1 + 0.2 * sq(Math.log2(t.mc / 96))) *
    (1 + 0.1 * sq(Math.log2(t.nc / 1024))) *
    (t.threads === 2 ? 0.8 : 1) *
    micro
  );
}
