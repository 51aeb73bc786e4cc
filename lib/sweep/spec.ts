/**
 * A sweep spec: datasets × shapes × sizes × depths × devices × tilings × repetitions, with the training settings.
 * Given as a JSON file or a TS object; `validateSpec` checks every field and reports all problems at once, each with
 * its path (`sizes[2]: expected an integer ≥ 1 but received 0`), then fills defaults (BUTTER-E's where they exist).
 */
import { readFileSync } from 'node:fs';
import { MlpEnergyError } from '../errors.js';
import { datasetSpec, DATASET_NAMES } from '../datasets/specs.js';
import { SHAPES, type Shape } from '../networks.js';
import { TILING_MAX } from '../tiling.js';
import { isPlainObject } from '../validate.js';

export const DEVICES = ['cpu', 'gpu'] as const;
export type Device = (typeof DEVICES)[number];

/** Fields of a GEMM tiling a spec may set; the rest come from `defaultTiling()` on the machine that runs. */
export const TILING_FIELDS = ['mc', 'kc', 'nc', 'mr', 'nr', 'threads'] as const;
export interface TilingOverride {
  readonly name?: string;
  readonly mc?: number;
  readonly kc?: number;
  readonly nc?: number;
  readonly mr?: number;
  readonly nr?: number;
  readonly threads?: number;
  readonly isa?: 'reference' | 'avx2' | 'avx512';
  /** false forces the packed path for small products too (see `Tiling.sup`); absent: the default (allowed). */
  readonly sup?: boolean;
}
/** 'tuned': the tiling `mlp-energy tune --scope network` stored in this sweep's store for each network. */
export type TilingChoice = 'default' | 'tuned' | TilingOverride;

export interface UntilCi {
  /** Target half-width of the 95% confidence interval of J/datum, relative to its mean (0.02 = 2%). */
  readonly target: number;
  /** Repetitions always run before the interval is checked (≥ 2; the CLI's --until-ci uses 3). */
  readonly min: number;
  /** Cap on repetitions. */
  readonly max: number;
}

export interface OverheadSpec {
  readonly dataset: string;
  readonly shape: Shape;
  readonly sizes: readonly number[];
  readonly depth: number;
  readonly repetitions: number;
}

export interface SweepSpecInput {
  name?: string;
  datasets: readonly string[];
  shapes: readonly Shape[];
  sizes: readonly number[];
  depths: readonly number[];
  devices?: readonly Device[];
  tilings?: readonly TilingChoice[];
  repetitions?: number;
  untilCi?: (Partial<UntilCi> & { target: number }) | null;
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  overhead?: Partial<OverheadSpec> | false | null;
  idleSeconds?: number;
  traceHz?: number;
}

export interface SweepSpec {
  readonly name: string;
  readonly datasets: readonly string[];
  readonly shapes: readonly Shape[];
  readonly sizes: readonly number[];
  readonly depths: readonly number[];
  readonly devices: readonly Device[];
  readonly tilings: readonly TilingChoice[];
  readonly repetitions: number;
  readonly untilCi: UntilCi | null;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  readonly overhead: OverheadSpec | null;
  readonly idleSeconds: number;
  /** Power trace samples per second stored with every run (`power_traces`); 0, the default, stores none. */
  readonly traceHz: number;
}

/** Highest trace rate: RAPL refreshes every ~1 ms, so faster samples would repeat the same counter value. */
export const MAX_TRACE_HZ = 1000;

/** BUTTER-E's overhead reference: 505_tecator runs with size ≤ 2^10 (reference §5, cell 16). */
export const DEFAULT_OVERHEAD: OverheadSpec = {
  dataset: '505_tecator', shape: 'rectangle', sizes: [2 ** 7, 2 ** 8, 2 ** 9, 2 ** 10], depth: 2, repetitions: 1,
};

export interface SpecIssue {
  readonly path: string;
  readonly message: string;
}

const KNOWN = ['name', 'datasets', 'shapes', 'sizes', 'depths', 'devices', 'tilings', 'repetitions', 'untilCi', 'epochs',
  'batchSize', 'learningRate', 'seed', 'overhead', 'idleSeconds', 'traceHz', '$schema', 'description'];
export const MAX_REPETITIONS = 1000;
/**
 * Repetitions `untilCi` runs before it first checks the interval (its default `min`; the CLI's `--until-ci` always
 * uses it, so `--max-repetitions` is at least this): from 2 values the 95% t interval is ±12.7 standard errors wide.
 */
export const MIN_CI_REPETITIONS = 3;

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value);
}

