import { mkdtempSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  columnRule, DATASETS, loadDataset, parseDelimited, prepareDataset, prepareTable, readIdx, readTable, splitRows, synthesize,
} from '../lib/datasets/index.js';
import { findIdxSet, prepareIdx, readIdxSet } from '../lib/datasets/idx.js';
import { findDatasetFile } from '../lib/datasets/load.js';
import { datasetSpec } from '../lib/datasets/specs.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mlpe-datasets-'));

function idx(dims: number[], data: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

describe('malformed inputs are rejected naming file and line', () => {
  it('ragged row', () => {
    const dir = tmp();
    const file = join(dir, 'r.csv');
    writeFileSync(file, 'a,b,target\n1,2,3\n4,5\n');
    expect(() => readTable(file)).toThrow(new RegExp(`${file}:3: ragged row: 2 fields where the header has 3`));
  });
  it('empty file and header-only file', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'e.tsv'), '');
    writeFileSync(join(dir, 'h.tsv'), 'a\ttarget\n');
    expect(() => readTable(join(dir, 'e.tsv'))).toThrow(/e\.tsv: the file is empty/);
    expect(() => readTable(join(dir, 'h.tsv'))).toThrow(/h\.tsv:1: the file has a header but no data rows/);
  });
  it('non-numeric regression target', () => {
    const t = parseDelimited('x\ttarget\n1\t0.5\n2\tabc\n', 'bad.tsv', '\t');
    expect(() => prepareTable(t, 'regression')).toThrow(/bad\.tsv:3: non-numeric regression target "abc"/);
    expect(() => prepareTable(t, 'regression')).toThrow(expect.objectContaining({ code: 'DATASET_MALFORMED' }));
  });
  it('single-class target, constant features, corrupt gzip, truncated IDX, unknown dataset', () => {
    expect(() => prepareTable(parseDelimited('x,target\n1,a\n2,a\n', 'one.csv', ','), 'classification')).toThrow(/single class/);
    expect(() => prepareTable(parseDelimited('x,target\n1,a\n1,b\n', 'const.csv', ','), 'classification')).toThrow(/every feature column is constant/);
    const dir = tmp();
    writeFileSync(join(dir, 'c.tsv.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    expect(() => readTable(join(dir, 'c.tsv.gz'))).toThrow(/c\.tsv\.gz: corrupt gzip/);
    writeFileSync(join(dir, 'bad-idx'), idx([3, 2], [1, 2, 3]));
    expect(() => readIdx(join(dir, 'bad-idx'))).toThrow(/promises 6 bytes of data but the file holds 3/);
    expect(() => loadDataset('no_such_set')).toThrow(/Unknown dataset "no_such_set"; known datasets: 529_pollen/);
  });
  it('options of the wrong kind are named, not read as defaults', () => {
    expect(() => prepareDataset('splice', { synthetic: 'sometimes' as never })).toThrow(/Expected one of "auto", "never", "always" for synthetic but received "sometimes"/);
    expect(() => prepareDataset('splice', { dataDir: 5 as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/a directory path for dataDir/) }));
    expect(() => loadDataset('splice', { synthetic: 'always', seed: -1 })).toThrow(/for seed but received -1/);
  });
  it('a missing file with synthetic: never is an error with the fix', () => {
    expect(() => prepareDataset('splice', { dataDir: tmp(), synthetic: 'never' })).toThrow(expect.objectContaining({
      code: 'DATASET_NOT_FOUND', message: expect.stringMatching(/No file for dataset splice in .*pmlb\.fetch_data/),
    }));
    // Also once an 'auto' call in this process has cached splice's stand-in.
    expect(prepareDataset('splice', { dataDir: tmp() }).synthetic).toBe(true);
    expect(() => prepareDataset('splice', { dataDir: tmp(), synthetic: 'never' })).toThrow(/No file for dataset splice/);
  });
});

