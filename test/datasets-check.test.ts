// A real dataset file is checked against its spec; a missing one is reported where it was looked for, with the
// caller's own way to point at data; the sweep's synthetic note gives the true reason.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweepCommand } from '../lib/cli/commands/sweep.js';
import { checkShape, loadDataset, prepareDataset } from '../lib/datasets/index.js';
import { trainRun } from '../lib/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mlpe-datasets-check-'));
const sink = () => { const lines: string[] = []; return { lines, text: () => lines.join(''), write: (t: string) => { lines.push(t); } }; };
const table = (header: string[], rows: string[][], sep = ',') => [header, ...rows].map((r) => r.join(sep)).join('\n') + '\n';

/** 505_tecator's shape (240 rows × 124 features, regression target): the cheapest spec to satisfy. */
function tecatorRows(): string[][] {
  return Array.from({ length: 240 }, (_, i) => [...Array.from({ length: 124 }, (_, j) => String(((i * 31 + j * 17) % 997) / 10)), String(i / 240)]);
}
const tecatorHeader = [...Array.from({ length: 124 }, (_, j) => `x${j}`), 'target'];

/** 529_pollen's shape (3848 rows × 4 features), for the sweeps below. */
function pollenDir(): string {
  const dir = tmp();
  const rows = Array.from({ length: 3848 }, (_, i) => [String(i % 97), String((i * 13) % 89), String(i % 5), String(i % 3), String((i % 97) / 97)]);
  writeFileSync(join(dir, '529_pollen.tsv'), table(['a', 'b', 'c', 'd', 'target'], rows, '\t'));
  return dir;
}

// MLP_ENERGY_DATA_DIR set in the environment would change what "no data directory" means here.
let savedEnv: string | undefined;
beforeEach(() => { savedEnv = process.env.MLP_ENERGY_DATA_DIR; delete process.env.MLP_ENERGY_DATA_DIR; });
afterEach(() => { if (savedEnv === undefined) delete process.env.MLP_ENERGY_DATA_DIR; else process.env.MLP_ENERGY_DATA_DIR = savedEnv; });

