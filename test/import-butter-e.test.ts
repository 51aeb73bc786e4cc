/**
 * import-butter-e as a user meets it: rows that cannot be the study's are skipped and counted by reason, a failing
 * import leaves no store behind, and what is imported is enough for `fit` and `report` (widths, parameter counts and
 * FLOPs derived at import, since the published CSVs carry none).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitCommand } from '../lib/cli/commands/fit.js';
import { importButterECommand } from '../lib/cli/commands/import-butter-e.js';
import { reportCommand } from '../lib/cli/commands/report.js';
import { withExitCode } from '../lib/cli/commands/exit-codes.js';
import { ResultStore } from '../lib/store/store.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mlpe-butter-'));
const sink = () => { const lines: string[] = []; return { lines, write: (t: string) => { lines.push(t); } }; };

// runs_with_standardized_energy.csv's header (reference §8).
const HEADER = 'run_id,experiment_id,old_experiment_id,slurm_job_id,start_time,update_time,host_name,size,depth,shape,dataset,learning_rate,batch_size,optimizer,is_gpu,run_data,batch,'
  + 'energy,run_time,filter_1,filter_2,filter_3,power,std_power,std_energy,energy_overhead,non_overhead_energy,runtime_overhead,non_overhead_runtime';

interface RowSpec {
  id: string; dataset: string; shape: string; size: string | number; depth: string | number;
  isGpu?: string; batch?: string; lr?: string; energyJ?: number; energyText?: string; filter3?: string;
}

/** One CSV row; energy in kWh as the study's integration wrote it, the standardised columns in joules. */
function row(r: RowSpec): string {
  const joules = r.energyJ ?? 1e6;
  const runTime = joules / 330; // a 330 W node
  return [r.id, `e-${r.id}`, 1, 9000, '2022-10-01 10:00:00Z', '2022-10-01 11:00:00Z', 'r1i0n1', r.size, r.depth, r.shape, r.dataset, r.lr ?? '0.0001',
    r.batch ?? '256', 'Adam', r.isGpu ?? 'False', '"{}"', 'energy_2_cpu', r.energyText ?? joules / 3.6e6, runTime, 'False', 'False', r.filter3 ?? 'False', 330, 330, joules, 14028.7,
    joules - 14028.7, 52.9, runTime - 52.9].join(',');
}

function csv(rows: RowSpec[]): string {
  const file = join(tmp(), 'runs_with_standardized_energy.csv');
  writeFileSync(file, [HEADER, ...rows.map(row)].join('\n') + '\n');
  return file;
}

async function query(path: string, sql: string) {
  const store = await ResultStore.open(path);
  try {
    return await store.query(sql);
  } finally {
    store.close();
  }
}

const GOOD: RowSpec = { id: 'ok', dataset: '529_pollen', shape: 'rectangle', size: 1024, depth: 3 };