describe('BUTTER preprocessing, column by column', () => {
  it('drops constant columns', () => {
    expect(columnRule(['3', '3', '3'])).toEqual({ kind: 'drop' });
  });
  it('maps two values to 1 where the value equals the first row', () => {
    expect(columnRule(['b', 'a', 'b'])).toEqual({ kind: 'binary', positive: 'b' });
    const p = prepareTable(parseDelimited('x,z,target\nb,1,0\na,2,1\nb,3,0\n', 'f.csv', ','), 'classification');
    // x → 1 column, z → 3 values ≤ 20 → one-hot 3, target 2 classes → 1 column.
    expect(p.inputs).toBe(4);
    expect(p.outputs).toBe(1);
    expect([...p.x]).toEqual([1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1]);
    expect([...p.y]).toEqual([1, 0, 1]);
  });
  it('one-hot encodes ≤ 20 numeric values and any non-numeric column, categories sorted', () => {
    expect(columnRule(['10', '2', '2.0', '7'])).toEqual({ kind: 'onehot', categories: ['2', '7', '10'] });
    const many = Array.from({ length: 25 }, (_, i) => `v${i}`);
    expect(columnRule(many)).toMatchObject({ kind: 'onehot' });
    expect((columnRule(many) as { categories: readonly string[] }).categories).toHaveLength(25);
  });
  it('min-max scales numeric columns with more than 20 values', () => {
    const values = Array.from({ length: 21 }, (_, i) => String(i * 5 - 50));
    expect(columnRule(values)).toEqual({ kind: 'minmax', min: -50, max: 50 });
    const text = 'x\ttarget\n' + values.map((v, i) => `${v}\t${i / 10}`).join('\n');
    const p = prepareTable(parseDelimited(text, 'm.tsv', '\t'), 'regression');
    expect(p.x[0]).toBe(0);
    expect(p.x[20]).toBe(1);
    expect(p.x[10]).toBeCloseTo(0.5, 6);
    // The regression target is min-max scaled into the sigmoid's range.
    expect(p.y[0]).toBe(0);
    expect(p.y[20]).toBe(1);
  });
  it('one-hot encodes a multi-class target', () => {
    const p = prepareTable(parseDelimited('x,target\n1,c\n2,a\n3,b\n4,a\n', 't.csv', ','), 'classification');
    expect(p.outputs).toBe(3);
    expect([...p.y]).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0, 0]);
  });
});

