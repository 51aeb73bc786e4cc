/**
 * Finding and loading a dataset by name: real files from the data directory (option, else MLP_ENERGY_DATA_DIR) or a
 * system location (Debian's dataset-fashion-mnist under /usr/share/datasets), else a shape-true synthetic stand-in.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MlpEnergyError, invalidOption } from '../errors.js';
import { integerIn, isPlainObject, oneOf } from '../validate.js';
import { checkShape } from './conformance.js';
import { findIdxSet, IDX_STEMS, labelClasses, prepareIdx, readIdxSet } from './idx.js';
import { classCount, prepareTable, targetIndex, type Prepared } from './preprocess.js';
import { datasetSpec, DATASET_NAMES, type DatasetSpec, type Task } from './specs.js';
import { splitRows } from './split.js';
import { synthesize } from './synthetic.js';
import { readTable } from './table.js';

export const DATA_DIR_ENV = 'MLP_ENERGY_DATA_DIR';
/** Where Debian's dataset-* packages put their files (dataset-fashion-mnist → fashion-mnist/). */
export const SYSTEM_DATA_DIRS: readonly string[] = ['/usr/share/datasets'];

/** 'auto': real file when present, else synthetic. 'never': a missing file is an error. 'always': never read files. */
const SYNTHETIC_MODES = ['auto', 'never', 'always'] as const;
export type SyntheticMode = (typeof SYNTHETIC_MODES)[number];

export interface DatasetOptions {
  /** Directory holding `<name>.tsv.gz`, `<name>.tsv`, `<name>.csv`, `<name>/<name>.tsv.gz` (PMLB's cache) or IDX files. */
  readonly dataDir?: string;
  readonly synthetic?: SyntheticMode;
}

export interface PreparedDataset extends Prepared {
  readonly name: string;
  readonly spec: DatasetSpec;
  readonly synthetic: boolean;
  /** The file (or directory of IDX files) read, or 'synthetic'. */
  readonly source: string;
}

/** What trainRun takes: `{ xTrain, yTrain, xTest, yTest, inputs, outputs, task }`, plus where it came from. */
export interface TrainData {
  readonly xTrain: Float32Array;
  readonly yTrain: Float32Array;
  readonly xTest: Float32Array;
  readonly yTest: Float32Array;
  readonly inputs: number;
  readonly outputs: number;
  readonly task: Task;
  readonly trainRows: number;
  readonly testRows: number;
  readonly name: string;
  readonly synthetic: boolean;
  readonly source: string;
}

export function dataDirectory(dataDir?: string): string | undefined {
  const dir = dataDir ?? process.env[DATA_DIR_ENV];
  return dir ? resolve(dir) : undefined;
}

export type DatasetFile = { readonly kind: 'table'; readonly file: string } | { readonly kind: 'idx'; readonly dir: string };

const TABLE_EXTENSIONS = ['.tsv.gz', '.tsv', '.csv.gz', '.csv'] as const;

/** Folders an IDX dataset may sit in under a root: `<name>/` or, as Debian names them, `<name-with-dashes>/`. */
function idxFolders(spec: DatasetSpec, root: string): string[] {
  return [...new Set([spec.name, spec.name.replace(/_/g, '-')])].map((entry) => join(root, entry));
}

export function findDatasetFile(spec: DatasetSpec, dataDir?: string): DatasetFile | undefined {
  const dir = dataDirectory(dataDir);
  if (dir) {
    for (const base of [dir, join(dir, spec.name)]) {
      for (const ext of TABLE_EXTENSIONS) {
        const file = join(base, spec.name + ext);
        if (existsSync(file)) return { kind: 'table', file };
      }
    }
    if (spec.format === 'idx') {
      for (const sub of idxFolders(spec, dir)) if (findIdxSet(sub)) return { kind: 'idx', dir: sub };
    }
  }
  if (spec.format === 'idx') {
    for (const sub of SYSTEM_DATA_DIRS.flatMap((root) => idxFolders(spec, root))) if (findIdxSet(sub)) return { kind: 'idx', dir: sub };
  }
  return undefined;
}

/**
 * DATASET_NOT_FOUND. `finding` is the loader's part: where it looked, for which names, and where to get the file;
 * `hint` is how the caller points it at a directory (loadDataset's options here; trainRun and the CLI put their own).
 */
export class DatasetNotFoundError extends MlpEnergyError {
  constructor(readonly dataset: string, readonly finding: string, readonly hint: string, options?: { cause?: unknown }) {
    super('DATASET_NOT_FOUND', `${finding} ${hint}`, options);
  }

  /** The same error with why the caller needed the dataset after the finding. */
  noting(note: string): DatasetNotFoundError {
    return new DatasetNotFoundError(this.dataset, `${this.finding} ${note}`, this.hint, { cause: this });
  }