class Checker {
  readonly issues: SpecIssue[] = [];
  fail(path: string, message: string): undefined {
    this.issues.push({ path, message });
    return undefined;
  }
  int(path: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return this.fail(path, `expected an integer between ${min} and ${max} but received ${show(value)}`);
    }
    return value;
  }
  num(path: string, value: unknown, min: number, max: number, exclusive = false): number | undefined {
    const ok = typeof value === 'number' && Number.isFinite(value) && (exclusive ? value > min && value < max : value >= min && value <= max);
    return ok ? (value as number) : this.fail(path, `expected a number ${exclusive ? 'strictly ' : ''}between ${min} and ${max} but received ${show(value)}`);
  }
  list<T>(path: string, value: unknown, item: (p: string, v: unknown) => T | undefined): T[] | undefined {
    if (!Array.isArray(value) || value.length === 0) return this.fail(path, `expected a non-empty array but received ${show(value)}`);
    const out = value.map((v, i) => item(`${path}[${i}]`, v));
    const seen = new Set<string>();
    value.forEach((v, i) => {
      const key = JSON.stringify(v);
      if (seen.has(key)) this.fail(`${path}[${i}]`, `duplicate value ${key}; list each value once`);
      seen.add(key);
    });
    return out.every((v) => v !== undefined) ? (out as T[]) : undefined;
  }
  choice<T extends string>(path: string, value: unknown, choices: readonly T[], what: string): T | undefined {
    if (typeof value === 'string' && choices.includes(value as T)) return value as T;
    return this.fail(path, `unknown ${what} ${show(value)}; known: ${choices.join(', ')}`);
  }
  unknownKeys(path: string, value: Record<string, unknown>, known: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.fail(path ? `${path}.${key}` : key, `unknown field; known fields: ${known.filter((k) => !k.startsWith('$')).join(', ')}`);
    }
  }
}

function checkTiling(ch: Checker, path: string, value: unknown): TilingChoice | undefined {
  if (value === 'default' || value === 'tuned') return value;
  if (!isPlainObject(value)) return ch.fail(path, `expected "default", "tuned" or an object with some of ${TILING_FIELDS.join(', ')}, isa, sup but received ${show(value)}`);
  ch.unknownKeys(path, value, ['name', ...TILING_FIELDS, 'isa', 'sup']);
  const out: Record<string, unknown> = {};
  if (value.name !== undefined) out.name = typeof value.name === 'string' && value.name !== '' ? value.name : ch.fail(`${path}.name`, `expected a non-empty string but received ${show(value.name)}`);
  for (const field of TILING_FIELDS) {
    // The native bounds, so a plan (a Slurm array, say) never carries a block size no node can run.
    if (value[field] !== undefined) out[field] = ch.int(`${path}.${field}`, value[field], 1, TILING_MAX[field]);
  }
  if (value.isa !== undefined) out.isa = ch.choice(`${path}.isa`, value.isa, ['reference', 'avx2', 'avx512'] as const, 'isa');
  // Written only when given, so the run ids of tilings without it (which hash the tiling) stay as they were.
  if (value.sup !== undefined) out.sup = typeof value.sup === 'boolean' ? value.sup : ch.fail(`${path}.sup`, `expected true or false but received ${show(value.sup)}`);
  if (Object.keys(out).filter((k) => k !== 'name').length === 0) return ch.fail(path, `an explicit tiling must set at least one of ${TILING_FIELDS.join(', ')}, isa, sup (or use "default")`);
  return Object.values(out).some((v) => v === undefined) ? undefined : (out as TilingOverride);
}

/** The label a tiling gets in records: its `name`, else its fields ("kc64-threads1"). */
export function tilingName(tiling: TilingChoice): string {
  if (tiling === 'default' || tiling === 'tuned') return tiling;
  return tiling.name ?? Object.entries(tiling).filter(([k]) => k !== 'name').map(([k, v]) => `${k}${v}`).join('-');
}

