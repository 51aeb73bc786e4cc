/**
 * Energy meters: RAPL (powercap sysfs, perf_event, MSR) and NVML counters read natively, extended across
 * wraps by a native poller thread, measured in begin/end windows that read every counter at their edges.
 * Where no counter can be read, a labelled estimate (process CPU time × watts per core) stands in, and
 * every result from it says `estimated: true` and how.
 *
 * Units are in the names: `_J`/`J` joules, `S` seconds, `W` watts.
 */
import { MlpEnergyError, invalidOption, rejectUnknownOptions, withCode } from './errors.js';
import { native } from './native.js';
import type { NativeMeterOptions, NativeMeters, NativeSourceStatus } from './native-types.js';
import { booleanOption, finiteNumber, integerIn, isPlainObject, oneOf } from './validate.js';

export const CPU_SOURCES = ['auto', 'powercap', 'perf_event', 'msr', 'estimate', 'none'] as const;
export type CpuSource = (typeof CPU_SOURCES)[number];
export const GPU_SOURCES = ['auto', 'nvml', 'none'] as const;
export type GpuSource = (typeof GPU_SOURCES)[number];
export type DomainKind = 'package' | 'core' | 'uncore' | 'dram' | 'psys' | 'gpu' | 'cpu';
/** The RAPL planes the `domains` option selects among (domain kinds as results report them). */
export type RaplDomain = 'package' | 'core' | 'uncore' | 'dram' | 'psys';
export const RAPL_DOMAINS: readonly RaplDomain[] = Object.freeze(['package', 'core', 'uncore', 'dram', 'psys'] as const);

export interface MeterOptions {
  /** CPU source. `auto` (default): powercap, else perf_event, else msr, else the labelled estimate. */
  cpu?: CpuSource;
  /** GPU source. `auto` (default): NVML when its library opens. */
  gpu?: GpuSource;
  /**
   * RAPL planes to read (default: every plane the source has), e.g. `['package']` or `['package', 'dram']`.
   * Only these counters are opened and read, by windows and by the poller, so each window makes fewer
   * system calls (a 2-package powercap tree: 4 reads per window for package instead of 14 for all).
   * A source without any of them fails with METER_DOMAIN_UNAVAILABLE naming the planes it has. RAPL only:
   * `cpu: 'auto'` still falls back to the estimate where no RAPL source opens; GPUs go by `gpu`/`gpus`.
   */
  domains?: RaplDomain[];
  /** Powercap tree (default `/sys/class/powercap`); a bind-mounted host tree in containers, a fixture in tests. */
  powercapRoot?: string;
  /** MSR device path with `%d` for the CPU (default: `/dev/cpu/%d/msr_safe`, then `/dev/cpu/%d/msr`). */
  msrPath?: string;
  /** CPU topology root (default `/sys/devices/system/cpu`): picks one CPU per package. */
  cpuSysfsRoot?: string;
  /** CPU identity deciding MSR addresses and the DRAM unit quirk (default: the cpuid instruction). */
  cpuid?: { vendor: 'GenuineIntel' | 'AuthenticAMD' | 'HygonGenuine'; family: number; model: number };
  /** perf PMU directory (default `/sys/bus/event_source/devices/power`). */
  perfRoot?: string;
  /** Default `/proc/sys/kernel/perf_event_paranoid`, read to explain a refused perf_event_open. */
  perfParanoidPath?: string;
  /** NVML library to dlopen (default `libnvidia-ml.so.1`; never linked). */
  nvmlLibrary?: string;
  /** NVML device indices to measure (default: CUDA_VISIBLE_DEVICES when numeric, else all). */
  gpus?: number[];
  /** The estimate's power per busy core, W (default 10: between server ~7 and desktop ~15 W/core at TDP). */
  wattsPerCore?: number;
  /**
   * The estimate also counts the CPU time of child processes this process has waited for (default true).
   * false measures this process only and saves one system call per window edge (~1 µs in a VM).
   */
  estimateChildren?: boolean;
  /**
   * The estimate counts this process's own CPU time (default true). false counts waited-for children only:
   * what a window around a command run as a child should hold (`mlp-energy measure` does this), since
   * starting and waiting for it is not the command's work. Not with `estimateChildren: false`.
   */
  estimateSelf?: boolean;
  /** Run the native poller thread (default true). Without it, counters are only read at window edges. */
  poll?: boolean;
  /** Highest power a single counter can see, W (default 1000): sets the poller period from the wrap range. */
  powerCeilingW?: number;
  /** Shortest poller period, s (default 0.001: RAPL refreshes every ~1 ms). */
  minPeriodS?: number;
  /** Sampling period for power-only GPUs (NVML before Volta), s (default 0.1). */
  powerPeriodS?: number;
  /** Record a power trace: `hz` samples per second, the last `capacity` kept (default 10 minutes' worth). */
  trace?: { hz: number; capacity?: number };
}