  /** The same error with the caller's way to point at the data instead of this one's. */
  withHint(hint: string): DatasetNotFoundError {
    return new DatasetNotFoundError(this.dataset, this.finding, hint, { cause: this });
  }
}

function notFound(spec: DatasetSpec, dataDir: string | undefined): DatasetNotFoundError {
  const dir = dataDirectory(dataDir);
  const tables = TABLE_EXTENSIONS.map((ext) => spec.name + ext).join(', ');
  const idx = spec.format === 'idx' ? IDX_STEMS.map((stem) => `${stem}[.gz]`).join(', ') : '';
  const searched = dir
    ? ` in ${dir}: looked for ${tables} there and in ${spec.name}/` + (idx ? `, and for the IDX files ${idx} in ${idxFolders(spec, dir).join(' or ')}` : '')
    : `: no data directory is set, so none was searched`;
  const system = idx ? `; also looked in ${SYSTEM_DATA_DIRS.flatMap((root) => idxFolders(spec, root)).join(' and ')}` : '';
  const debian = `dataset-${spec.name.replace(/_/g, '-')}`;
  const source = spec.format === 'idx' && !spec.butter
    ? `Debian's ${debian} package installs it (apt-get install ${debian}).`
    : `BUTTER took it from PMLB: pmlb.fetch_data('${spec.name}', local_cache_dir=DIR) writes DIR/${spec.name}/${spec.name}.tsv.gz.`;
  return new DatasetNotFoundError(spec.name, `No file for dataset ${spec.name}${searched}${system}. ${source}`,
    `Pass dataDir (or set $${DATA_DIR_ENV}) naming the directory that holds it, or synthetic: 'auto' for a shape-true stand-in.`);
}

/** The file read, checked against the spec (rows, raw features, classes: checkShape), then preprocessed. */
function readPrepared(spec: DatasetSpec, found: DatasetFile): Prepared {
  if (found.kind === 'table') {
    const table = readTable(found.file);
    const classes = spec.task === 'classification' ? classCount(table.columns[targetIndex(table)]) : undefined;
    checkShape(spec, { rows: table.rows, features: table.header.length - 1, classes }, found.file);
    return prepareTable(table, spec.task);
  }
  const set = readIdxSet(findIdxSet(found.dir)!);
  checkShape(spec, { rows: set.rows, features: set.width, classes: labelClasses(set.labels) }, found.dir);
  return prepareIdx(set);
}

export function requireSpec(name: string): DatasetSpec {
  const spec = datasetSpec(name);
  if (!spec) {
    throw new MlpEnergyError('INVALID_OPTION', `Unknown dataset ${JSON.stringify(name)}; known datasets: ${DATASET_NAMES.join(', ')}.`);
  }
  return spec;
}

const cache = new Map<string, PreparedDataset>();

/** An unknown synthetic mode read as 'auto' (silently synthetic data), and a non-string dataDir failed inside path.resolve. */
function checkOptions(options: unknown): DatasetOptions {
  if (!isPlainObject(options)) throw invalidOption('dataset options', 'an object { dataDir?, synthetic? }', options, 'type');
  if (options.dataDir !== undefined && (typeof options.dataDir !== 'string' || options.dataDir === '')) {
    throw invalidOption('dataDir', 'a directory path', options.dataDir, 'type');
  }
  if (options.synthetic !== undefined) oneOf('synthetic', options.synthetic, SYNTHETIC_MODES);
  return options;
}

/** Load and preprocess the whole dataset once per process (sweeps reuse it for every run and split). */
export function prepareDataset(name: string, options: DatasetOptions = {}): PreparedDataset {
  checkOptions(options);
  const spec = requireSpec(name);
  const mode = options.synthetic ?? 'auto';
  const found = mode === 'always' ? undefined : findDatasetFile(spec, options.dataDir);
  // Before the cache: a stand-in cached by an earlier 'auto' call must not answer a 'never' one.
  if (!found && mode === 'never') throw notFound(spec, options.dataDir);
  const key = `${name}\u0000${found ? JSON.stringify(found) : 'synthetic'}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const prepared = found ? readPrepared(spec, found) : synthesize(spec);
  const dataset: PreparedDataset = {
    ...prepared, name, spec, synthetic: !found,
    source: found ? (found.kind === 'table' ? found.file : found.dir) : 'synthetic',
  };
  cache.set(key, dataset);
  return dataset;
}

/** A dataset by name, preprocessed and split 80/20 with `seed`: ready for trainRun's `data`. */
export function loadDataset(name: string, options: DatasetOptions & { seed?: number } = {}): TrainData {
  const dataset = prepareDataset(name, options);
  const split = splitRows(dataset, integerIn('seed', options.seed ?? 0, 0));
  return {
    ...split, inputs: dataset.inputs, outputs: dataset.outputs, task: dataset.task,
    name, synthetic: dataset.synthetic, source: dataset.source,
  };
}
