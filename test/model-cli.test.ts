import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitCommand, fitJson } from '../lib/cli/commands/fit.js';
import { predictCommand } from '../lib/cli/commands/predict.js';
import { formatRecommendations, recommendCommand } from '../lib/cli/commands/recommend.js';
import { reportCommand } from '../lib/cli/commands/report.js';
import { featureRow, runFeatures } from '../lib/model/features.js';
import { validateProfile } from '../lib/model/profiles.js';
import { flopsPerEpoch, networkFor, SHAPES, type Shape } from '../lib/networks.js';
import { ResultStore } from '../lib/store/store.js';
import { withExitCode } from '../lib/cli/commands/exit-codes.js';
import { compileCli, type CompiledCli } from './helpers/compiled-cli.js';

/** A small machine so that quick-sweep-sized networks cross every level. */
const PROFILE = validateProfile({
  name: 'test-node',
  deviceClass: 'cpu',
  levels: [
    { name: 'L1d', bytesPerUnit: 32 * 1024, units: 2, coresPerUnit: 1 },
    { name: 'L2', bytesPerUnit: 512 * 1024, units: 2, coresPerUnit: 1 },
    { name: 'L3', bytesPerUnit: 4 * 2 ** 20, units: 1, coresPerUnit: 2 },
    { name: 'RAM', bytesPerUnit: 8 * 2 ** 30, units: 1, coresPerUnit: 2 },
  ],
});
const TRUTH = [2e-5, 5e-11, 1e-10, 4e-10, 1e-9, 5e-9];
const DATASETS = [
  { name: 'wine_quality_white', rows: 4898, inputs: 11, outputs: 7 },
  { name: '529_pollen', rows: 3848, inputs: 4, outputs: 1 },
  { name: '537_houses', rows: 20640, inputs: 8, outputs: 1 },
  { name: 'splice', rows: 3188, inputs: 287, outputs: 3 },
];

let dir: string;
let storePath: string;
let profilePath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlpe-model-cli-'));
  storePath = join(dir, 'results.duckdb');
  profilePath = join(dir, 'profile.json');
  writeFileSync(profilePath, JSON.stringify(PROFILE));
  const rows: Array<Record<string, unknown>> = [];
  for (const ds of DATASETS) {
    for (const shape of ['rectangle', 'trapezoid', 'exponential'] as Shape[]) {
      for (const size of [2 ** 10, 2 ** 13, 2 ** 16, 2 ** 19]) {
        for (const depth of [3, 5]) {
          const net = networkFor({ inputs: ds.inputs, outputs: ds.outputs, shape, size, depth });
          const flops = flopsPerEpoch(net, { observations: ds.rows, batchSize: 256 }).flopsPerEpoch;
          const f = runFeatures(PROFILE, {
            fullWidths: [ds.inputs, ...net.widths], numFreeParameters: net.numFreeParameters, batchSize: 256, nObservations: ds.rows, flopsPerEpoch: flops, threads: 2,
          });
          const e = featureRow(f).reduce((s, v, j) => s + v * TRUTH[j], 0);
          const id = `${ds.name}-${shape}-${size}-${depth}`;
          // Three repetitions at −10%, +10% and exact: the median is the truth.
          for (const [rep, factor] of [[0, 0.9], [1, 1.1], [2, 1]] as const) {
            rows.push({
              run_id: `${id}-r${rep}`, experiment_id: id, source: 'mlp-energy', role: 'run', repetition: rep, dataset: ds.name,
              n_observations: ds.rows, n_inputs: ds.inputs, n_outputs: ds.outputs, shape, size, depth, widths: net.widths,
              num_free_parameters: net.numFreeParameters, batch_size: 256, epochs: 2, is_gpu: false, device: 'cpu', tiling_threads: 2,
              energy_per_training_datum: e * factor, energy_per_epoch: e * factor * 4000, flops_per_epoch: flops, estimated: rep === 0,
            });
          }
        }
      }
    }
  }
  // A QC-flagged run and an overhead reference run: both must be ignored.
  rows.push({ ...rows[0], run_id: 'flagged', experiment_id: 'flagged', energy_per_training_datum: 100, filter_runtime_outlier: true });
  rows.push({ ...rows[0], run_id: 'overhead', experiment_id: 'overhead', role: 'overhead_reference', energy_per_training_datum: 100 });
  // One bulk insert by column name (row-by-row upserts of ~300 wide rows take too long for a unit test).
  const json = join(dir, 'runs.json');
  writeFileSync(json, JSON.stringify(rows));
  const store = await ResultStore.open(storePath);
  await store.run(`INSERT INTO runs BY NAME SELECT * FROM read_json_auto('${json}')`);
  await store.run("INSERT INTO power_traces (run_id, t, domain, watts) VALUES ('wine_quality_white-rectangle-1024-3-r0', 0, 'package-0', 10), ('wine_quality_white-rectangle-1024-3-r0', 1, 'package-0', 12)");
  store.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => expect.fail('expected the command to fail'), (error: unknown) => error);
}