const OPTION_NAMES = [
  'cpu', 'gpu', 'domains', 'powercapRoot', 'msrPath', 'cpuSysfsRoot', 'cpuid', 'perfRoot', 'perfParanoidPath',
  'nvmlLibrary', 'gpus', 'wattsPerCore', 'estimateChildren', 'estimateSelf', 'poll', 'powerCeilingW', 'minPeriodS', 'powerPeriodS', 'trace',
] as const;
const PATH_OPTIONS = ['powercapRoot', 'msrPath', 'cpuSysfsRoot', 'perfRoot', 'perfParanoidPath', 'nvmlLibrary'] as const;

/** One energy domain being measured. */
export interface MeterDomain {
  /** Unique key used in results: `package-0`, `core-0`, `dram-1`, `psys`, `gpu-0`, `cpu` (the estimate). */
  readonly key: string;
  readonly kind: DomainKind;
  /** Package index (CPU domains) or NVML device index (GPU). */
  readonly device: number;
  /**
   * Key of the domain whose energy already contains this one (core, uncore ⊂ package), or null. It may name
   * a domain that `domains` left out (core selected without package).
   */
  readonly includedIn: string | null;
  /** Whether it adds into `totalJ`: package, dram, gpu and the estimate do; core, uncore and psys do not. */
  readonly inTotal: boolean;
  readonly source: string;
  readonly estimated: boolean;
  /** How its joules come about. */
  readonly method: string;
  /** How often the counter refreshes; shorter windows are flagged `belowResolution`. */
  readonly updateIntervalS: number;
}

/** Whether a source works here, and if not why and the command that fixes it. */
export interface SourceStatus {
  readonly source: string;
  readonly available: boolean;
  /** In use by these meters. */
  readonly selected: boolean;
  readonly estimated: boolean;
  readonly method: string | null;
  /** Error code when unavailable (METER_UNAVAILABLE, METER_PERMISSION_DENIED, METER_READ_FAILED). */
  readonly code: string | null;
  readonly reason: string | null;
  /** The command that makes it work: when unavailable, here; with `rootOnly`, for users other than root. */
  readonly fix: string | null;
  /**
   * Set when the source works only because this process runs as root (e.g. energy_uj mode 0400, the
   * msr driver's CAP_SYS_RAWIO, perf_event_paranoid > 0): why, so a set-up checked as root does not
   * fail later as a user.
   */
  readonly rootOnly: string | null;
  readonly domains: readonly string[];
}

/** An open window; pass it to `meters.end()`. */
export interface MeterWindow {
  /** 1..2^32-1, unique among open windows (after 2^32-1 windows ids wrap, skipping those still open). */
  readonly id: number;
  readonly name: string | null;
}

/** The energy of one window. */
export interface EnergyMeasurement {
  readonly name: string | null;
  /** Wall time between the two edges, s. */
  readonly seconds: number;
  /** Joules per domain key; null when the domain could not be read for the whole window (never 0 for that). */
  readonly joules: Readonly<Record<string, number | null>>;
  /** Sum of CPU domains that count in totals (package + dram, or the estimate); null if one is null or none exist. */
  readonly cpuJ: number | null;
  /** Sum of GPU domains; null if one is null or no GPU is measured. */
  readonly gpuJ: number | null;
  /** cpuJ + gpuJ over the domains that exist; null if any counted domain is null. */
  readonly totalJ: number | null;
  /** The domain keys summed into cpuJ and gpuJ. */
  readonly totalDomains: { readonly cpu: readonly string[]; readonly gpu: readonly string[] };
  /** Sources that contributed. */
  readonly sources: readonly string[];
  /** True when any figure is a model rather than a counter reading. */
  readonly estimated: boolean;
  /** How the estimate was made (present only when `estimated`). */
  readonly estimate?: string;
  /** True when a domain's window was shorter than its counter's update interval or read zero. */
  readonly belowResolution: boolean;
  readonly belowResolutionDomains: readonly string[];
}

