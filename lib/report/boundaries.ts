/**
 * Cache boundaries on a parameter axis: the largest parameter count whose forward-pass working set (4·P bytes,
 * replicated) still lands in each level, found with the same placement the model uses.
 */
import { EMPTY, place } from '../model/placement.js';
import type { HardwareProfile } from '../model/profiles.js';
import { BYTES_PER_FLOAT } from '../model/working-sets.js';

export interface ParameterBoundary {
  /** The level the weights leave beyond this parameter count. */
  readonly level: string;
  readonly parameters: number;
}

export function parameterBoundaries(profile: HardwareProfile): ParameterBoundary[] {
  const levelOf = (P: number) => place(profile.levels, EMPTY, { replicated: BYTES_PER_FLOAT * P, distributed: 0 }).level;
  const out: ParameterBoundary[] = [];
  for (let k = 0; k + 1 < profile.levels.length; k++) {
    // Binary search for the last P whose level is ≤ k (placement is monotone in P).
    let lo = 0;
    let hi = 2 ** 45;
    if (levelOf(1) > k) continue;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (levelOf(mid) <= k) lo = mid;
      else hi = mid;
    }
    out.push({ level: profile.levels[k].name, parameters: lo });
  }
  return out;
}