describe('import-butter-e: rows that cannot be the study\'s are skipped, counted by reason', () => {
  it('a missing file fails with exit 2 before any store is created, also when it is not the first file', async () => {
    const dir = tmp();
    const out = join(dir, 'imp.duckdb');
    for (const files of [[join(dir, 'missing.csv')], [csv([GOOD]), join(dir, 'missing.csv')]]) {
      const error = await importButterECommand(files, { out }, { stdout: sink() }).catch((e) => withExitCode(e));
      expect(error).toMatchObject({ code: 'INVALID_OPTION', exitCode: 2, message: expect.stringMatching(/No such file: .*missing\.csv\. Download/) });
      expect(existsSync(out)).toBe(false);
    }
    await expect(importButterECommand([dir], { out }, { stdout: sink() })).rejects.toThrow(/is not a file\. Pass the unzipped CSV itself/);
    expect(existsSync(out)).toBe(false);
  });

  it('stores only the valid rows and reports the others by reason with their CSV lines (text and --json)', async () => {
    const file = csv([
      GOOD, // line 2
      { id: 'b1', dataset: 'nosuchdataset', shape: 'rectangle', size: 1024, depth: 3 }, // 3
      { id: 'b2', dataset: '529_pollen', shape: 'square', size: 1024, depth: 3 }, // 4
      { id: 'b3', dataset: '529_pollen', shape: 'rectangle', size: 'abc', depth: 3 }, // 5
      { id: 'b4', dataset: '529_pollen', shape: 'rectangle', size: 1024, depth: 3, isGpu: 'maybe' }, // 6
      { id: 'b5', dataset: 'nosuchdataset', shape: 'rectangle', size: 1024, depth: 3 }, // 7
      { id: 'b6', dataset: '529_pollen', shape: 'rectangle', size: 1024, depth: 1 }, // 8
      { id: 'b7', dataset: '529_pollen', shape: 'rectangle', size: 1024, depth: 3, batch: 'x' }, // 9
      { id: 'b8', dataset: '529_pollen', shape: 'rectangle', size: 1024, depth: 3, lr: 'fast' }, // 10
      // 784 inputs: no mnist network has as few as 32 parameters, so BUTTER never ran this one.
      { id: 'b9', dataset: 'mnist', shape: 'rectangle', size: 32, depth: 3 }, // 11
      { ...GOOD, id: 'ok' }, // 12: the same run_id again
      { id: 'ok2', dataset: 'fashion_mnist', shape: 'rectangle', size: 1 << 20, depth: 3 }, // 13: not one of BUTTER's 13
      { ...GOOD, id: 'b10', energyText: 'n/a' }, // 14
      { ...GOOD, id: 'b11', filter3: 'maybe' }, // 15
    ]);
    const dir = tmp();
    const out = sink();
    expect(await importButterECommand([file], { out: join(dir, 'a.duckdb') }, { stdout: out })).toBe(0);
    expect(out.lines[0]).toContain('1 run imported');
    expect(out.lines[0]).toContain('13 rows skipped: 3 unknown dataset: "nosuchdataset"; "fashion_mnist" (lines 3, 7, 13), ');
    for (const part of ['1 unknown shape: "square" (line 4)', '1 size not a positive integer: "abc" (line 5)', '1 is_gpu not a boolean: "maybe" (line 6)',
      '1 depth not an integer ≥ 2: "1" (line 8)', '1 batch_size not a positive integer: "x" (line 9)', '1 learning_rate not a positive number: "fast" (line 10)',
      '1 network more than 20% off its size (BUTTER never ran it): rectangle size 32 depth 3 on mnist (line 11)',
      '1 run_id repeated in the file (first kept): "ok" (line 12)', '1 energy not a number: "n/a" (line 14)', '1 filter_3 not a boolean: "maybe" (line 15)']) {
      expect(out.lines[0]).toContain(part);
    }
    expect(await query(join(dir, 'a.duckdb'), 'SELECT run_id FROM runs')).toEqual([{ run_id: 'butter-e:ok' }]);

    const json = sink();
    await importButterECommand([file], { out: join(dir, 'b.duckdb'), json: true }, { stdout: json });
    const result = JSON.parse(json.lines[0]);
    expect(result).toMatchObject({ rows: 1, withEnergy: 1, skipped: 13 });
    expect(result.skippedBy[0]).toEqual({ reason: 'unknown dataset', count: 3, lines: [3, 7, 13], values: ['"nosuchdataset"', '"fashion_mnist"'] });
    expect(result.skippedBy.reduce((n: number, g: { count: number }) => n + g.count, 0)).toBe(13);
  });

  it('a file with no valid row is DATASET_MALFORMED (exit 1) naming the reasons, and stores nothing', async () => {
    const file = csv([
      { id: 'b1', dataset: 'nosuchdataset', shape: 'rectangle', size: 1024, depth: 3 },
      { id: 'b2', dataset: '529_pollen', shape: 'square', size: 1024, depth: 3 },
    ]);
    const dir = tmp();
    const fresh = join(dir, 'fresh.duckdb');
    const error = await importButterECommand([file], { out: fresh }, { stdout: sink() }).catch((e) => withExitCode(e));
    expect(error).toMatchObject({
      code: 'DATASET_MALFORMED', exitCode: 1,
      message: expect.stringMatching(/no row can be imported; 2 rows skipped: 1 unknown dataset: "nosuchdataset" \(line 2\), 1 unknown shape: "square" \(line 3\)\. BUTTER-E's datasets are 529_pollen/),
    });
    expect(existsSync(fresh)).toBe(false);
    // An existing store is kept as it was.
    const kept = join(dir, 'kept.duckdb');
    await importButterECommand([csv([GOOD])], { out: kept }, { stdout: sink() });
    await expect(importButterECommand([file], { out: kept }, { stdout: sink() })).rejects.toMatchObject({ code: 'DATASET_MALFORMED' });
    expect(await query(kept, 'SELECT run_id FROM runs')).toEqual([{ run_id: 'butter-e:ok' }]);
  });
});

describe('import-butter-e derives what fit needs', () => {
  it('widths, parameter count, FLOPs and working sets of BUTTER\'s network for the row', async () => {
    const dir = tmp();
    await importButterECommand([csv([GOOD])], { out: join(dir, 'r.duckdb') }, { stdout: sink() });
    const [r] = await query(join(dir, 'r.duckdb'), 'SELECT task, n_inputs, n_outputs, widths, num_free_parameters, flops_per_epoch, working_set_f_bytes FROM runs');
    // 529_pollen: 4 inputs, 1 output. rectangle depth 3 = [w, w, 1]: 5w + (w+1)w + (w+1) = w² + 7w + 1 parameters;
    // w = 29 gives 1045 (+2.1%), w = 28 gives 981 (−4.2%).
    expect(r).toMatchObject({ task: 'regression', n_inputs: 4, n_outputs: 1, widths: [29, 29, 1], num_free_parameters: 1045, working_set_f_bytes: 4 * 1045 });
    // 3,848 rows, batch 256: ceil(0.8·3848/256) = 13 training and ceil(0.2·3848/256) = 4 test batches. Per sample over
    // full widths [4, 29, 29, 1]: forward Σ(w_i·w_{i+1} + w_{i+1}) = 1045, backward Σ(2w_{i+1} + w_i·w_{i+1} + [i>0]·w_i·w_{i+1}) = 1974.
    const forward = 256 * 1045;
    const backward = 256 * 1974 + 1045 * 257;
    expect(r.flops_per_epoch).toBe(13 * (forward + backward) + 4 * forward);
  });

  it('fit and report work on an imported store: every run counted, finite coefficients and predictions', async () => {
    // CPU runs over two datasets, several shapes, sizes and depths; J/datum rising with parameters as the study saw it.
    const configs: Array<[string, string, number, number]> = [
      ['529_pollen', 'rectangle', 2 ** 6, 3], ['529_pollen', 'trapezoid', 2 ** 9, 4], ['529_pollen', 'exponential', 2 ** 12, 5],
      ['529_pollen', 'rectangle', 2 ** 15, 6], ['529_pollen', 'wide_first_2x', 2 ** 18, 4], ['529_pollen', 'rectangle_residual', 2 ** 20, 8],
      ['529_pollen', 'rectangle', 2 ** 22, 3], ['wine_quality_white', 'rectangle', 2 ** 8, 2], ['wine_quality_white', 'trapezoid', 2 ** 11, 3],
      ['wine_quality_white', 'wide_first_4x', 2 ** 14, 5], ['wine_quality_white', 'exponential', 2 ** 16, 6], ['wine_quality_white', 'rectangle', 2 ** 19, 10],
      ['wine_quality_white', 'wide_first_8x', 2 ** 21, 4], ['wine_quality_white', 'rectangle', 2 ** 23, 5],
    ];
    const rows: RowSpec[] = configs.map(([dataset, shape, size, depth], i) => {
      const jPerDatum = 0.003 + 2e-9 * size * (1 + 0.15 * Math.sin(i)) + 1e-4 * depth;
      const trainData = (dataset === '529_pollen' ? 13 : 16) * 256; // ceil(0.8·rows/256) batches of 256
      return { id: `r${i}`, dataset, shape, size, depth, energyJ: jPerDatum * trainData * 3000 + 14028.7 };
    });
    rows.push({ id: 'skip', dataset: 'nosuchdataset', shape: 'rectangle', size: 1024, depth: 3 });
    const dir = tmp();
    const store = join(dir, 'be.duckdb');
    const out = sink();
    await importButterECommand([csv(rows)], { out: store }, { stdout: out });
    expect(out.lines[0]).toMatch(/14 runs imported .*; 1 row skipped: 1 unknown dataset/);

    const { fit, text } = await fitCommand({ store, folds: '2' });
    expect(fit.groups).toHaveLength(1);
    const [group] = fit.groups;
    expect(group).toMatchObject({ deviceClass: 'cpu', runs: 14, datasets: ['529_pollen', 'wine_quality_white'], folds: 2 });
    expect(group.profile.name).toBe('eagle-cpu');
    expect(group.perRun.map((r) => r.run_id).sort()).toEqual(configs.map((_, i) => `butter-e:r${i}`).sort());
    const identified = group.models[0].model.coefficients.filter((c) => c.value !== null);
    expect(identified.length).toBeGreaterThanOrEqual(2);
    for (const c of identified) expect(Number.isFinite(c.value) && c.value! >= 0).toBe(true);
    for (const r of group.perRun) {
      expect(r.measured).toBeGreaterThan(0);
      for (const p of Object.values(r.predicted)) expect(Number.isFinite(p)).toBe(true);
      for (const p of Object.values(r.cvPredicted!)) expect(Number.isFinite(p)).toBe(true);
    }
    expect(Number.isFinite(group.models[0].inSample.ratioStd)).toBe(true);
    expect(text).toMatch(/^CPU on eagle-cpu: 14 runs, 2 datasets/);

    const report = await reportCommand({ store, folds: '2', out: join(dir, 'report.html') });
    expect(report.fitError).toBeNull();
    expect(report.fit?.groups[0].runs).toBe(14);
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
  });
});