export interface PollerStats {
  /** Poller period, s; null when no thread runs (no wrapping counter, or `poll: false`). */
  readonly periodS: number | null;
  readonly samples: number;
  /** CPU time the poller thread used, s, and the wall time it has run. */
  readonly cpuS: number;
  readonly wallS: number;
}

export interface PowerTrace {
  /** Seconds since the meters were opened, oldest first. */
  readonly tS: Float64Array;
  /** Watts per domain key, aligned with tS (NaN where a read failed). */
  readonly powerW: Readonly<Record<string, Float64Array>>;
  /** Samples overwritten because the ring buffer was full. */
  readonly dropped: number;
}

export interface IdleOptions {
  /** Total idle time measured, s (default 10). */
  seconds?: number;
  /** Windows it is split into; the baseline is their median power (default 5). */
  repeats?: number;
}

export interface IdleBaseline {
  /** Median idle power per domain key, W; null when unreadable. */
  readonly powerW: Readonly<Record<string, number | null>>;
  /** Each window's power per domain, W. */
  readonly samplesW: Readonly<Record<string, readonly (number | null)[]>>;
  readonly seconds: number;
  readonly repeats: number;
  readonly estimated: boolean;
}

/** `--domains package,dram` -> ['package', 'dram'], each checked against RAPL_DOMAINS (for CLI flags). */
export function parseDomainList(text: string, flag = '--domains'): RaplDomain[] {
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  if (parts.length === 0) throw invalidOption(flag, `a comma-separated list of RAPL domains among ${RAPL_DOMAINS.join(', ')}`, text);
  return parts.map((p) => oneOf(flag, p, RAPL_DOMAINS));
}

function validateOptions(options: unknown): NativeMeterOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw invalidOption('options', 'an object', options, 'type');
  rejectUnknownOptions('openMeters', options, OPTION_NAMES);
  const o = options as MeterOptions;
  const out: NativeMeterOptions = {};
  if (o.cpu !== undefined) out.cpu = oneOf('cpu', o.cpu, CPU_SOURCES);
  if (o.gpu !== undefined) out.gpu = oneOf('gpu', o.gpu, GPU_SOURCES);
  if (o.domains !== undefined) {
    if (!Array.isArray(o.domains) || o.domains.length === 0) {
      throw invalidOption('domains', `a non-empty array of RAPL domains among ${RAPL_DOMAINS.join(', ')}`, o.domains, Array.isArray(o.domains) ? 'range' : 'type');
    }
    out.domains = o.domains.map((d, i) => oneOf(`domains[${i}]`, d, RAPL_DOMAINS));
  }
  for (const key of PATH_OPTIONS) {
    const value = o[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length === 0) throw invalidOption(key, 'a non-empty path', value, 'type');
    out[key] = value;
  }
  if (o.msrPath !== undefined && !o.msrPath.includes('%d')) {
    throw invalidOption('msrPath', 'a path with %d standing for the CPU number', o.msrPath);
  }
  if (o.cpuid !== undefined) {
    if (!isPlainObject(o.cpuid)) throw invalidOption('cpuid', 'an object { vendor, family, model }', o.cpuid, 'type');
    rejectUnknownOptions('cpuid', o.cpuid, ['vendor', 'family', 'model']);
    out.cpuid = {
      vendor: oneOf('cpuid.vendor', o.cpuid.vendor, ['GenuineIntel', 'AuthenticAMD', 'HygonGenuine'] as const),
      family: integerIn('cpuid.family', o.cpuid.family, 1, 0x1ff),
      model: integerIn('cpuid.model', o.cpuid.model, 0, 0xff),
    };
  }
  if (o.gpus !== undefined) {
    // [] would select every GPU (the native default); nothing is gpu: 'none'.
    if (!Array.isArray(o.gpus) || o.gpus.length === 0) {
      throw invalidOption('gpus', "a non-empty array of NVML device indices (leave it out for all GPUs, gpu: 'none' for none)", o.gpus, Array.isArray(o.gpus) ? 'range' : 'type');
    }
    out.gpus = o.gpus.map((g, i) => integerIn(`gpus[${i}]`, g, 0, 1023));
  }
  if (o.wattsPerCore !== undefined) out.wattsPerCore = finiteNumber('wattsPerCore', o.wattsPerCore, 0.01, 1000);
  if (o.estimateChildren !== undefined) out.estimateChildren = booleanOption('estimateChildren', o.estimateChildren);
  if (o.estimateSelf !== undefined) out.estimateSelf = booleanOption('estimateSelf', o.estimateSelf);
  if (o.poll !== undefined) out.poll = booleanOption('poll', o.poll);
  if (o.powerCeilingW !== undefined) out.powerCeilingW = finiteNumber('powerCeilingW', o.powerCeilingW, 1, 1e5);
  if (o.minPeriodS !== undefined) out.minPeriodS = finiteNumber('minPeriodS', o.minPeriodS, 1e-5, 3600);
  if (o.powerPeriodS !== undefined) out.powerPeriodS = finiteNumber('powerPeriodS', o.powerPeriodS, 1e-3, 60);
  if (o.trace !== undefined) {
    if (!isPlainObject(o.trace)) throw invalidOption('trace', 'an object { hz, capacity? }', o.trace, 'type');
    rejectUnknownOptions('trace', o.trace, ['hz', 'capacity']);
    out.traceHz = finiteNumber('trace.hz', o.trace.hz, 0.001, 10_000);
    out.traceCapacity = o.trace.capacity === undefined
      ? Math.ceil(out.traceHz * 600)
      : integerIn('trace.capacity', o.trace.capacity, 1, 10_000_000);
  }
  return out;
}