export function validateSpec(input: unknown, where = 'sweep spec'): SweepSpec {
  const ch = new Checker();
  if (!isPlainObject(input)) {
    throw new MlpEnergyError('INVALID_SPEC', `Invalid ${where}: expected an object with datasets, shapes, sizes, depths and epochs but received ${show(input)}.`);
  }
  ch.unknownKeys('', input, KNOWN);
  const name = input.name === undefined ? 'custom' : typeof input.name === 'string' && /^[\w.-]+$/.test(input.name) ? input.name : ch.fail('name', `expected a name of letters, digits, '_', '.', '-' but received ${show(input.name)}`);
  const datasets = ch.list('datasets', input.datasets, (p, v) => (typeof v === 'string' && datasetSpec(v) ? v : ch.fail(p, `unknown dataset ${show(v)}; known: ${DATASET_NAMES.join(', ')}`)));
  const shapes = ch.list('shapes', input.shapes, (p, v) => ch.choice(p, v, SHAPES, 'shape'));
  const sizes = ch.list('sizes', input.sizes, (p, v) => ch.int(p, v, 1, 2 ** 31));
  const depths = ch.list('depths', input.depths, (p, v) => ch.int(p, v, 2, 1000));
  const devices = input.devices === undefined ? ['cpu' as Device] : ch.list('devices', input.devices, (p, v) => ch.choice(p, v, DEVICES, 'device'));
  const tilings = input.tilings === undefined ? ['default' as TilingChoice] : ch.list('tilings', input.tilings, (p, v) => checkTiling(ch, p, v));
  const epochs = ch.int('epochs', input.epochs, 1, 1_000_000);
  const batchSize = input.batchSize === undefined ? 256 : ch.int('batchSize', input.batchSize, 1, 1 << 20);
  const learningRate = input.learningRate === undefined ? 1e-4 : ch.num('learningRate', input.learningRate, 0, 10, true);
  const seed = input.seed === undefined ? 0 : ch.int('seed', input.seed, 0, 2 ** 31 - 1);
  const idleSeconds = input.idleSeconds === undefined ? 10 : ch.num('idleSeconds', input.idleSeconds, 0, 3600);
  const traceHz = input.traceHz === undefined ? 0 : ch.num('traceHz', input.traceHz, 0, MAX_TRACE_HZ);
  let repetitions = input.repetitions === undefined ? 1 : ch.int('repetitions', input.repetitions, 1, MAX_REPETITIONS);
  let untilCi: UntilCi | null | undefined = null;
  if (input.untilCi !== undefined && input.untilCi !== null) {
    const u = input.untilCi;
    if (!isPlainObject(u)) untilCi = ch.fail('untilCi', `expected an object { target, min?, max? } but received ${show(u)}`);
    else {
      ch.unknownKeys('untilCi', u, ['target', 'min', 'max']);
      const target = ch.num('untilCi.target', u.target, 0, 1, true);
      const min = u.min === undefined ? MIN_CI_REPETITIONS : ch.int('untilCi.min', u.min, 2, MAX_REPETITIONS);
      const max = u.max === undefined ? 10 : ch.int('untilCi.max', u.max, 2, MAX_REPETITIONS);
      if (min !== undefined && max !== undefined && max < min) ch.fail('untilCi.max', `must be ≥ untilCi.min (${min}) but is ${max}`);
      // A validated spec carries repetitions = untilCi.max (the plan's cap), so that pair round-trips.
      if (input.repetitions !== undefined && input.repetitions !== max) ch.fail('repetitions', 'give either repetitions (a fixed count) or untilCi, not both');
      untilCi = target !== undefined && min !== undefined && max !== undefined ? { target, min, max } : undefined;
      if (untilCi) repetitions = untilCi.max;
    }
  }
  let overhead: OverheadSpec | null | undefined = DEFAULT_OVERHEAD;
  if (input.overhead === false || input.overhead === null) overhead = null;
  else if (input.overhead !== undefined) {
    const o = input.overhead;
    if (!isPlainObject(o)) overhead = ch.fail('overhead', `expected false or an object { dataset, shape, sizes, depth, repetitions } but received ${show(o)}`);
    else {
      ch.unknownKeys('overhead', o, ['dataset', 'shape', 'sizes', 'depth', 'repetitions']);
      const merged = { ...DEFAULT_OVERHEAD, ...o };
      const dataset = typeof merged.dataset === 'string' && datasetSpec(merged.dataset) ? merged.dataset : ch.fail('overhead.dataset', `unknown dataset ${show(merged.dataset)}; known: ${DATASET_NAMES.join(', ')}`);
      const shape = ch.choice('overhead.shape', merged.shape, SHAPES, 'shape');
      const oSizes = ch.list('overhead.sizes', merged.sizes, (p, v) => ch.int(p, v, 1, 2 ** 31));
      const depth = ch.int('overhead.depth', merged.depth, 2, 1000);
      const reps = ch.int('overhead.repetitions', merged.repetitions, 1, MAX_REPETITIONS);
      overhead = dataset && shape && oSizes && depth && reps ? { dataset, shape, sizes: oSizes, depth, repetitions: reps } : undefined;
    }
  }
  if (tilings) {
    const names = new Set<string>();
    tilings.forEach((t, i) => {
      const n = tilingName(t);
      if (names.has(n)) ch.fail(`tilings[${i}]`, `two tilings are labelled ${JSON.stringify(n)}; give each a distinct name`);
      names.add(n);
    });
  }
  if (ch.issues.length > 0) {
    const error = new MlpEnergyError('INVALID_SPEC',
      `Invalid ${where}:\n${ch.issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}\nFix the fields above (see \`mlp-energy sweep --help\` for the spec format).`);
    throw Object.assign(error, { issues: ch.issues });
  }
  return {
    name: name!, datasets: datasets!, shapes: shapes!, sizes: sizes!, depths: depths!, devices: devices!, tilings: tilings!,
    repetitions: repetitions!, untilCi: untilCi!, epochs: epochs!, batchSize: batchSize!, learningRate: learningRate!,
    seed: seed!, overhead: overhead!, idleSeconds: idleSeconds!, traceHz: traceHz!,
  };
}

export function readSpecFile(file: string): SweepSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MlpEnergyError('INVALID_SPEC', `Cannot read sweep spec ${file}: ${(error as Error).message}. Check the path given to --spec.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MlpEnergyError('INVALID_SPEC', `Sweep spec ${file} is not valid JSON: ${(error as Error).message}. Fix the syntax (a JSON object).`);
  }
  return validateSpec(json, `sweep spec ${file}`);
}
