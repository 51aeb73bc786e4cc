/**
 * Cache placement of one working set, as BUTTER-E's `compute_effective_working_set_size` does it
 * (3_standardize.ipynb): walk the levels accumulating per-unit capacity; the set lands in the first level where
 * `previously occupied + replicated + distributed / units ≤ cumulative per-unit capacity`. A level that cannot
 * hold it is counted as full, so the set starts over at the next level (it spills past everything above).
 */
import { invalidOption } from '../errors.js';
import { finiteNumber, isPlainObject } from '../validate.js';
import { cacheLevel, type CacheLevelProfile } from './profiles.js';

/** Bytes of a working set: `replicated` is held by every unit (parameters); `distributed` is split over units. */
export interface WorkingSetBytes {
  readonly replicated: number;
  readonly distributed: number;
}

/** What lies below a set when it is placed: the study stacks f and b on l, and d on b. */
export interface Occupancy {
  /** Per-unit bytes already occupied (the x-axis "effective working set size" of the study's figures). */
  readonly occupied: number;
  /** Total bytes (all units) already occupied. */
  readonly singularOccupied: number;
  /** Sum of per-unit cached sizes of the sets below. */
  readonly effective: number;
}

export const EMPTY: Occupancy = { occupied: 0, singularOccupied: 0, effective: 0 };

export interface Placement extends Occupancy {
  /** Index into the profile's levels. */
  readonly level: number;
  readonly levelName: string;
  /** Per-unit bytes this set adds at its level: replicated + distributed / units. */
  readonly cached: number;
  /** Total bytes of the set: replicated + distributed. */
  readonly singular: number;
  /** True when even the last level's cumulative capacity is exceeded; the set is counted in the last level. */
  readonly overflow: boolean;
}

/** A profile's levels, as `place` needs them: at least one, the last standing for main memory. */
export function checkLevels(levels: unknown): readonly CacheLevelProfile[] {
  if (!Array.isArray(levels) || levels.length === 0) {
    throw invalidOption('levels', "a non-empty array of cache levels (a hardware profile's levels)", levels, 'type');
  }
  levels.forEach((level, i) => cacheLevel(`levels[${i}]`, level));
  return levels;
}

export function place(levels: readonly CacheLevelProfile[], below: Occupancy, set: WorkingSetBytes): Placement {
  checkLevels(levels);
  if (!isPlainObject(below)) throw invalidOption('below', 'an object { occupied, singularOccupied, effective } (EMPTY or a Placement)', below, 'type');
  for (const key of ['occupied', 'singularOccupied', 'effective'] as const) finiteNumber(`below.${key}`, below[key], 0);
  if (!isPlainObject(set)) throw invalidOption('set', 'an object { replicated, distributed } of bytes', set, 'type');
  for (const key of ['replicated', 'distributed'] as const) finiteNumber(`set.${key}`, set[key], 0);
  return placeSet(levels, below, set);
}

/**
 * `place` on arguments already checked: placeWorkingSets checks the levels once per run, then places its
 * working sets (one per layer and four more) on them, over every run a fit reads.
 */
export function placeSet(levels: readonly CacheLevelProfile[], below: Occupancy, set: WorkingSetBytes): Placement {
  const singular = set.replicated + set.distributed;
  let previouslyOccupied = below.occupied;
  let previouslySingular = below.singularOccupied;
  let capacity = 0; // cumulative per-unit capacity up to this level
  let totalCapacity = 0; // cumulative capacity over all units
  let cached = 0;
  for (let i = 0; i < levels.length; i++) {
    const { bytesPerUnit, units, name } = levels[i];
    capacity += bytesPerUnit;
    totalCapacity += units * bytesPerUnit;
    if (capacity <= previouslyOccupied) continue; // the sets below already fill this level
    cached = set.replicated + set.distributed / units;
    const occupied = previouslyOccupied + cached;
    if (occupied <= capacity) {
      return {
        level: i,
        levelName: name,
        cached,
        occupied,
        singular,
        singularOccupied: previouslySingular + singular,
        effective: below.effective + cached,
        overflow: false,
      };
    }
    // Does not fit: the set starts above everything this level holds.
    previouslyOccupied = capacity;
    previouslySingular = totalCapacity;
  }
  const last = levels.length - 1;
  cached = set.replicated + set.distributed / levels[last].units;
  return {
    level: last,
    levelName: levels[last].name,
    cached,
    occupied: previouslyOccupied + cached,
    singular,
    singularOccupied: previouslySingular + singular,
    effective: below.effective + cached,
    overflow: true,
  };
}

/** Per-unit capacity boundaries (cumulative), the cache lines drawn on the charts. */
export function cumulativeBoundaries(levels: readonly CacheLevelProfile[]): Array<{ name: string; bytes: number }> {
  let capacity = 0;
  return levels.slice(0, -1).map((level) => ({ name: level.name, bytes: (capacity += level.bytesPerUnit) }));
}