function toStatus(s: NativeSourceStatus): SourceStatus {
  return {
    source: s.source,
    available: s.available,
    selected: s.selected,
    estimated: s.estimated,
    method: s.method || null,
    code: s.code || null,
    reason: s.reason || null,
    fix: s.fix || null,
    rootOnly: s.rootOnly || null,
    domains: s.domains,
  };
}

type JoulesRecord = (out: Float64Array) => Record<string, number | null>;

/**
 * The function turning end()'s buffer into these meters' joules record (null where NaN). It is compiled
 * once per meters as one object literal of their keys (JSON-quoted), so a window allocates its record in
 * its final shape. A loop storing key by key goes through an inline cache that turns megamorphic as soon
 * as meters with other keys exist in the process: 0.1-0.4 us more per window (measured on the dev VM).
 * The loop stays for `compile: false` and where code generation from strings is disallowed.
 */
export function joulesRecord(keys: readonly string[], compile = true): JoulesRecord {
  if (compile && !keys.includes('__proto__')) {
    try {
      const fields = keys.map((k, d) => `${JSON.stringify(k)}: out[${1 + d}] === out[${1 + d}] ? out[${1 + d}] : null`);
      return new Function('out', `return { ${fields.join(', ')} };`) as JoulesRecord;
    } catch {
      // --disallow-code-generation-from-strings: the loop below
    }
  }
  return (out) => {
    const joules: Record<string, number | null> = {};
    for (let d = 0; d < keys.length; d++) joules[keys[d]] = Number.isNaN(out[1 + d]) ? null : out[1 + d];
    return joules;
  };
}

/** Shared by every result whose domains are all above resolution (readonly, so frozen). */
const NONE_BELOW: readonly string[] = Object.freeze([]);

/** Sum of joules[1 + i] over `domains` in end()'s buffer; null when one is unreadable (NaN) or none is given. */
function sumOrNull(out: Float64Array, domains: readonly number[]): number | null {
  if (domains.length === 0) return null;
  let sum = 0;
  for (const i of domains) sum += out[1 + i];
  return sum === sum ? sum : null;
}