describe('model commands reject bad input', () => {
  it('names the missing store, unknown device, profile file and dataset', async () => {
    const missing = join(dir, 'missing.duckdb');
    const noStore = { code: 'INVALID_OPTION', message: `No results store at ${missing}. Run \`mlp-energy sweep\` first or point --store at your .duckdb file.` };
    // main.ts exits with withExitCode's status: 2, as export's missing --from.
    for (const run of [
      () => fitCommand({ store: missing }),
      () => predictCommand({ store: missing, dataset: 'splice', shape: 'rectangle', size: '4096', depth: '3' }),
      () => recommendCommand({ store: missing, dataset: 'splice', budget: '4096' }),
      () => reportCommand({ store: missing, out: join(dir, 'never.html') }),
    ]) {
      expect(withExitCode(await rejection(run()))).toMatchObject({ ...noStore, exitCode: 2 });
    }
    await expect(fitCommand({ store: storePath, device: 'tpu' })).rejects.toThrow(/--device/);
    await expect(fitCommand({ store: storePath, profile: [join(dir, 'nope.json')] })).rejects.toThrow(/Unknown hardware profile/);
    await expect(
      predictCommand({ store: storePath, profile: [profilePath], dataset: 'mnist', shape: 'rectangle', size: '4096', depth: '3' }),
    ).rejects.toThrow(/Unknown dataset "mnist".*known: /);
    await expect(fitCommand({ store: storePath, profile: [profilePath], device: 'gpu' })).rejects.toThrow(/No runs to fit for device gpu/);
  });

  it('refuses to write the report over a results store (sweep calls its store --out too)', async () => {
    await expect(reportCommand({ store: storePath, profile: [profilePath], out: storePath })).rejects.toMatchObject({
      code: 'INVALID_OPTION', message: expect.stringMatching(/is a DuckDB database \(a results store\?\); out would overwrite it/),
    });
    expect((await fitCommand({ store: storePath, profile: [profilePath] })).fit.groups.length).toBeGreaterThan(0); // still a store
  });

  it('names a numeric flag and the text as typed (not NaN, not the SDK option)', async () => {
    const model = { store: storePath, profile: [profilePath] };
    await expect(fitCommand({ ...model, folds: 'five' })).rejects.toThrow('Expected a number for --folds but received "five"');
    await expect(predictCommand({ ...model, dataset: 'splice', shape: 'rectangle', size: '2^16', depth: '3' })).rejects.toThrow(
      'Expected a number for --size but received "2^16"',
    );
    await expect(recommendCommand({ ...model, budget: '-5', dataset: 'splice' })).rejects.toThrow(/for --budget but received -5/);
    await expect(recommendCommand({ ...model, budget: '4096', dataset: 'splice', batchSize: '0' })).rejects.toThrow(/for --batch-size but received 0/);
  });

  it('exits 2 for a --size no network of the shape and depth meets, as for its other bad input', async () => {
    const offBudget = await rejection(predictCommand({ store: storePath, profile: [profilePath], dataset: 'splice', shape: 'rectangle', size: '10', depth: '3' }));
    expect(withExitCode(offBudget)).toMatchObject({ code: 'NETWORK_OFF_BUDGET', exitCode: 2, message: expect.stringMatching(/choose a size ≥ \d+ or a smaller depth/) });
  });
});

