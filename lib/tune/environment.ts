/**
 * What a real tuning runs on: this machine's identity and caches, the micro-tiles its ISAs offer, the analytical
 * default tiling to start from, and a GemmMeter over the native gemm and the energy meters.
 */
import { gemm } from '../gemm.js';
import { cacheInfo, cpuInfo, type CacheInfo, type CpuInfo } from '../hardware.js';
import { openMeters, type MeterOptions } from '../meters.js';
import { defaultTiling, type Tiling } from '../tiling.js';
import type { CacheSizes } from './blocks.js';
import { GemmMeter, type GemmMeterOptions, type GemmOperands } from './gemm-meter.js';
import type { Machine } from './machine.js';
import type { TuneMeter } from './meter.js';
import type { TilingSpaceOptions, MicroTile } from './space.js';

export function cacheSizes(info: CacheInfo): CacheSizes {
  const size = (level: number) => info.levels.find((l) => l.level === level && l.type !== 'instruction')?.sizeBytes ?? null;
  const l1 = size(1);
  const l2 = size(2);
  if (l1 === null || l2 === null) throw new Error('cacheInfo() reported no L1d or L2; the native cache detection should always fill them');
  return { l1d_bytes: l1, l2_bytes: l2, l3_bytes: size(3) };
}

/** The micro-tiles of every usable vector ISA, the best ISA first (reference kernels only when nothing else runs). */
export function offeredMicroTiles(cpu: CpuInfo): MicroTile[] {
  const vector = cpu.isas.filter((isa) => isa !== 'reference');
  const isas = vector.length > 0 ? [cpu.bestIsa, ...vector.filter((isa) => isa !== cpu.bestIsa)] : ['reference' as const];
  return isas.flatMap((isa) => cpu.microTiles[isa].map(({ mr, nr }) => ({ isa, mr, nr })));
}

export function thisMachine(): Machine {
  const cpu = cpuInfo();
  const caches = cacheSizes(cacheInfo());
  return { cpu_model: cpu.brand || `${cpu.vendor} family ${cpu.family} model ${cpu.model}`, ...caches, isa: cpu.bestIsa, cores: cpu.logicalCores };
}

export interface TuneEnvironment {
  machine: Machine;
  caches: CacheSizes;
  space: TilingSpaceOptions;
  start: Tiling;
  meter: TuneMeter;
  close(): void;
}

export function openTuneEnvironment(options: { meters?: MeterOptions; gemmMeter?: GemmMeterOptions } = {}): TuneEnvironment {
  const cpu = cpuInfo();
  const machine = thisMachine();
  const caches = { l1d_bytes: machine.l1d_bytes, l2_bytes: machine.l2_bytes, l3_bytes: machine.l3_bytes };
  const meters = openMeters({ gpu: 'none', ...options.meters });
  const run = (operands: GemmOperands, tiling: Tiling) => {
    gemm({ ...operands, tiling });
  };
  return {
    machine,
    caches,
    space: { microTiles: offeredMicroTiles(cpu), maxThreads: cpu.logicalCores, caches },
    start: defaultTiling(),
    meter: new GemmMeter(meters, run, options.gemmMeter),
    close: () => meters.close(),
  };
}