describe('loaders from a data directory', () => {
  it('PMLB .tsv.gz with a target column that is not last', () => {
    const dir = tmp();
    // 529_pollen's shape (3848 rows × 4 features): the loader checks it against the spec.
    const rows = Array.from({ length: 3848 }, (_, i) => `${i % 3}\t${i * 1.5}\t${(i * 7) % 50}\t1\t2`);
    writeFileSync(join(dir, '529_pollen.tsv.gz'), gzipSync('a\ttarget\tb\tc\td\n' + rows.join('\n') + '\n'));
    const d = loadDataset('529_pollen', { dataDir: dir, seed: 3 });
    expect(d.synthetic).toBe(false);
    expect(d.source).toBe(join(dir, '529_pollen.tsv.gz'));
    expect(d.inputs).toBe(3 + 1); // a: 3 values one-hot; b: 50 values min-max; c, d: constant, dropped
    expect(d.outputs).toBe(1);
    expect(d.trainRows + d.testRows).toBe(3848);
    expect(d.testRows).toBe(770); // ceil(0.2 · 3848)
  });
  it('PMLB cache layout <dir>/<name>/<name>.tsv and CSV, found through MLP_ENERGY_DATA_DIR', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'banana'));
    writeFileSync(join(dir, 'banana', 'banana.tsv'), 'x\ty\ttarget\n' + Array.from({ length: 30 }, (_, i) => `${i}\t${30 - i}\t${i % 2 ? 1 : -1}`).join('\n'));
    // splice's shape: 3188 rows × 60 nucleotide columns, 3 classes.
    const header = [...Array.from({ length: 60 }, (_, j) => `p${j}`), 'target'].join(',');
    const rows = Array.from({ length: 3188 }, (_, i) => [...Array.from({ length: 60 }, (_, j) => 'ACGT'[(i + j) % 4]), ['EI', 'IE', 'N'][i % 3]].join(','));
    writeFileSync(join(dir, 'splice.csv'), header + '\n' + rows.join('\n') + '\n');
    const old = process.env.MLP_ENERGY_DATA_DIR;
    process.env.MLP_ENERGY_DATA_DIR = dir;
    try {
      expect(findDatasetFile(datasetSpec('banana')!)).toEqual({ kind: 'table', file: join(dir, 'banana', 'banana.tsv') });
      const s = loadDataset('splice');
      expect(s.synthetic).toBe(false);
      expect(s.inputs).toBe(60 * 4); // every column A, C, G, T one-hot
      expect(s.outputs).toBe(3);
    } finally {
      if (old === undefined) delete process.env.MLP_ENERGY_DATA_DIR; else process.env.MLP_ENERGY_DATA_DIR = old;
    }
  });
  it('IDX files (MNIST layout, plain and gzip): pixels / 255, labels one-hot, train and t10k joined', () => {
    const dir = tmp();
    const sub = join(dir, 'mnist');
    mkdirSync(sub);
    writeFileSync(join(sub, 'train-images-idx3-ubyte.gz'), gzipSync(idx([3, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8])));
    writeFileSync(join(sub, 'train-labels-idx1-ubyte'), idx([3], [0, 2, 1]));
    writeFileSync(join(sub, 't10k-images-idx3-ubyte'), idx([2, 2, 2], [9, 9, 9, 9, 10, 10, 10, 10]));
    writeFileSync(join(sub, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx([2], [3, 0])));
    // Five images are not MNIST: refused as such (checkShape) …
    expect(() => prepareDataset('mnist', { dataDir: dir })).toThrow(expect.objectContaining({
      code: 'DATASET_MALFORMED', message: expect.stringContaining(`${sub}: this is not the mnist dataset BUTTER used: expected 70000 rows × 784 features, 10 classes`),
    }));
    // … while the reading and preprocessing themselves are tested on them.
    const p = prepareIdx(readIdxSet(findIdxSet(sub)!));
    expect(p.rows).toBe(5);
    expect(p.inputs).toBe(4);
    expect(p.outputs).toBe(4);
    expect(p.x.subarray(0, 4)).toEqual(Float32Array.from([0, 1, 0.2, 0.4]));
    expect([...p.y.subarray(4, 8)]).toEqual([0, 0, 1, 0]);
    expect([...p.y.subarray(12, 16)]).toEqual([0, 0, 0, 1]);
  });
});

const FASHION = '/usr/share/datasets/fashion-mnist';
describe.skipIf(!existsSync(FASHION))('real Fashion-MNIST from Debian dataset-fashion-mnist', () => {
  it('is found without configuration and loads as 70,000 × 784 with 10 classes', () => {
    const d = loadDataset('fashion_mnist', { seed: 1 });
    expect(d.synthetic).toBe(false);
    expect(d.source).toBe(FASHION);
    expect(d.inputs).toBe(784);
    expect(d.outputs).toBe(10);
    expect(d.trainRows).toBe(56_000);
    expect(d.testRows).toBe(14_000);
    let min = Infinity, max = -Infinity;
    for (let i = 0; i < 784 * 1000; i++) { min = Math.min(min, d.xTrain[i]); max = Math.max(max, d.xTrain[i]); }
    expect(min).toBe(0);
    expect(max).toBe(1);
    const perClass = new Array(10).fill(0);
    let notOneHot = 0;
    for (let r = 0; r < d.testRows; r++) {
      const row = d.yTest.subarray(r * 10, r * 10 + 10);
      if (row.reduce((a, b) => a + b, 0) !== 1) notOneHot++;
      perClass[row.indexOf(1)]++;
    }
    expect(notOneHot).toBe(0);
    // Fashion-MNIST is balanced (7,000 per class); a shuffled 20% holds about 1,400 of each.
    for (const n of perClass) expect(n).toBeGreaterThan(1200);
  });
});