describe('a real file must have its spec\'s rows, features and classes', () => {
  it('refuses the QA\'s 2-row splice.csv naming the file, what the spec expects and where from, what it holds, and the fix', () => {
    const dir = tmp();
    const file = join(dir, 'splice.csv');
    writeFileSync(file, 'a,b\n1,2\n3,x\n');
    for (const synthetic of ['auto', 'never'] as const) {
      // Never silently replaced by synthetic data either: the user put a file there.
      expect(() => loadDataset('splice', { dataDir: dir, synthetic })).toThrow(expect.objectContaining({
        code: 'DATASET_MALFORMED',
        message: `${file}: this is not the splice dataset BUTTER used: expected 3188 rows × 60 features, 3 classes ` +
          `(PMLB's counts in BUTTER's pmlb.csv, lib/datasets/specs.ts); found 2 rows × 1 feature, 2 classes. ` +
          'Replace it with the real file (README "Datasets" says where to get each) or remove it to use shape-true synthetic data.',
      }));
    }
  });
  it('refuses the right rows and features with the wrong classes', () => {
    const dir = tmp();
    const rows = Array.from({ length: 4898 }, (_, i) => [...Array.from({ length: 11 }, (_, j) => String((i * (j + 3)) % 101)), String(i % 2)]);
    writeFileSync(join(dir, 'wine_quality_white.tsv'), table([...Array.from({ length: 11 }, (_, j) => `f${j}`), 'target'], rows, '\t'));
    expect(() => prepareDataset('wine_quality_white', { dataDir: dir })).toThrow(
      /expected 4898 rows × 11 features, 7 classes .*; found 4898 rows × 11 features, 2 classes\./);
  });
  it('loads a file of the spec\'s shape as real data', () => {
    const dir = tmp();
    writeFileSync(join(dir, '505_tecator.csv'), table(tecatorHeader, tecatorRows()));
    const d = loadDataset('505_tecator', { dataDir: dir, seed: 1 });
    expect([d.synthetic, d.source, d.task]).toEqual([false, join(dir, '505_tecator.csv'), 'regression']);
    expect([d.trainRows + d.testRows, d.inputs, d.outputs]).toEqual([240, 124, 1]); // 240 distinct values per column: min-max
  });
  it('refuses a cell that is not a number in a column of numbers, naming file, line and column', () => {
    const dir = tmp();
    const rows = tecatorRows();
    rows[6][41] = 'x';
    writeFileSync(join(dir, '505_tecator.csv'), table(tecatorHeader, rows));
    expect(() => loadDataset('505_tecator', { dataDir: dir })).toThrow(expect.objectContaining({
      code: 'DATASET_MALFORMED',
      message: `${join(dir, '505_tecator.csv')}:8: column 42 ("x41"): "x" is not a number, though 239 of the column's 240 cells are. ` +
        'Fix line 8: a column of numbers needs a number in every row.',
    }));
    rows[6][41] = '';
    writeFileSync(join(dir, '505_tecator.csv'), table(tecatorHeader, rows));
    expect(() => loadDataset('505_tecator', { dataDir: dir })).toThrow(/505_tecator\.csv:8: column 42 \("x41"\): "" is not a number/);
  });
  it('checkShape compares a spec object exactly and words each task', () => {
    const spec = { name: 'toy', task: 'regression' as const, rows: 10, rawFeatures: 3, classes: undefined, butter: false };
    expect(() => checkShape(spec, { rows: 10, features: 3 }, 'toy.tsv')).not.toThrow();
    expect(() => checkShape(spec, { rows: 9, features: 3 }, 'toy.tsv')).toThrow(
      'toy.tsv: this is not the toy dataset: expected 10 rows × 3 features, a regression target (the published dataset, lib/datasets/specs.ts); found 9 rows × 3 features, a regression target.');
    const classification = { ...spec, task: 'classification' as const, classes: 2, butter: true };
    expect(() => checkShape(classification, { rows: 10, features: 3, classes: 2 }, 'toy.tsv')).not.toThrow();
    expect(() => checkShape(classification, { rows: 10, features: 1, classes: 1 }, 'toy.tsv')).toThrow(/BUTTER used: expected 10 rows × 3 features, 2 classes .*found 10 rows × 1 feature, 1 class\./);
  });
});

