/**
 * The runner's ports bound to the real SDK: `trainRun` (native training), `networkFor` and the paper's FLOP and
 * working-set formulas, `validateTiling` (completes a partial tiling from the cache-derived defaults) and
 * `openMeters` (RAPL / NVML counters, or the labelled estimate where none is readable).
 */
import { MlpEnergyError } from '../errors.js';
import { tunedTiling } from '../tune/tuned.js';
import { cacheInfo, cpuInfo } from '../hardware.js';
import { calibrateIdle, openMeters, type MeterOptions, type Meters } from '../meters.js';
import { flopsPerEpoch, networkFor, workingSets } from '../networks.js';
import { validateTiling } from '../tiling.js';
import { requireCuda } from '../gpu.js';
import { trainRun } from '../train.js';
import type { Backends, IdleCalibration, Measurement, MeterPort } from './ports.js';
import type { Device } from './spec.js';
import { TRACE_BUFFER_S, TraceCapture } from './trace.js';

/**
 * Smallest energy step of each source, joules. RAPL counts in energy-status units of 2^-ESU J: ESU is 14 on
 * Skylake-SP servers and 16 on most desktop parts and AMD, so 2^-14 J is the coarse case. NVML's total-energy counter
 * is in millijoules. The estimate multiplies CPU time (nanosecond clock) by a power figure, so its step is negligible.
 */
const RESOLUTION_J: Readonly<Record<string, number>> = {
  powercap: 2 ** -14, msr: 2 ** -14, perf_event: 2 ** -14, nvml: 1e-3, estimate: 0,
};

/**
 * A run's window spans at least this many updates of every counted counter. A counter read at both edges of a window
 * is off by up to one update's energy, so ten updates bound that error near 10%; NVML updates every ~100 ms, so a
 * GPU window lasts at least 1 s (a 14 ms GPU run read 0 J or one whole 12 J step on an H200).
 */
export const MIN_COUNTER_UPDATES_PER_WINDOW = 10;

/** The sweep's meter for one device over opened meters (exported for tests, which pass scripted meters). */
export function meterPort(meters: Meters, device: Device, traceCapacity: number): MeterPort {
  // The domains that count for this device: CPU package + DRAM (or the estimate) for CPU runs; for GPU runs the GPUs
  // and the host CPU together, as BUTTER-E's node meters saw both.
  const counted = meters.domains.filter((d) => d.inTotal && (device === 'gpu' || d.kind !== 'gpu'));
  if (counted.length === 0) {
    throw new MlpEnergyError('METER_UNAVAILABLE', `No energy source measures the ${device} here. Run \`mlp-energy info\` to see why each source is unavailable and how to enable one.`);
  }
  const sources = [...new Set(counted.map((d) => d.source))];
  const estimated = counted.some((d) => d.estimated);
  // Only the counted domains' resolution matters: a psys or core domain that reads zero does not make the run's energy coarse.
  const countedKeys = new Set(counted.map((d) => d.key));
  const sum = (values: Readonly<Record<string, number | null>>) => {
    let total = 0;
    for (const d of counted) {
      const v = values[d.key];
      if (v === null || v === undefined) return null;
      total += v;
    }
    return total;
  };
  return {
    source: sources.join('+'),
    estimated,
    resolution: Math.max(...sources.map((s) => RESOLUTION_J[s] ?? 0)),
    minWindowSeconds: MIN_COUNTER_UPDATES_PER_WINDOW * Math.max(...counted.map((d) => d.updateIntervalS)),
    begin() {
      // The trace opens after the window and closes before it, so every traced span lies inside the measured one:
      // a sample taken between the window's end and the trace's could add energy from after the window.
      const window = meters.begin();
      const capture = traceCapacity > 0 ? new TraceCapture(meters, traceCapacity) : null;
      return {
        async end(): Promise<Measurement> {
          const trace = capture?.finish();
          const e = meters.end(window);
          return {
            energy: sum(e.joules), domains: { ...e.joules }, seconds: e.seconds, source: sources.join('+'),
            estimated: e.estimated, belowResolution: e.belowResolutionDomains.some((key) => countedKeys.has(key)),
            ...(trace ? { trace } : {}),
          };
        },
      };
    },
    async calibrateIdle(seconds: number): Promise<IdleCalibration> {
      const baseline = await calibrateIdle(meters, { seconds, repeats: Math.max(1, Math.min(5, Math.round(seconds))) });
      return { idlePower: sum(baseline.powerW) ?? 0, domains: { ...baseline.powerW }, seconds: baseline.seconds, source: sources.join('+'), estimated: baseline.estimated };
    },
    close: () => meters.close(),
    describe: () => ({ domains: meters.domains, sources: meters.sources }),
  };
}