/** What begin() returns. Ids are unique per meters only, so the window also knows (privately) whose it is. */
class OpenWindow implements MeterWindow {
  readonly id: number;
  readonly name: string | null;
  readonly #meters: Meters;
  constructor(id: number, name: string | null, meters: Meters) {
    this.id = id;
    this.name = name;
    this.#meters = meters;
  }
  /** Begun on other meters, where its id may name one of these meters' windows. */
  static foreign(window: object, meters: Meters): boolean {
    return #meters in window && (window as OpenWindow).#meters !== meters;
  }
}

const metersClosed = () => new MlpEnergyError('METER_CLOSED', 'these meters were closed: open new ones with openMeters()');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** Open energy meters. Use `info()` first to see which sources work here and why others do not. */
export class Meters {
  readonly domains: readonly MeterDomain[];
  readonly sources: readonly SourceStatus[];
  #native: NativeMeters | null;
  // The window hot path: native functions bound to these meters (no per-call lookup of the native object),
  // swapped for ones that throw METER_CLOSED by close().
  #begin: (name?: string) => number;
  #end: (id: number) => void;
  /** end()'s result buffer, written by native code: seconds, joules per domain, below-resolution flags. */
  readonly #out: Float64Array;
  // Everything a result needs besides the numbers, worked out once here so end() only reads #out.
  readonly #keys: readonly string[];
  readonly #joules: JoulesRecord;
  readonly #cpuCounted: readonly number[];
  readonly #gpuCounted: readonly number[];
  readonly #counted: readonly number[];
  readonly #estimate: string | undefined;
  readonly #sourceNames: readonly string[];
  readonly #totalDomains: { readonly cpu: readonly string[]; readonly gpu: readonly string[] };

