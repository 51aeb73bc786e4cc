/**
 * Hardware profiles: the cache levels a working set can sit in, each with its capacity per instance and how
 * many instances the device has. The model places working sets into these levels (see placement.ts).
 */
import { readFileSync } from 'node:fs';
import { MlpEnergyError, invalidOption } from '../errors.js';
import { integerIn, isPlainObject, oneOf } from '../validate.js';

export type DeviceClass = 'cpu' | 'gpu';
export const DEVICE_CLASSES: readonly DeviceClass[] = ['cpu', 'gpu'];

export interface CacheLevelProfile {
  /** Level name as drawn in the charts: 'L1d', 'L2', 'L3', 'RAM', 'HBM'. */
  readonly name: string;
  /** Capacity of one instance of this level, bytes (per core for private L1/L2, per socket for L3, per GPU for L2/HBM). */
  readonly bytesPerUnit: number;
  /** Instances across the whole device: cores, SMs, sockets, GPUs. Distributed sets split over these. */
  readonly units: number;
  /** Compute units (cores, SMs) that share one instance; used to scale `units` to a run's thread count. */
  readonly coresPerUnit: number;
}

export interface HardwareProfile {
  readonly name: string;
  readonly deviceClass: DeviceClass;
  readonly description: string;
  /** Ordered from the fastest level to main memory; the last level is treated as unbounded overflow. */
  readonly levels: readonly CacheLevelProfile[];
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** BUTTER-E common.py: 2× Xeon Gold 6154 (18 cores each), L1d 32 KiB/core, L2 1 MiB/core, L3 24.75 MiB/socket, 96 GiB RAM. */
export const EAGLE_CPU: HardwareProfile = {
  name: 'eagle-cpu',
  deviceClass: 'cpu',
  description: "NREL Eagle CPU node as BUTTER-E modelled it: 2x Xeon Gold 6154, 36 cores",
  levels: [
    { name: 'L1d', bytesPerUnit: 32 * KiB, units: 36, coresPerUnit: 1 },
    { name: 'L2', bytesPerUnit: 1 * MiB, units: 36, coresPerUnit: 1 },
    { name: 'L3', bytesPerUnit: 24.75 * MiB, units: 2, coresPerUnit: 18 },
    { name: 'RAM', bytesPerUnit: 96 * GiB, units: 1, coresPerUnit: 36 },
  ],
};

/** BUTTER-E common.py: 2× V100 with 84 SMs each as the study's code models them, L1 112 KiB/SM, L2 6 MiB/GPU, 16 GiB HBM/GPU. */
export const EAGLE_GPU: HardwareProfile = {
  name: 'eagle-gpu',
  deviceClass: 'gpu',
  description: 'NREL Eagle GPU node as BUTTER-E modelled it: 2x V100 (84 SMs each, as in the study code)',
  levels: [
    { name: 'L1', bytesPerUnit: 112 * KiB, units: 168, coresPerUnit: 1 },
    { name: 'L2', bytesPerUnit: 6 * MiB, units: 2, coresPerUnit: 84 },
    { name: 'HBM', bytesPerUnit: 16 * GiB, units: 2, coresPerUnit: 84 },
  ],
};

export const BUILT_IN_PROFILES: Readonly<Record<string, HardwareProfile>> = {
  [EAGLE_CPU.name]: EAGLE_CPU,
  [EAGLE_GPU.name]: EAGLE_GPU,
};

/** The levels a run with `threads` workers actually uses: private levels shrink to one instance per thread. */
export function levelsForThreads(profile: HardwareProfile, threads?: number): CacheLevelProfile[] {
  if (threads === undefined) return profile.levels.slice();
  const t = integerIn('threads', threads, 1);
  return profile.levels.map((level) => ({
    ...level,
    units: Math.max(1, Math.min(level.units, Math.ceil(t / level.coresPerUnit))),
  }));
}

/** Validate a user-defined profile (parsed JSON or a TS object); every message names the field to fix. */
export function validateProfile(value: unknown, where = 'profile'): HardwareProfile {
  if (!isPlainObject(value)) throw invalidOption(where, 'an object { name, deviceClass, levels }', value, 'type');
  const name = value.name;
  if (typeof name !== 'string' || name.length === 0) throw invalidOption(`${where}.name`, 'a non-empty string', name, 'type');
  const deviceClass = oneOf(`${where}.deviceClass`, value.deviceClass, DEVICE_CLASSES);
  const levels = value.levels;
  if (!Array.isArray(levels) || levels.length < 2) {
    throw invalidOption(`${where}.levels`, 'an array of at least 2 levels (caches, then main memory)', levels, 'type');
  }
  const out = levels.map((level: unknown, i: number) => cacheLevel(`${where}.levels[${i}]`, level));
  const description = typeof value.description === 'string' ? value.description : `user-defined profile ${name}`;
  return { name, deviceClass, description, levels: out };
}

/** One level of a profile, checked; `coresPerUnit` defaults to 1. */
export function cacheLevel(at: string, level: unknown): CacheLevelProfile {
  if (!isPlainObject(level)) throw invalidOption(at, 'an object { name, bytesPerUnit, units, coresPerUnit? }', level, 'type');
  if (typeof level.name !== 'string' || level.name.length === 0) throw invalidOption(`${at}.name`, 'a non-empty string', level.name, 'type');
  const bytesPerUnit = level.bytesPerUnit;
  if (typeof bytesPerUnit !== 'number' || !Number.isFinite(bytesPerUnit) || bytesPerUnit <= 0) {
    throw invalidOption(`${at}.bytesPerUnit`, 'a positive number of bytes', bytesPerUnit);
  }
  const units = integerIn(`${at}.units`, level.units, 1);
  const coresPerUnit = level.coresPerUnit === undefined ? 1 : integerIn(`${at}.coresPerUnit`, level.coresPerUnit, 1);
  return { name: level.name, bytesPerUnit, units, coresPerUnit };
}

/** Resolve `eagle-cpu`, `eagle-gpu` or a path to a JSON profile file. */
export function loadProfile(nameOrPath: string): HardwareProfile {
  const builtIn = BUILT_IN_PROFILES[nameOrPath];
  if (builtIn) return builtIn;
  let text: string;
  try {
    text = readFileSync(nameOrPath, 'utf8');
  } catch (error) {
    throw new MlpEnergyError(
      'INVALID_OPTION',
      `Unknown hardware profile ${JSON.stringify(nameOrPath)}: not a built-in (${Object.keys(BUILT_IN_PROFILES).join(', ')}, detected) ` +
        `and not a readable JSON file (${(error as Error).message}).`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MlpEnergyError('INVALID_OPTION', `Hardware profile ${nameOrPath} is not valid JSON: ${(error as Error).message}`);
  }
  return validateProfile(parsed, nameOrPath);
}

/** The parts of `cacheInfo()` / `cpuInfo()` (lib/hardware.ts) a profile needs. */
export interface DetectedCaches {
  readonly levels: ReadonlyArray<{ level: number; type: string; sizeBytes: number; sharedBy: number }>;
}

/**
 * This machine as a profile: data and unified caches from the detected hierarchy, one instance per `sharedBy`
 * logical CPUs (private when the source does not say for L1/L2, shared by all for the last level), then RAM.
 */
export function profileFromCaches(caches: DetectedCaches, logicalCores: number, memoryBytes: number, name = 'detected'): HardwareProfile {
  const data = caches.levels.filter((c) => c.type !== 'instruction' && c.sizeBytes > 0).sort((a, b) => a.level - b.level);
  if (data.length === 0) {
    throw new MlpEnergyError('INVALID_OPTION', 'No data caches were detected on this machine; pass --profile FILE.json describing its caches.');
  }
  const last = data[data.length - 1].level;
  const levels: CacheLevelProfile[] = data.map((c) => {
    const sharedBy = c.sharedBy > 0 ? Math.min(c.sharedBy, logicalCores) : c.level === last && c.level > 2 ? logicalCores : 1;
    return {
      name: c.level === 1 ? 'L1d' : `L${c.level}`,
      bytesPerUnit: c.sizeBytes,
      units: Math.max(1, Math.ceil(logicalCores / sharedBy)),
      coresPerUnit: sharedBy,
    };
  });
  levels.push({ name: 'RAM', bytesPerUnit: memoryBytes, units: 1, coresPerUnit: logicalCores });
  return validateProfile({ name, deviceClass: 'cpu', description: `this machine: ${logicalCores} logical CPUs`, levels });
}

/** The parts of a `cudaInfo()` device (lib/gpu.ts) a profile needs. */
export interface DetectedGpu {
  readonly name: string;
  readonly smCount: number;
  readonly l2Bytes: number;
  readonly globalMemoryBytes: number;
  readonly sharedMemoryPerSmBytes: number;
}

/**
 * One GPU as a profile, modelled as the study modelled the V100: a per-SM level (the configurable L1/shared
 * capacity the driver reports), the L2, then device memory. A single GPU per run, so one L2 and one HBM instance.
 */
export function profileFromGpu(gpu: DetectedGpu, name = 'detected-gpu'): HardwareProfile {
  return validateProfile({
    name,
    deviceClass: 'gpu',
    description: `this machine's ${gpu.name}: ${gpu.smCount} SMs`,
    levels: [
      { name: 'L1', bytesPerUnit: gpu.sharedMemoryPerSmBytes, units: gpu.smCount, coresPerUnit: 1 },
      { name: 'L2', bytesPerUnit: gpu.l2Bytes, units: 1, coresPerUnit: gpu.smCount },
      { name: 'HBM', bytesPerUnit: gpu.globalMemoryBytes, units: 1, coresPerUnit: gpu.smCount },
    ],
  });
}