export interface BackendOptions {
  /** Meter options for every device (a fixture's `powercapRoot`, `cpu: 'powercap'`, …); the sweep sets `trace`. */
  readonly meters?: Omit<MeterOptions, 'trace'>;
}

export async function defaultBackends(options: BackendOptions = {}): Promise<Backends> {
  return {
    async train(request) {
      const { xTrain, yTrain, xTest, yTest, inputs, outputs, task } = request.data;
      const { mc, kc, nc, mr, nr, threads, isa, sup } = request.tiling;
      // The CPU tiling has no meaning on the GPU; trainRun rejects device 'gpu' with CUDA_UNAVAILABLE and the reason.
      const placement = request.device === 'gpu'
        ? { device: 'gpu' as const }
        : { tiling: { mc, kc, nc, mr, nr, threads, isa: isa as 'reference' | 'avx2' | 'avx512', sup } };
      const result = await trainRun({
        data: { xTrain, yTrain, xTest, yTest, inputs, outputs, task }, shape: request.shape, size: request.size, depth: request.depth,
        epochs: request.epochs, batchSize: request.batchSize, learningRate: request.learningRate, seed: request.seed,
        ...placement, signal: request.signal,
      });
      return {
        widths: result.widths, numFreeParameters: result.numFreeParameters, epochs: result.epochs,
        ...(result.parallel ? { parallel: result.parallel } : {}),
      };
    },
    requireDevice(device) {
      if (device === 'gpu') requireCuda();
    },
    network(options) {
      const network = networkFor({ inputs: options.inputs, outputs: options.outputs, shape: options.shape, size: options.size, depth: options.depth });
      const cost = { observations: options.observations, batchSize: options.batchSize };
      const ws = workingSets(network, cost);
      return {
        widths: network.widths, numFreeParameters: network.numFreeParameters, flopsPerEpoch: flopsPerEpoch(network, cost).flopsPerEpoch,
        workingSets: { l: ws.l.bytes, f: ws.f.bytes, b: ws.b.bytes, d: ws.d.bytes },
      };
    },
    async resolveTiling(choice, step) {
      if (choice === 'tuned') {
        if (!step) throw new MlpEnergyError('INVALID_OPTION', "resolveTiling('tuned') needs the network's step (widths, batch, store) to find its tuning.");
        return validateTiling(await tunedTiling(step.store, step));
      }
      const { name: _name, ...fields } = choice === 'default' ? { name: 'default' } : choice;
      return validateTiling(fields);
    },
    async openMeters(device, port = {}) {
      const hz = port.traceHz ?? 0;
      const capacity = hz > 0 ? Math.ceil(hz * TRACE_BUFFER_S) : 0;
      const meters = openMeters({
        ...(device === 'gpu' ? {} : { gpu: 'none' as const }), ...options.meters, ...(hz > 0 ? { trace: { hz, capacity } } : {}),
      });
      return meterPort(meters, device, capacity);
    },
    hardware() {
      return { cpu: cpuInfo(), caches: cacheInfo() };
    },
  };
}
