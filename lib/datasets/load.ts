/**
 * Finding and loading a dataset by name: real files from the data directory (option, else MLP_ENERGY_DATA_DIR) or a
 * system location (Debian's dataset-fashion-mnist under /usr/share/datasets), else a shape-true synthetic stand-in.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MlpEnergyError, invalidOption } from '../errors.js';
import { integerIn, isPlainObject, oneOf } from '../validate.js';
import { findIdxSet, readIdxSet } from './idx.js';
import { prepareTable, type Prepared } from './preprocess.js';
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

export function findDatasetFile(spec: DatasetSpec, dataDir?: string): DatasetFile | undefined {
  const dir = dataDirectory(dataDir);
  const dashed = spec.name.replace(/_/g, '-');
  if (dir) {
    for (const base of [dir, join(dir, spec.name)]) {
      for (const ext of ['.tsv.gz', '.tsv', '.csv.gz', '.csv']) {
        const file = join(base, spec.name + ext);
        if (existsSync(file)) return { kind: 'table', file };
      }
    }
    if (spec.format === 'idx') {
      for (const sub of [join(dir, spec.name), join(dir, dashed)]) if (findIdxSet(sub)) return { kind: 'idx', dir: sub };
    }
  }
  if (spec.format === 'idx') {
    for (const root of SYSTEM_DATA_DIRS) {
      if (!existsSync(root)) continue;
      for (const entry of readdirSync(root)) {
        if (entry === dashed || entry === spec.name) {
          const sub = join(root, entry);
          if (findIdxSet(sub)) return { kind: 'idx', dir: sub };
        }
      }
    }
  }
  return undefined;
}

function readPrepared(spec: DatasetSpec, found: DatasetFile): Prepared {
  if (found.kind === 'table') return prepareTable(readTable(found.file), spec.task);
  const set = findIdxSet(found.dir)!;
  const { pixels, labels, rows, width } = readIdxSet(set);
  // MNIST preprocessing in BUTTER: pixels / 255, labels one-hot.
  const x = new Float32Array(rows * width);
  for (let i = 0; i < x.length; i++) x[i] = pixels[i] / 255;
  let classes = 0;
  for (const l of labels) classes = Math.max(classes, l + 1);
  const y = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) y[r * classes + labels[r]] = 1;
  return { x, y, rows, inputs: width, outputs: classes, task: 'classification', rules: [] };
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
  if (!found && mode === 'never') {
    const dir = dataDirectory(options.dataDir);
    throw new MlpEnergyError('DATASET_MALFORMED',
      `No file for dataset ${name} in ${dir ?? `(no data directory: set --data-dir or ${DATA_DIR_ENV})`}. ` +
      `Put ${name}.tsv.gz from PMLB there (pmlb.fetch_data('${name}', local_cache_dir=DIR) writes it), or allow synthetic data.`);
  }
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
