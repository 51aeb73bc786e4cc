/**
 * One tiling for a whole training step: the cost of a tiling is Σ count × cost over the step's GEMM shapes. This is
 * what a training run with one tiling (trainRun's `tiling`) pays, so it is what `--tiling tuned` needs.
 */
import type { Tiling } from '../tiling.js';
import type { Sample, TuneMeter } from './meter.js';
import type { CountedShape, GemmShape } from './shapes.js';

export class StepMeter implements TuneMeter {
  constructor(
    private readonly inner: TuneMeter,
    private readonly shapes: readonly CountedShape[],
  ) {}

  get estimated(): boolean {
    return this.inner.estimated;
  }

  get source(): string {
    return this.inner.source;
  }

  async sample(_step: GemmShape, tiling: Tiling): Promise<Sample> {
    let joules = 0;
    let seconds = 0;
    for (const shape of this.shapes) {
      const s = await this.inner.sample(shape, tiling);
      joules += shape.count * s.joules;
      seconds += shape.count * s.seconds;
    }
    return { joules, seconds };
  }

  release(): void {
    for (const shape of this.shapes) this.inner.release?.(shape);
  }
}

/** The smallest shape every step shape fits in: the grid clamps blocks to it (each call clamps further). */
export function enclosingShape(shapes: readonly GemmShape[]): GemmShape {
  return {
    orientation: 'NN',
    m: Math.max(...shapes.map((s) => s.m)),
    n: Math.max(...shapes.map((s) => s.n)),
    k: Math.max(...shapes.map((s) => s.k)),
  };
}