describe('a missing file: the loader says where it looked, each caller how to point it at data', () => {
  it('loadDataset names the directory, the file names and its own options', () => {
    const dir = tmp();
    let error: { code?: string; message: string } | undefined;
    try { prepareDataset('splice', { dataDir: dir, synthetic: 'never' }); } catch (e) { error = e as typeof error; }
    expect(error?.code).toBe('DATASET_NOT_FOUND');
    expect(error?.message).toBe(`No file for dataset splice in ${dir}: looked for splice.tsv.gz, splice.tsv, splice.csv.gz, splice.csv there and in splice/. ` +
      "BUTTER took it from PMLB: pmlb.fetch_data('splice', local_cache_dir=DIR) writes DIR/splice/splice.tsv.gz. " +
      "Pass dataDir (or set $MLP_ENERGY_DATA_DIR) naming the directory that holds it, or synthetic: 'auto' for a shape-true stand-in.");
    expect(() => prepareDataset('splice', { synthetic: 'never' })).toThrow(/^No file for dataset splice: no data directory is set, so none was searched\. /);
  });
  it('an IDX dataset also names the IDX files and the system directory', () => {
    expect(() => prepareDataset('mnist', { dataDir: tmp(), synthetic: 'never' })).toThrow(
      /IDX files train-images-idx3-ubyte\[\.gz\], train-labels-idx1-ubyte\[\.gz\], t10k-images-idx3-ubyte\[\.gz\], t10k-labels-idx1-ubyte\[\.gz\] in .*\/mnist; also looked in \/usr\/share\/datasets\/mnist\./);
  });
  it('trainRun names $MLP_ENERGY_DATA_DIR and passing data, not a CLI flag or a synthetic option it lacks', async () => {
    const run = trainRun({ dataset: 'wine_quality_white', shape: 'rectangle', size: 1024, depth: 3, epochs: 1 });
    await expect(run).rejects.toMatchObject({
      code: 'DATASET_NOT_FOUND',
      message: 'No file for dataset wine_quality_white: no data directory is set, so none was searched. ' +
        "BUTTER took it from PMLB: pmlb.fetch_data('wine_quality_white', local_cache_dir=DIR) writes DIR/wine_quality_white/wine_quality_white.tsv.gz. " +
        "Set $MLP_ENERGY_DATA_DIR to the directory that holds it, or pass data: loadDataset('wine_quality_white', { dataDir, synthetic }) to trainRun.",
    });
  });
  it('sweep --synthetic never names --data-dir and --synthetic, and why it reads a dataset nobody listed', async () => {
    const data = pollenDir();
    const dir = tmp();
    const sweep = async (spec: object) => {
      writeFileSync(join(dir, 's.json'), JSON.stringify({ name: 'n', shapes: ['rectangle'], sizes: [256], depths: [3], epochs: 1, idleSeconds: 0, ...spec }));
      return sweepCommand({ spec: join(dir, 's.json'), out: join(dir, 'r.duckdb'), json: true, dataDir: data, synthetic: 'never' }, { stdout: sink(), stderr: sink() });
    };
    const cli = `Point --data-dir (or $MLP_ENERGY_DATA_DIR) at the directory that holds it, or drop --synthetic never to use a shape-true stand-in.`;
    await expect(sweep({ datasets: ['529_pollen'] })).rejects.toMatchObject({
      code: 'DATASET_NOT_FOUND',
      message: expect.stringMatching(new RegExp(`^No file for dataset 505_tecator in ${data}: .* writes DIR/505_tecator/505_tecator\\.tsv\\.gz\\. ` +
        `The overhead reference runs need it \\(the spec's overhead\\.dataset; "overhead": false in the spec skips them\\)\\. ${cli.replace(/[$().]/g, '\\$&')}$`)),
    });
    // A dataset the user listed: no overhead note.
    await expect(sweep({ datasets: ['banana'], overhead: false })).rejects.toMatchObject({
      code: 'DATASET_NOT_FOUND', message: expect.stringMatching(new RegExp(`^No file for dataset banana in .*banana\\.tsv\\.gz\\. ${cli.replace(/[$().]/g, '\\$&')}$`)),
    });
  });
});

describe('the sweep\'s synthetic note gives the reason', () => {
  const sweep = async (synthetic: 'always' | 'auto') => {
    const dir = tmp();
    writeFileSync(join(dir, 's.json'), JSON.stringify({ name: 'note', datasets: ['529_pollen', 'banana'], shapes: ['rectangle'], sizes: [256], depths: [3], epochs: 1, idleSeconds: 0, overhead: false }));
    const stdout = sink();
    expect(await sweepCommand({ spec: join(dir, 's.json'), out: join(dir, 'r.duckdb'), dataDir: pollenDir(), synthetic }, { stdout, stderr: sink() })).toBe(0);
    return stdout.text();
  };
  it('--synthetic always: asked for, although the file is there', async () => {
    expect(await sweep('always')).toContain('* synthetic: 529_pollen, banana (synthetic data asked for: --synthetic always; shape-true stand-ins, synthetic = true in the records)\n');
  });
  it('auto: only the dataset without a file, because none was found', async () => {
    expect(await sweep('auto')).toContain('* synthetic: banana (no data file found; shape-true stand-ins, synthetic = true in the records)\n');
  });
});