describe('synthetic stand-ins and the split', () => {
  it('reject bad shapes and seeds naming the field', () => {
    const bad = (message: RegExp) => expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(message) });
    const spec = { rows: 10, inputs: 3, outputs: 2, task: 'classification' as const };
    expect(() => synthesize(null as never)).toThrow(bad(/for spec but received null/));
    expect(() => synthesize({ ...spec, rows: -1 })).toThrow(bad(/for spec\.rows but received -1/));
    expect(() => synthesize({ ...spec, rows: 2.5 })).toThrow(bad(/for spec\.rows but received 2\.5/));
    expect(() => synthesize({ ...spec, inputs: NaN })).toThrow(bad(/for spec\.inputs but received NaN/));
    expect(() => synthesize({ ...spec, task: 'ranking' as never })).toThrow(bad(/"classification", "regression" for spec\.task but received "ranking"/));
    expect(() => synthesize(spec, NaN)).toThrow(bad(/for seed but received NaN/));
    // More values than one Float32Array holds: refused before anything is allocated.
    expect(() => synthesize({ ...spec, rows: 2 ** 40 })).toThrow(bad(/an integer between 1 and \d+ for spec\.rows but received 1099511627776/));
    const data = synthesize(spec);
    expect(() => splitRows(null as never, 0)).toThrow(bad(/for data but received null/));
    expect(() => splitRows({ ...data, rows: 20 }, 0)).toThrow(bad(/length 60 for data\.x but received Float32Array of length 30/));
    expect(() => splitRows({ ...data, y: new Float32Array(3) }, 0)).toThrow(bad(/length 20 for data\.y but received Float32Array of length 3/));
    expect(() => splitRows({ ...data, rows: 2.5 }, 0)).toThrow(bad(/for data\.rows but received 2\.5/));
    expect(() => splitRows(data, 'a' as never)).toThrow(bad(/for seed but received "a"/));
  });
  it('fills every column of a multi-output regression target (one sigmoid per teacher head)', () => {
    const p = synthesize({ rows: 50, inputs: 4, outputs: 3, task: 'regression' }, 1);
    for (let c = 0; c < 3; c++) {
      const column = Array.from({ length: 50 }, (_, r) => p.y[r * 3 + c]);
      expect(column.every((v) => v > 0 && v < 1)).toBe(true);
    }
  });
  it('has the shape of every spec after preprocessing and is marked synthetic', () => {
    for (const spec of DATASETS.filter((s) => s.rows <= 10_000)) {
      const p = synthesize(spec);
      expect(p.rows).toBe(spec.rows);
      expect(p.x.length).toBe(spec.rows * spec.inputs);
      expect(p.y.length).toBe(spec.rows * spec.outputs);
    }
    const d = loadDataset('wine_quality_white', { dataDir: tmp(), seed: 0 });
    expect(d.synthetic).toBe(true);
    expect(d.source).toBe('synthetic');
    expect([d.inputs, d.outputs, d.trainRows + d.testRows]).toEqual([11, 7, 4898]);
    // Labels are one-hot and more than one class occurs.
    const classes = new Set<number>();
    for (let r = 0; r < d.trainRows; r++) classes.add(d.yTrain.subarray(r * 7, r * 7 + 7).indexOf(1));
    expect(classes.size).toBeGreaterThan(1);
    expect(classes.has(-1)).toBe(false);
  });
  it('splits 80/20 by seed: reproducible, different across seeds, disjoint and complete', () => {
    const rows = 101;
    const x = Float32Array.from({ length: rows }, (_, i) => i);
    const data = { x, y: new Float32Array(rows), rows, inputs: 1, outputs: 1, task: 'regression' as const, rules: [] };
    const a = splitRows(data, 7);
    const b = splitRows(data, 7);
    const c = splitRows(data, 8);
    expect(a.testRows).toBe(21); // ceil(0.2 · 101), as sklearn
    expect([...a.xTrain]).toEqual([...b.xTrain]);
    expect([...a.xTrain]).not.toEqual([...c.xTrain]);
    const all = [...a.xTrain, ...a.xTest].sort((p, q) => p - q);
    expect(all).toEqual([...x]);
  });
});
