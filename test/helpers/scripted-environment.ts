/** A TuneEnvironment for the CLI tests: a scripted meter (bowl), 2 AVX-512 micro-tiles, no L3, and a close flag. */
import type { Tiling } from '../../lib/tiling.js';
import type { TuneEnvironment } from '../../lib/tune/environment.js';
import { ScriptedMeter, bowl } from './scripted-meter.js';

export const SCRIPTED_CACHES = { l1d_bytes: 48 << 10, l2_bytes: 1 << 20, l3_bytes: null };
export const SCRIPTED_MICRO_TILES = [{ isa: 'avx512' as const, mr: 6, nr: 32 }, { isa: 'avx512' as const, mr: 12, nr: 32 }];

export function scriptedEnvironment(
  estimated: boolean,
  start: Tiling = { isa: 'avx512', mr: 12, nr: 32, mc: 768, kc: 256, nc: 4096, threads: 2, sup: false },
): TuneEnvironment & { meter: ScriptedMeter; closed: boolean } {
  const caches = SCRIPTED_CACHES;
  const meter = new ScriptedMeter(bowl);
  meter.estimated = estimated;
  const env = {
    machine: { cpu_model: 'Scripted CPU', ...caches, isa: 'avx512', cores: 2 },
    caches,
    space: { microTiles: SCRIPTED_MICRO_TILES, maxThreads: 2, caches },
    start,
    meter,
    closed: false,
    close: () => {
      env.closed = true;
    },
  };
  return env;
}

/** A writable that keeps what the command prints. */
export function capture() {
  const out = { text: '', write: (t: string) => (out.text += t) };
  return out;
}
