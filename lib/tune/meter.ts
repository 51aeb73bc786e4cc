/**
 * The injection point of the search: anything that can say what one GEMM call of a shape costs under a tiling.
 * The real one times the native gemm inside a meters window (gemm-meter.ts); tests script one whose energy is a
 * known function of the tiling.
 */
import type { Tiling } from '../tiling.js';
import type { GemmShape } from './shapes.js';

export type Objective = 'energy' | 'time' | 'edp';
export const OBJECTIVES: readonly Objective[] = ['energy', 'time', 'edp'];

/** Cost of one GEMM call, averaged over the calls of one measurement window. */
export interface Sample {
  joules: number;
  seconds: number;
}

export interface TuneMeter {
  /** True when joules come from a model (e.g. CPU time × TDP share), not from a hardware counter. */
  readonly estimated: boolean;
  /** Where the joules come from, in words (printed with every result). */
  readonly source: string;
  sample(shape: GemmShape, tiling: Tiling): Promise<Sample>;
  /** Frees buffers the meter holds for a shape once the search is done with it. */
  release?(shape: GemmShape): void;
}

export function objectiveValue(sample: Sample, objective: Objective): number {
  switch (objective) {
    case 'energy':
      return sample.joules;
    case 'time':
      return sample.seconds;
    case 'edp':
      return sample.joules * sample.seconds;
  }
}