describe('fit, predict, recommend and report from a store', () => {
  it('fits the median of repetitions, recovers the coefficients and reports CV error for every model', async () => {
    const { fit, text } = await fitCommand({ store: storePath, profile: [profilePath] });
    const [g] = fit.groups;
    expect(g.profile.name).toBe('test-node');
    expect(g.runs).toBe(DATASETS.length * 3 * 4 * 2);
    expect(g.estimatedRuns).toBe(g.runs); // bool_or over repetitions: one estimated repetition marks the experiment
    expect(g.folds).toBe(4);
    const cache = g.models[0];
    cache.model.coefficients.forEach((c, j) => expect(c.value! / TRUTH[j]).toBeCloseTo(1, 4));
    expect(cache.cv!.ratioStd).toBeLessThan(1e-6);
    expect(text).toMatch(/4-fold cross-validation holding out whole datasets/);
    expect(text).toMatch(/bytes_L3 +\d\.\d+e-9 J\/byte at L3/);
    const json = JSON.parse(JSON.stringify(fitJson(fit))) as { groups: Array<Record<string, unknown>> };
    expect(json.groups[0].perRun).toBeUndefined();
  });

  it('predicts a stored configuration exactly as the fit placed it, and ranks layouts for a budget', async () => {
    const p = await predictCommand({ store: storePath, profile: [profilePath], dataset: '537_houses', shape: 'trapezoid', size: String(2 ** 16), depth: '5', threads: '2' });
    const net = networkFor({ inputs: 8, outputs: 1, shape: 'trapezoid', size: 2 ** 16, depth: 5 });
    expect(p.widths).toEqual(net.widths);
    const f = runFeatures(PROFILE, {
      fullWidths: [8, ...net.widths], numFreeParameters: net.numFreeParameters, batchSize: 256, nObservations: 20640,
      flopsPerEpoch: flopsPerEpoch(net, { observations: 20640, batchSize: 256 }).flopsPerEpoch, threads: 2,
    });
    expect(p.jPerDatum / featureRow(f).reduce((s, v, j) => s + v * TRUTH[j], 0)).toBeCloseTo(1, 4);
    expect(p.terms.reduce((s, t) => s + t.jPerDatum, 0)).toBeCloseTo(p.jPerDatum, 12);

    const r = await recommendCommand({ store: storePath, profile: [profilePath], budget: String(2 ** 18), dataset: 'splice', top: '5' });
    expect(r.ranked).toHaveLength(5);
    for (let i = 1; i < r.ranked.length; i++) expect(r.ranked[i].jPerDatum).toBeGreaterThanOrEqual(r.ranked[i - 1].jPerDatum);
    expect(r.ranked.every((x) => x.threads === 2 && ['L1d', 'L2', 'L3', 'RAM'].includes(x.levels.f))).toBe(true);
  });

  it('recommends five different networks for five choices, naming every shape that builds each', async () => {
    // The QA case: at 2^18 on splice the one-hidden-layer [1074, 3] ranked first under five shape names.
    const r = await recommendCommand({ store: storePath, profile: [profilePath], budget: String(2 ** 18), dataset: 'splice', top: '5' });
    expect(new Set(r.ranked.map((x) => x.widths.join('-'))).size).toBe(5);
    const oneHidden = r.ranked.find((x) => x.depth === 2)!;
    expect(oneHidden.widths).toEqual(networkFor({ inputs: 287, outputs: 3, shape: 'rectangle', size: 2 ** 18, depth: 2 }).widths);
    expect(oneHidden.shapes).toEqual([...SHAPES]);
    const json = JSON.parse(JSON.stringify(r)) as { ranked: Array<{ shape: string; shapes: string[] }> };
    expect(json.ranked.every((x) => x.shape === x.shapes[0])).toBe(true);
    const line = formatRecommendations(r).split('\n').find((l) => / 2 +2 +\d+ /.test(l))!;
    expect(line).toMatch(/ rectangle \(= trapezoid, exponential, wide_first_2x, wide_first_4x, wide_first_8x, wide_first_16x, rectangle_residual\)$/);
  });

  it('refuses a budget no layout meets, naming the smallest that gives a network', async () => {
    // splice's narrowest network is the depth-2 [1, 3]: 288·1 + 2·3 = 294 parameters; 294 / 1.2 = 245.
    await expect(recommendCommand({ store: storePath, profile: [profilePath], budget: '5', dataset: 'splice' })).rejects.toMatchObject({
      code: 'NETWORK_OFF_BUDGET',
      message: expect.stringMatching(/None of the 112 shape\/depth layouts has a network within 20% of 5 parameters for splice .*choose a budget ≥ 245\./),
    });
    const least = await recommendCommand({ store: storePath, profile: [profilePath], budget: '245', dataset: 'splice' });
    expect(least.ranked.map((x) => x.widths)).toEqual([[1, 3]]);
    expect(withExitCode(await rejection(recommendCommand({ store: storePath, profile: [profilePath], budget: '244', dataset: 'splice' })))).toMatchObject({ exitCode: 2 });
  });

  it('writes the report with the stored power trace and SVGs', async () => {
    const r = await reportCommand({ store: storePath, profile: [profilePath], out: join(dir, 'r.html'), svg: join(dir, 'svg') });
    expect(r.fitError).toBeNull();
    expect(r.charts.map((c) => c.id)).toContain('power-traces');
    expect(r.svgs).toHaveLength(r.charts.length);
  });
});

describe('exit statuses of the model commands (the compiled CLI)', () => {
  let cli: CompiledCli;
  beforeAll(async () => { cli = await compileCli('model-cli-test'); });
  afterAll(() => cli.remove());

  it('exit 2 for a missing store, as export reports one, and for a budget no layout meets', () => {
    const missing = join(dir, 'missing.duckdb');
    const fit = cli.run(['fit', '--store', missing]);
    expect(fit.status).toBe(2);
    expect(fit.stderr).toBe(`mlp-energy: No results store at ${missing}. Run \`mlp-energy sweep\` first or point --store at your .duckdb file. [INVALID_OPTION]\n`);
    const recommended = cli.run(['recommend', '--store', storePath, '--profile', profilePath, '--dataset', 'splice', '--budget', '5']);
    expect(recommended.status).toBe(2);
    expect(recommended.stdout).toBe('');
    expect(recommended.stderr).toMatch(/choose a budget ≥ 245\. \[NETWORK_OFF_BUDGET\]\n$/);
  });
});
