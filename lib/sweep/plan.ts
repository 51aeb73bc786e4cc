/**
 * The frozen plan: a spec expanded into an ordered list of runs with stable ids. The same spec gives the same plan,
 * byte for byte, on any machine, so resume can skip what is stored and a Slurm array can shard by index.
 * Ids hash the configuration (not the machine, not the time): experiment_id covers everything but the repetition,
 * run_id adds the repetition and its seed.
 */
import { createHash } from 'node:crypto';
import type { Shape } from '../networks.js';
import { tilingName, validateSpec, type Device, type SweepSpec, type TilingChoice } from './spec.js';

export type RunRole = 'run' | 'overhead_reference';

export interface PlannedRun {
  readonly index: number;
  readonly runId: string;
  readonly experimentId: string;
  readonly role: RunRole;
  readonly dataset: string;
  readonly shape: Shape;
  readonly size: number;
  readonly depth: number;
  readonly device: Device;
  readonly tiling: TilingChoice;
  readonly tilingName: string;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly repetition: number;
  readonly seed: number;
}

export interface Plan {
  readonly spec: SweepSpec;
  readonly runs: readonly PlannedRun[];
}

/** JSON with sorted keys, so ids do not depend on how the spec object was written. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function hash(value: unknown, length = 16): string {
  return createHash('sha256').update(canonical(value)).digest('hex').slice(0, length);
}

/** Seed of repetition r: derived from the spec's seed and the experiment, so repetitions differ and reruns agree. */
function runSeed(base: number, experimentId: string, repetition: number): number {
  return parseInt(hash({ base, experimentId, repetition }, 8), 16) & 0x7fffffff;
}

export function makePlan(input: SweepSpec): Plan {
  const spec = validateSpec(input); // idempotent on a checked spec; a raw one gets INVALID_SPEC, not a TypeError
  const runs: PlannedRun[] = [];
  const add = (role: RunRole, device: Device, dataset: string, shape: Shape, size: number, depth: number, tiling: TilingChoice, repetitions: number) => {
    const config = { role, device, dataset, shape, size, depth, tiling, epochs: spec.epochs, batchSize: spec.batchSize, learningRate: spec.learningRate };
    const experimentId = hash(config);
    for (let repetition = 0; repetition < repetitions; repetition++) {
      const seed = runSeed(spec.seed, experimentId, repetition);
      runs.push({
        index: runs.length, runId: `${experimentId}-${repetition}-${seed.toString(16)}`, experimentId, role, dataset, shape, size, depth,
        device, tiling, tilingName: tilingName(tiling), epochs: spec.epochs, batchSize: spec.batchSize, learningRate: spec.learningRate,
        repetition, seed,
      });
    }
  };
  for (const device of spec.devices) {
    // Overhead reference runs first: every other run's normalisation needs their energy.
    if (spec.overhead) {
      for (const size of spec.overhead.sizes) {
        add('overhead_reference', device, spec.overhead.dataset, spec.overhead.shape, size, spec.overhead.depth, 'default', spec.overhead.repetitions);
      }
    }
    for (const dataset of spec.datasets) {
      for (const size of spec.sizes) {
        for (const shape of spec.shapes) {
          for (const depth of spec.depths) {
            for (const tiling of spec.tilings) add('run', device, dataset, shape, size, depth, tiling, spec.repetitions);
          }
        }
      }
    }
  }
  return { spec, runs };
}