  /** Prefer `openMeters(options)`. */
  constructor(options?: MeterOptions) {
    const nativeOptions = validateOptions(options);
    this.#native = new (native().Meters)(nativeOptions);
    this.domains = Object.freeze(
      this.#native.domains().map((d) => Object.freeze({ ...d, kind: d.kind as DomainKind, includedIn: d.includedIn || null })),
    );
    this.sources = Object.freeze(this.#native.sources().map(toStatus));
    ({ begin: this.#begin, end: this.#end, out: this.#out } = this.#native.window());
    const estimated = this.domains.filter((d) => d.estimated);
    this.#estimate = estimated.length ? [...new Set(estimated.map((d) => d.method))].join('; ') : undefined;
    this.#sourceNames = Object.freeze([...new Set(this.domains.map((d) => d.source))]);
    this.#keys = this.domains.map((d) => d.key);
    this.#joules = joulesRecord(this.#keys);
    const counted = (gpu: boolean) => this.domains.flatMap((d, i) => (d.inTotal && (d.kind === 'gpu') === gpu ? [i] : []));
    this.#cpuCounted = counted(false);
    this.#gpuCounted = counted(true);
    this.#counted = [...this.#cpuCounted, ...this.#gpuCounted];
    this.#totalDomains = Object.freeze({
      cpu: Object.freeze(this.#cpuCounted.map((i) => this.#keys[i])),
      gpu: Object.freeze(this.#gpuCounted.map((i) => this.#keys[i])),
    });
  }

  #get(): NativeMeters {
    if (!this.#native) throw metersClosed();
    return this.#native;
  }

  /**
   * Open a window: reads every counter now. Windows nest and overlap; open names must be unique. The
   * window is readonly by type (not frozen: Object.freeze is a runtime call per window).
   */
  begin(name?: string): MeterWindow {
    if (name === undefined) return new OpenWindow(this.#begin(), null, this);
    if (typeof name !== 'string' || name.length === 0) throw invalidOption('name', 'a non-empty string', name, 'type');
    return new OpenWindow(this.#begin(name), name, this);
  }

  /** Close a window: reads every counter now and returns the energy in between. */
  end(window: MeterWindow): EnergyMeasurement {
    if (!isPlainObject(window) || typeof (window as MeterWindow).id !== 'number') {
      throw invalidOption('window', 'the object meters.begin() returned', window, 'type');
    }
    const label = window.name === null ? window.id : JSON.stringify(window.name);
    if (OpenWindow.foreign(window, this)) {
      throw withCode(new Error(`window ${label} is not open on these meters: it was begun on other meters; end it with those`), 'METER_WINDOW_UNKNOWN');
    }
    try {
      this.#end(window.id); // throws METER_WINDOW_UNKNOWN before reading anything when the window is not open
    } catch (error) {
      // Closing ended every window, so a window ended after close() is not open either.
      if (this.#native !== null && (error as { code?: unknown }).code !== 'METER_WINDOW_UNKNOWN') throw error;
      const why = this.#native === null
        ? 'these meters were closed, which ended it; open new ones with openMeters()'
        : 'it was never begun on these meters or has already ended';
      throw withCode(new Error(`window ${label} is not open: ${why}`), 'METER_WINDOW_UNKNOWN');
    }
    const out = this.#out;
    const keys = this.#keys;
    const n = keys.length;
    const joules = this.#joules(out);
    let below: string[] | undefined;
    for (let d = 0; d < n; d++) {
      if (out[1 + n + d] !== 0) {
        // A one-element literal first: pushing onto [] grows its backing store on every flagged window.
        if (below === undefined) below = [keys[d]];
        else below.push(keys[d]);
      }
    }
    const cpuJ = sumOrNull(out, this.#cpuCounted);
    const gpuJ = sumOrNull(out, this.#gpuCounted);
    const totalJ = sumOrNull(out, this.#counted);
    const belowResolution = below !== undefined;
    // One literal per case, so every result of these meters has the same shape.
    return this.#estimate === undefined
      ? {
          name: window.name, seconds: out[0], joules, cpuJ, gpuJ, totalJ, totalDomains: this.#totalDomains,
          sources: this.#sourceNames, estimated: false, belowResolution, belowResolutionDomains: below ?? NONE_BELOW,
        }
      : {
          name: window.name, seconds: out[0], joules, cpuJ, gpuJ, totalJ, totalDomains: this.#totalDomains,
          sources: this.#sourceNames, estimated: true, belowResolution, belowResolutionDomains: below ?? NONE_BELOW, estimate: this.#estimate,
        };
  }

  /** Read every counter now (the poller does this on its own; tests step fixtures with it). */
  sample(): void {
    this.#get().sample();
  }

  /** Cumulative joules per domain since opening. */
  totals(): Record<string, number | null> {
    const j = this.#get().totals();
    return Object.fromEntries(this.domains.map((d, i) => [d.key, Number.isNaN(j[i]) ? null : j[i]]));
  }

  pollerStats(): PollerStats {
    return this.#get().stats();
  }

  /** The power trace recorded so far (empty unless opened with `trace`). */
  trace(): PowerTrace {
    const t = this.#get().trace();
    return {
      tS: t.tS,
      powerW: Object.fromEntries(this.domains.map((d, i) => [d.key, t.powerW[i]])),
      dropped: t.dropped,
    };
  }

  /** Seconds since the meters were opened: the clock of `trace().tS`, so callers can cut a trace to a window. */
  nowS(): number {
    return this.#get().now();
  }

  /** Why the last counter read failed ('' when none has). */
  lastError(): string {
    return this.#get().lastError();
  }

  /** Mean ns of one raw read of counter `counter` (default the first) of source `index` (benchmarks). */
  rawReadNs(index: number, iterations = 10_000, counter = 0): number {
    return this.#get().rawReadNs(
      integerIn('index', index, 0, this.sources.length - 1), integerIn('iterations', iterations, 1, 1e8), integerIn('counter', counter, 0, 1e6),
    );
  }

  /** Mean ns to read every counter once in native code: the cost of one window edge without the binding (benchmarks). */
  edgeNs(iterations = 10_000): number {
    return this.#get().edgeNs(integerIn('iterations', iterations, 1, 1e8));
  }

  /** Idle power per domain: see `calibrateIdle`. */
  calibrateIdle(options?: IdleOptions): Promise<IdleBaseline> {
    return calibrateIdle(this, options);
  }

  /** Stop the poller and release every file descriptor and library. */
  close(): void {
    this.#native?.close();
    this.#native = null;
    this.#begin = this.#end = () => {
      throw metersClosed();
    };
  }
}

/** Open energy meters (see MeterOptions); throws METER_UNAVAILABLE with the fix when a named source cannot work. */
export function openMeters(options?: MeterOptions): Meters {
  return new Meters(options);
}

/** Run `fn` inside a window and return its result with the window's energy. */
export async function measure<T>(meters: Meters, fn: () => T | Promise<T>, name?: string): Promise<{ result: T; energy: EnergyMeasurement }> {
  if (!(meters instanceof Meters)) throw invalidOption('meters', 'the object openMeters() returned', meters, 'type');
  if (typeof fn !== 'function') throw invalidOption('fn', 'a function', fn, 'type');
  const window = meters.begin(name);
  try {
    const result = await fn();
    return { result, energy: meters.end(window) };
  } catch (error) {
    try {
      meters.end(window);
    } catch {
      // fn's error is the one to report (it may itself have closed the meters, ending the window)
    }
    throw error;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Idle power per domain: `repeats` windows of `seconds / repeats` each while this process sleeps; the
 * baseline is the median window power, robust to a background burst in one of them.
 */
export async function calibrateIdle(meters: Meters, options: IdleOptions = {}): Promise<IdleBaseline> {
  if (!(meters instanceof Meters)) throw invalidOption('meters', 'the object openMeters() returned', meters, 'type');
  if (!isPlainObject(options)) throw invalidOption('options', 'an object', options, 'type');
  rejectUnknownOptions('calibrateIdle', options, ['seconds', 'repeats']);
  const seconds = options.seconds === undefined ? 10 : finiteNumber('seconds', options.seconds, 0.01, 86_400);
  const repeats = options.repeats === undefined ? 5 : integerIn('repeats', options.repeats, 1, 1000);
  const samples: Record<string, (number | null)[]> = Object.fromEntries(meters.domains.map((d) => [d.key, []]));
  let estimated = false;
  for (let r = 0; r < repeats; r++) {
    const window = meters.begin();
    await sleep((seconds * 1000) / repeats);
    const e = meters.end(window);
    estimated ||= e.estimated;
    for (const key of Object.keys(samples)) {
      const j = e.joules[key];
      samples[key].push(j === null ? null : j / e.seconds);
    }
  }
  const powerW: Record<string, number | null> = {};
  for (const [key, values] of Object.entries(samples)) {
    powerW[key] = values.some((v) => v === null) ? null : median(values as number[]);
  }
  return { powerW, samplesW: samples, seconds, repeats, estimated };
}

/**
 * A measurement with idle energy (baseline power × seconds) taken off each domain. The result can be
 * negative for a domain that idled below its baseline; it is reported as is, not clamped.
 */
export function subtractIdle(measurement: EnergyMeasurement, baseline: IdleBaseline): EnergyMeasurement {
  if (!isPlainObject(measurement) || !isPlainObject(measurement.joules) || !isPlainObject(measurement.totalDomains)) {
    throw invalidOption('measurement', 'a result of meters.end() or measure()', measurement, 'type');
  }
  if (!isPlainObject(baseline) || !isPlainObject(baseline.powerW)) throw invalidOption('baseline', 'a result of calibrateIdle()', baseline, 'type');
  const joules: Record<string, number | null> = {};
  for (const [key, j] of Object.entries(measurement.joules)) {
    const p = baseline.powerW[key];
    joules[key] = j === null || p === null || p === undefined ? null : j - p * measurement.seconds;
  }
  const idle = (total: number | null, keys: readonly string[]) => {
    if (total === null) return null;
    let sum = 0;
    for (const key of keys) {
      const p = baseline.powerW[key];
      if (p === null || p === undefined) return null;
      sum += p;
    }
    return total - sum * measurement.seconds;
  };
  // Totals come from the counted domains only, so nested ones (core inside package) are not taken twice.
  const { cpu, gpu } = measurement.totalDomains;
  return {
    ...measurement,
    joules,
    estimated: measurement.estimated || baseline.estimated,
    cpuJ: idle(measurement.cpuJ, cpu),
    gpuJ: idle(measurement.gpuJ, gpu),
    totalJ: idle(measurement.totalJ, [...cpu, ...gpu]),
  };
}

/** Every energy source with whether it works here, why not, and the fix; nothing is kept open. */
export function energySources(options?: MeterOptions): SourceStatus[] {
  return native().metersProbe(validateOptions(options)).map(toStatus);
}
