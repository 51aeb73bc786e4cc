/**
 * What the runner needs from training and metering, as narrow interfaces. `backends.ts` binds them to the real
 * `trainRun` and `openMeters`; keeping the runner on these ports keeps it independent of their option shapes.
 */
import type { TrainData } from '../datasets/load.js';
import type { Shape } from '../networks.js';
import type { RunTrace } from './trace.js';
import type { Device } from './spec.js';

export interface ResolvedTiling {
  readonly mc: number;
  readonly kc: number;
  readonly nc: number;
  readonly mr: number;
  readonly nr: number;
  readonly threads: number;
  readonly isa: string;
  /** Whether small products may take the unpacked path (false: every product is packed). */
  readonly sup: boolean;
}

export interface EpochResult {
  readonly trainLoss: number;
  readonly testLoss: number;
  readonly testAccuracy: number | null;
  readonly seconds: number;
}

export interface TrainRequest {
  readonly data: TrainData;
  readonly shape: Shape;
  readonly size: number;
  readonly depth: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  readonly tiling: ResolvedTiling;
  readonly device: Device;
  readonly signal?: AbortSignal;
}

export interface TrainOutcome {
  readonly widths: readonly number[];
  readonly numFreeParameters: number;
  readonly epochs: readonly EpochResult[];
  /** CPU runs: how the threads split the work ('gemm' or 'rows', see trainRun's `parallel`). */
  readonly parallel?: 'gemm' | 'rows';
}

export interface NetworkFacts {
  readonly widths: readonly number[];
  readonly numFreeParameters: number;
  readonly flopsPerEpoch: number;
  /** Bytes of BUTTER-E's working sets l, f, b, d. */
  readonly workingSets: { readonly l: number; readonly f: number; readonly b: number; readonly d: number };
}

export interface Measurement {
  /** Joules summed over non-nested domains; null when nothing could be read. */
  readonly energy: number | null;
  /** Joules per domain/device as the meters report them. */
  readonly domains: Record<string, number | null>;
  readonly seconds: number;
  readonly source: string;
  readonly estimated: boolean;
  /** A counted domain's window was shorter than its counter's update interval, or it read zero. */
  readonly belowResolution: boolean;
  /** The window's power trace, when the meters were opened with a trace rate. */
  readonly trace?: RunTrace;
}

export interface IdleCalibration {
  /** Watts summed over domains. */
  readonly idlePower: number;
  readonly domains: Record<string, number | null>;
  readonly seconds: number;
  readonly source: string;
  readonly estimated: boolean;
}

export interface MeterWindow {
  end(): Promise<Measurement>;
}

export interface MeterPort {
  /** Which meter this is, e.g. 'rapl-powercap' or 'estimate'. */
  readonly source: string;
  readonly estimated: boolean;
  /** Smallest energy step the counter can show, joules (0 when unknown). */
  readonly resolution: number;
  /** Shortest window the counted counters measure well (several of their updates); shorter runs are repeated in one. */
  readonly minWindowSeconds: number;
  begin(): MeterWindow;
  calibrateIdle(seconds: number): Promise<IdleCalibration>;
  /** Free the meters (poller threads). */
  close(): Promise<void> | void;
  /** Whatever describes the meters, for the hardware table. */
  describe(): unknown;
}

export interface Backends {
  train(request: TrainRequest): Promise<TrainOutcome>;
  /** Throws (CUDA_UNAVAILABLE with the reason, say) when runs on `device` cannot train here. */
  requireDevice(device: Device): void;
  network(options: { inputs: number; outputs: number; shape: Shape; size: number; depth: number; observations: number; batchSize: number }): NetworkFacts;
  /**
   * Completes a tiling from this machine's defaults and checks it. `step` (the network's widths, input first, its
   * batch and the sweep's store) serves the 'tuned' choice, which cannot be resolved without it.
   */
  resolveTiling(choice: import('./spec.js').TilingChoice, step?: TilingStep): ResolvedTiling | Promise<ResolvedTiling>;
  openMeters(device: Device, options?: MeterPortOptions): Promise<MeterPort>;
  /** Facts about this machine for the hardware table (caches, ISA, GPUs). */
  hardware(): Record<string, unknown>;
}

export interface MeterPortOptions {
  /** Power trace samples per second stored with each run (0: none). */
  readonly traceHz?: number;
}

/** What the 'tuned' tiling choice needs to find its tuning. */
export interface TilingStep {
  readonly widths: readonly number[];
  readonly batch: number;
  readonly store: import('../tune/store.js').SqlStore;
  /** The network and store as the user named them, so a missing tuning's error can spell out the tune command. */
  readonly network?: import('../tune/tuned.js').TunedNetwork;
  readonly storePath?: string;
  /** What to do instead of tuning, in the caller's terms (a CLI flag, a spec field). */
  readonly instead?: string;
}
