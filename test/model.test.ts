import { describe, expect, it } from 'vitest';
import { EAGLE_CPU, EAGLE_GPU, levelsForThreads, loadProfile, profileFromCaches, profileFromGpu, validateProfile } from '../lib/model/profiles.js';
import { EMPTY, place } from '../lib/model/placement.js';
import { placeWorkingSets, workingSets } from '../lib/model/working-sets.js';
import { nnls } from '../lib/model/nnls.js';
import { leastSquares } from '../lib/model/least-squares.js';
import { fitEnergyModel, groupFolds } from '../lib/model/fit.js';
import { runFeatures, featureRow } from '../lib/model/features.js';
import { runShape, type RunRecord } from '../lib/model/records.js';
import { syntheticRuns } from './model-fixtures.js';
import { BUTTER_DEPTHS, predict, recommend } from '../lib/model/predict.js';
import { flopsPerEpoch, networkFor, SHAPES, type Shape } from '../lib/networks.js';

const L1 = 32 * 1024;
const L2_CUM = L1 + 1024 * 1024; // cumulative per-core capacity through L2
const L3_CUM = L2_CUM + 24.75 * 1024 * 1024;

describe('hardware profiles reject bad input', () => {
  it('names the field to fix', () => {
    expect(() => validateProfile({ name: 'x', deviceClass: 'tpu', levels: [] })).toThrow(/deviceClass/);
    expect(() => validateProfile({ name: 'x', deviceClass: 'cpu', levels: [{ name: 'L1', bytesPerUnit: 1, units: 1 }] })).toThrow(/at least 2 levels/);
    expect(() =>
      validateProfile({ name: 'x', deviceClass: 'cpu', levels: [{ name: 'L1', bytesPerUnit: -1, units: 1 }, { name: 'RAM', bytesPerUnit: 1, units: 1 }] }),
    ).toThrow(/levels\[0\]\.bytesPerUnit/);
    expect(() =>
      validateProfile({ name: 'x', deviceClass: 'cpu', levels: [{ name: 'L1', bytesPerUnit: 1, units: 0.5 }, { name: 'RAM', bytesPerUnit: 1, units: 1 }] }),
    ).toThrow(/levels\[0\]\.units/);
    expect(() => loadProfile('/nonexistent/profile.json')).toThrow(/Unknown hardware profile/);
  });

  it('scales private levels to the threads a run used', () => {
    expect(levelsForThreads(EAGLE_CPU, 2).map((l) => l.units)).toEqual([2, 2, 1, 1]);
    expect(levelsForThreads(EAGLE_CPU, 20).map((l) => l.units)).toEqual([20, 20, 2, 1]);
    expect(levelsForThreads(EAGLE_CPU).map((l) => l.units)).toEqual([36, 36, 2, 1]);
  });
});

describe('placement and NNLS reject bad input', () => {
  const bad = (message: RegExp) => expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(message) });
  const levels = EAGLE_CPU.levels;
  const run = { fullWidths: [8, 16, 1], numFreeParameters: 161, batchSize: 256, nObservations: 1000 };

  it('place names the level, the occupancy or the set field', () => {
    expect(() => place([], EMPTY, { replicated: 1, distributed: 1 })).toThrow(bad(/non-empty array of cache levels .* for levels but received an array of length 0/));
    expect(() => place([{ ...levels[0], units: 0 }], EMPTY, { replicated: 1, distributed: 1 })).toThrow(bad(/for levels\[0\]\.units but received 0/));
    expect(() => place(levels, null as never, { replicated: 1, distributed: 1 })).toThrow(bad(/for below but received null/));
    expect(() => place(levels, EMPTY, { replicated: NaN, distributed: 1 })).toThrow(bad(/for set\.replicated but received NaN/));
    expect(() => place(levels, EMPTY, { replicated: 1, distributed: -1 })).toThrow(bad(/≥ 0 for set\.distributed but received -1/));
    expect(() => place(levels, EMPTY, { replicated: '5' as never, distributed: 1 })).toThrow(bad(/for set\.replicated but received "5"/));
    expect(place(levels, EMPTY, { replicated: 0, distributed: 0 })).toMatchObject({ level: 0, cached: 0, overflow: false });
  });

  it('placeWorkingSets names the run field', () => {
    expect(() => placeWorkingSets(levels, null as never)).toThrow(bad(/for run but received null/));
    expect(() => placeWorkingSets(levels, { ...run, fullWidths: [8] })).toThrow(bad(/at least 2 widths .* for run\.fullWidths but received an array of length 1/));
    expect(() => placeWorkingSets(levels, { ...run, fullWidths: [8, 0, 1] })).toThrow(bad(/for run\.fullWidths\[1\] but received 0/));
    expect(() => placeWorkingSets(levels, { ...run, numFreeParameters: 2.5 })).toThrow(bad(/for run\.numFreeParameters but received 2\.5/));
    expect(() => placeWorkingSets(levels, { ...run, batchSize: NaN })).toThrow(bad(/for run\.batchSize but received NaN/));
    expect(() => placeWorkingSets(levels, { ...run, nObservations: 0 })).toThrow(bad(/for run\.nObservations but received 0/));
    expect(() => placeWorkingSets([], run)).toThrow(bad(/for levels but received an array of length 0/));
  });

  it('nnls refuses mismatched dimensions and non-finite entries instead of returning NaN', () => {
    expect(() => nnls([[1, 0], [0, 1], [1, 1]], [1, 2])).toThrow(bad(/an array of 3 finite numbers for b but received an array of length 2/));
    expect(() => nnls([[1, 0], [0, 1]], [1, 2, 3])).toThrow(bad(/an array of 2 finite numbers for b but received an array of length 3/));
    expect(() => nnls([[1, 0], [0]], [1, 2])).toThrow(bad(/for A\[1\] but received an array of length 1/));
    expect(() => nnls([[1, NaN], [0, 1]], [1, 2])).toThrow(bad(/for A\[0\]\[1\] but received NaN/));
    expect(() => nnls(null as never, [])).toThrow(bad(/for A but received null/));
    expect(() => nnls([[1, 0], [0, 1]], [1, 2], -1)).toThrow(bad(/for maxIterations but received -1/));
    // The empty problem stays a (trivial) answer: the fit's non-strict path may hand over no active columns.
    expect(nnls([[], []], [1, 2])).toEqual({ x: [], residualNorm: Math.sqrt(5), iterations: 0 });
  });
});

describe('profiles of the detected machine', () => {
  it('turns cacheInfo levels into per-instance capacities, skipping instruction caches, then RAM', () => {
    const caches = {
      levels: [
        { level: 1, type: 'data', sizeBytes: 48 * 1024, sharedBy: 2 },
        { level: 1, type: 'instruction', sizeBytes: 32 * 1024, sharedBy: 2 },
        { level: 2, type: 'unified', sizeBytes: 2 * 2 ** 20, sharedBy: 2 },
        { level: 3, type: 'unified', sizeBytes: 105 * 2 ** 20, sharedBy: 0 },
      ],
    };
    const p = profileFromCaches(caches, 8, 16 * 2 ** 30);
    expect(p.levels).toEqual([
      { name: 'L1d', bytesPerUnit: 48 * 1024, units: 4, coresPerUnit: 2 },
      { name: 'L2', bytesPerUnit: 2 * 2 ** 20, units: 4, coresPerUnit: 2 },
      { name: 'L3', bytesPerUnit: 105 * 2 ** 20, units: 1, coresPerUnit: 8 },
      { name: 'RAM', bytesPerUnit: 16 * 2 ** 30, units: 1, coresPerUnit: 8 },
    ]);
    expect(() => profileFromCaches({ levels: [] }, 8, 1)).toThrow(/--profile FILE.json/);
  });

  it('models a GPU as the study did: per-SM level, L2, device memory', () => {
    const p = profileFromGpu({ name: 'H100', smCount: 132, l2Bytes: 50 * 2 ** 20, globalMemoryBytes: 80 * 2 ** 30, sharedMemoryPerSmBytes: 228 * 1024 });
    expect(p.deviceClass).toBe('gpu');
    expect(p.levels.map((l) => [l.name, l.units])).toEqual([['L1', 132], ['L2', 1], ['HBM', 1]]);
  });
});

describe('cache placement (hand-computed on the Eagle CPU node)', () => {
  const levels = EAGLE_CPU.levels;
  it('replicated sets: each boundary is inclusive', () => {
    expect(place(levels, EMPTY, { replicated: L1, distributed: 0 })).toMatchObject({ levelName: 'L1d', occupied: L1 });
    // One byte more than L1 spills: it starts above the full L1, so it occupies L1 + itself per core.
    expect(place(levels, EMPTY, { replicated: L1 + 1, distributed: 0 })).toMatchObject({ levelName: 'L2', occupied: L1 + L1 + 1 });
    // L2_CUM − L1 bytes fit exactly on top of the full L1; one more goes to L3 stacked on everything through L2.
    expect(place(levels, EMPTY, { replicated: L2_CUM - L1, distributed: 0 })).toMatchObject({ levelName: 'L2', occupied: L2_CUM });
    expect(place(levels, EMPTY, { replicated: L2_CUM - L1 + 1, distributed: 0 })).toMatchObject({
      levelName: 'L3',
      occupied: L2_CUM + L2_CUM - L1 + 1,
    });
  });

  it('distributed sets split over the units of the level they are tried in', () => {
    expect(place(levels, EMPTY, { replicated: 0, distributed: 36 * L1 })).toMatchObject({ levelName: 'L1d', cached: L1 });
    const over = place(levels, EMPTY, { replicated: 0, distributed: 36 * L1 + 36 });
    expect(over).toMatchObject({ levelName: 'L2', cached: L1 + 1, occupied: L1 + L1 + 1, singular: 36 * L1 + 36 });
    // L3 has 2 units (sockets): a set filling exactly the per-socket room above L2 fits; one byte more goes to RAM.
    const exact = 2 * (L3_CUM - L2_CUM);
    expect(place(levels, EMPTY, { replicated: 0, distributed: exact })).toMatchObject({ levelName: 'L3', cached: exact / 2, occupied: L3_CUM });
    const ram = place(levels, EMPTY, { replicated: 0, distributed: exact + 2 });
    expect(ram).toMatchObject({ levelName: 'RAM', cached: exact + 2, occupied: L3_CUM + exact + 2, overflow: false });
    // The same bytes replicated need 36× the room per core: 1.125 MiB on top of a full L1 is beyond L2.
    expect(place(levels, EMPTY, { replicated: 36 * L1, distributed: 0 }).levelName).toBe('L3');
  });

  it('stacks on what is below and skips levels already full', () => {
    const below = { occupied: 30_000, singularOccupied: 30_000 * 36, effective: 30_000 };
    expect(place(levels, below, { replicated: L1 - 30_000, distributed: 0 })).toMatchObject({ levelName: 'L1d', occupied: L1, effective: L1 });
    expect(place(levels, below, { replicated: L1 - 30_000 + 1, distributed: 0 }).levelName).toBe('L2');
    expect(place(levels, { occupied: L1, singularOccupied: 0, effective: L1 }, { replicated: 1, distributed: 0 })).toMatchObject({
      levelName: 'L2',
      occupied: L1 + 1,
    });
    expect(place(levels, EMPTY, { replicated: 200 * 2 ** 30, distributed: 0 })).toMatchObject({ levelName: 'RAM', overflow: true });
  });

  it('puts the V100 forward-pass knee where the study saw it (4·P past the 6 MiB L2, P ≈ 2^20.6)', () => {
    // Weights too big for L1 spill past it, so they must fit the L2 itself.
    const P = (6 * 1024 * 1024) / 4;
    expect(Math.log2(P)).toBeCloseTo(20.6, 1);
    expect(place(EAGLE_GPU.levels, EMPTY, { replicated: 4 * P, distributed: 0 }).levelName).toBe('L2');
    expect(place(EAGLE_GPU.levels, EMPTY, { replicated: 4 * (P + 1), distributed: 0 }).levelName).toBe('HBM');
  });

  it('builds l, f, b, d as the study did and stacks them (l → f, b; b → d)', () => {
    // 4 inputs → 8 → 1, batch 2: P = 5·8 + 9·1 = 49.
    const run = { fullWidths: [4, 8, 1], numFreeParameters: 49, batchSize: 2, nObservations: 10 };
    const sets = workingSets(run);
    expect(sets.l.map((s) => s.distributed)).toEqual([4 * 2 * 12, 4 * 2 * 9]);
    expect(sets.f).toEqual({ replicated: 196, distributed: 0 });
    expect(sets.b).toEqual({ replicated: 392, distributed: 4 * 2 * 13 - 96 });
    expect(sets.d).toEqual({ replicated: 0, distributed: 10 * 5 * 4 });
    const placed = placeWorkingSets(levelsForThreads(EAGLE_CPU, 1), run);
    expect(placed.lMax.occupied).toBe(96);
    expect(placed.f).toMatchObject({ levelName: 'L1d', occupied: 96 + 196 });
    expect(placed.b).toMatchObject({ levelName: 'L1d', occupied: 96 + 392 + 8 });
    expect(placed.d).toMatchObject({ levelName: 'L1d', occupied: 96 + 400 + 200 });
  });
});

describe('NNLS (Lawson–Hanson)', () => {
  function rng(seed: number) {
    let s = seed >>> 0;
    return () => ((s = (1664525 * s + 1013904223) >>> 0) / 2 ** 32);
  }

  it('recovers known non-negative coefficients exactly on noiseless data', () => {
    const r = rng(1);
    const xTrue = [2, 0.5, 0, 3, 0];
    const A = Array.from({ length: 40 }, () => xTrue.map(() => r()));
    const b = A.map((row) => row.reduce((s, a, j) => s + a * xTrue[j], 0));
    const { x, residualNorm } = nnls(A, b);
    x.forEach((v, j) => expect(v).toBeCloseTo(xTrue[j], 9));
    expect(residualNorm).toBeLessThan(1e-9);
  });

  it('matches the best feasible active set found by brute force when the constraint binds', () => {
    const r = rng(7);
    const n = 4;
    const A = Array.from({ length: 25 }, () => Array.from({ length: n }, () => r() - 0.3));
    const b = A.map((row) => row[0] - 2 * row[1] + 0.5 * row[2] + 0.1 * (r() - 0.5));
    let best = { residual: Infinity, x: [] as number[] };
    for (let mask = 0; mask < 1 << n; mask++) {
      const cols = [...Array(n).keys()].filter((j) => mask & (1 << j));
      const x = new Array(n).fill(0);
      if (cols.length) leastSquares(A, b, cols).x.forEach((v, k) => (x[cols[k]] = v));
      if (x.some((v) => v < 0)) continue;
      const residual = Math.hypot(...A.map((row, i) => row.reduce((s, a, j) => s + a * x[j], 0) - b[i]));
      if (residual < best.residual) best = { residual, x };
    }
    const got = nnls(A, b);
    expect(got.x[1]).toBe(0); // the true coefficient is negative: the constraint is active
    got.x.forEach((v, j) => expect(v).toBeCloseTo(best.x[j], 8));
    expect(got.residualNorm).toBeCloseTo(best.residual, 10);
  });
});

/** Energies built from known coefficients through the same features the fit uses. */
function withKnownEnergy(runs: RunRecord[], coefficients: number[]): RunRecord[] {
  return runs.map((run) => {
    const f = runFeatures(EAGLE_CPU, { ...runShape(run), flopsPerEpoch: run.flops_per_epoch, threads: run.threads });
    const e = featureRow(f).reduce((s, v, j) => s + v * coefficients[j], 0);
    return { ...run, energy_per_training_datum: e };
  });
}

describe('energy model fit', () => {
  // constant, J/FLOP, J/byte at L1d, L2, L3, RAM
  const truth = [1e-4, 4e-11, 1e-10, 5e-10, 2e-9, 1e-8];

  it('recovers the coefficients of synthetic data that follows the model, and reports them with units', () => {
    const runs = withKnownEnergy(syntheticRuns(), truth);
    const fit = fitEnergyModel(runs, { profiles: { cpu: EAGLE_CPU } });
    const group = fit.groups[0];
    const levelsSeen = new Set(group.perRun.flatMap((r) => [r.levels.f, r.levels.b, r.levels.d]));
    expect(levelsSeen.size).toBeGreaterThanOrEqual(3);
    const cache = group.models.find((m) => m.model.name === 'cache-aware')!;
    for (const [j, c] of cache.model.coefficients.entries()) {
      expect(c.value).not.toBeNull();
      expect(c.value! / truth[j]).toBeCloseTo(1, 5);
    }
    expect(cache.model.coefficients.map((c) => c.unit)).toEqual(['J/datum', 'J/FLOP', 'J/byte at L1d', 'J/byte at L2', 'J/byte at L3', 'J/byte at RAM']);
    expect(cache.inSample.ratioStd).toBeLessThan(1e-6);
    expect(cache.inSample.ratioMean).toBeCloseTo(1, 6);
    // The baselines cannot represent the cache steps: they must do worse than the true model.
    for (const m of group.models.filter((m) => m.model.name !== 'cache-aware')) expect(m.inSample.ratioStd).toBeGreaterThan(0.01);
  });

  it('never lets a held-out dataset inform its own prediction', () => {
    const runs = withKnownEnergy(syntheticRuns(), truth);
    const base = fitEnergyModel(runs, { profiles: { cpu: EAGLE_CPU }, folds: 3 }).groups[0];
    const folds = groupFolds(runs.map((r) => r.dataset), 3);
    for (const r of base.perRun) expect(r.fold).toBe(folds.get(r.dataset));
    expect(new Set(folds.values()).size).toBe(3);
    // Corrupt one dataset's energies: its own out-of-fold predictions must not move, the in-sample fit must.
    const victim = 'c_tall';
    const corrupted = runs.map((r) => (r.dataset === victim ? { ...r, energy_per_training_datum: r.energy_per_training_datum * 10 } : r));
    const after = fitEnergyModel(corrupted, { profiles: { cpu: EAGLE_CPU }, folds: 3 }).groups[0];
    after.perRun.forEach((r, i) => {
      if (r.dataset !== victim) return;
      for (const name of ['cache-aware', 'params-linear', 'flops-linear', 'power-law'] as const) {
        expect(r.cvPredicted![name]).toBeCloseTo(base.perRun[i].cvPredicted![name], 12);
      }
    });
    expect(after.perRun.find((r) => r.dataset === victim)!.predicted['cache-aware']).not.toBeCloseTo(
      base.perRun.find((r) => r.dataset === victim)!.predicted['cache-aware'],
      6,
    );
  });

  it('reports CV as unavailable with one dataset, and refuses underdetermined or collinear fits', () => {
    const one = withKnownEnergy(syntheticRuns([{ name: 'only', rows: 5000, inputs: 8, outputs: 1 }]), truth);
    const g = fitEnergyModel(one, { profiles: { cpu: EAGLE_CPU } }).groups[0];
    expect(g.folds).toBeNull();
    expect(g.cvNote).toMatch(/at least 2/);
    expect(g.models.every((m) => m.cv === null)).toBe(true);

    const few = withKnownEnergy(syntheticRuns(undefined, [16], [3]).slice(0, 2), truth);
    expect(() => fitEnergyModel(few, { profiles: { cpu: EAGLE_CPU } })).toThrow(expect.objectContaining({ code: 'MODEL_UNDERDETERMINED' }));
    expect(() => fitEnergyModel(few, { profiles: { cpu: EAGLE_CPU } })).toThrow(/2 runs cannot determine/);

    // FLOPs made exactly proportional to the L1 bytes per datum: their costs cannot be separated.
    const small = syntheticRuns(undefined, [4, 8, 16], [2, 3]).map((run) => {
      const f = runFeatures(EAGLE_CPU, { ...runShape(run), flopsPerEpoch: 1, threads: run.threads });
      return { ...run, flops_per_epoch: 1, energy_per_training_datum: 1 + f.bytesPerLevel[0], _l1: f.bytesPerLevel[0] };
    });
    const collinear = small.map((run) => {
      const dataPerEpoch = 1 / runFeatures(EAGLE_CPU, { ...runShape(run), flopsPerEpoch: 1, threads: run.threads }).flopsPerDatum;
      return { ...run, flops_per_epoch: 7 * run._l1 * dataPerEpoch };
    });
    expect(() => fitEnergyModel(collinear, { profiles: { cpu: EAGLE_CPU } })).toThrow(/collinear/);
  });

  it('rejects runs it cannot use and runs without a profile, naming the fix', () => {
    const [run] = syntheticRuns(undefined, [16], [3]);
    expect(() => fitEnergyModel([{ ...run, energy_per_training_datum: 0 }], { profiles: { cpu: EAGLE_CPU } })).toThrow(/energy_per_training_datum/);
    expect(() => fitEnergyModel([{ ...run, widths: [] }], { profiles: { cpu: EAGLE_CPU } })).toThrow(/widths/);
    expect(() => fitEnergyModel([run])).toThrow(/--profile/);
    expect(() => fitEnergyModel([run], { profiles: { cpu: EAGLE_GPU } })).toThrow(/describes a gpu/);
    expect(() => fitEnergyModel([run], { profiles: { cpu: EAGLE_CPU }, device: 'gpu' })).toThrow(/No runs to fit/);
    expect(() => fitEnergyModel(null as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/an array of run records for records/) }));
  });
});

describe('predict and recommend', () => {
  const truth = [1e-4, 4e-11, 1e-10, 5e-10, 2e-9, 1e-8];
  const group = fitEnergyModel(withKnownEnergy(syntheticRuns(), truth), { profiles: { cpu: EAGLE_CPU } }).groups[0];
  const dims = new Map([['b_wide', { name: 'b_wide', rows: 20000, inputs: 120, outputs: 10 }]]);

  it('rejects unknown datasets and bad sizes with the fix', () => {
    expect(() => predict(group, { dataset: 'nope', shape: 'rectangle', size: 4096, depth: 3 }, dims)).toThrow(/Choose a known one, or \(from the SDK\) pass its dimensions/);
    expect(() => predict(group, { dataset: 'b_wide', shape: 'rectangle', size: 4096, depth: 3, batchSize: 0 }, dims)).toThrow(/batchSize/);
    expect(() => recommend(group, { parameterBudget: 0, dataset: 'b_wide' }, dims)).toThrow(/parameterBudget/);
    expect(() => recommend(group, { parameterBudget: 4096, dataset: 'b_wide', depths: [] }, dims)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: 'Expected a non-empty array of depths for depths but received an array of length 0' }),
    );
    expect(() => recommend(group, { parameterBudget: 4096, dataset: 'b_wide', shapes: [] }, dims)).toThrow(/non-empty array of shapes for shapes/);
  });

  it('predicts from the same placement and features as the fit, term by term', () => {
    const p = predict(group, { dataset: 'b_wide', shape: 'trapezoid', size: 2 ** 16, depth: 4, threads: 2 }, dims);
    const net = networkFor({ inputs: 120, outputs: 10, shape: 'trapezoid', size: 2 ** 16, depth: 4 });
    expect(p.widths).toEqual(net.widths);
    const f = runFeatures(EAGLE_CPU, {
      fullWidths: [120, ...net.widths], numFreeParameters: net.numFreeParameters, batchSize: 256, nObservations: 20000,
      flopsPerEpoch: flopsPerEpoch(net, { observations: 20000, batchSize: 256 }).flopsPerEpoch, threads: 2,
    });
    expect(p.jPerDatum / featureRow(f).reduce((s, v, j) => s + v * truth[j], 0)).toBeCloseTo(1, 5);
    expect(p.terms.reduce((s, t) => s + t.jPerDatum, 0)).toBeCloseTo(p.jPerDatum, 12);
    expect(p.levels.f).toBe(f.placed.f.levelName);
  });

  it('ranks shapes × depths × threads by predicted J/datum and lists layouts the budget cannot build', () => {
    const r = recommend(group, { parameterBudget: 2 ** 18, dataset: 'b_wide', top: 6 }, dims, [1, 2, null]);
    expect(r.ranked).toHaveLength(6);
    for (let i = 1; i < r.ranked.length; i++) expect(r.ranked[i].jPerDatum).toBeGreaterThanOrEqual(r.ranked[i - 1].jPerDatum);
    expect(new Set(r.ranked.map((x) => x.threads)).size).toBeGreaterThanOrEqual(1);
    // 130: the depth-2 rectangle [1, 10] (141 parameters) fits, deep layouts' narrowest networks do not.
    const small = recommend(group, { parameterBudget: 130, dataset: 'b_wide' }, dims);
    expect(small.ranked.map((x) => x.widths)).toContainEqual([1, 10]);
    expect(small.skipped.length).toBeGreaterThan(0);
    expect(small.skipped[0].reason).toMatch(/20%|budget/i);
  });

  it('lists each network once: shapes that build the same widths and skips are one entry, and top counts networks', () => {
    const size = 2 ** 16;
    const all = recommend(group, { parameterBudget: size, dataset: 'b_wide', top: 1000 }, dims);
    expect(all.skipped).toEqual([]);
    // The oracle: every shape × depth as networkFor builds it, grouped by what it computes.
    const key = (n: { widths: number[]; residual: boolean[] }) => JSON.stringify([n.widths, n.residual]);
    const built = (shape: Shape, depth: number) => networkFor({ inputs: 120, outputs: 10, shape, size, depth });
    const groups = new Map<string, Shape[]>();
    for (const shape of SHAPES) for (const depth of BUTTER_DEPTHS) groups.set(key(built(shape, depth)), [...(groups.get(key(built(shape, depth))) ?? []), shape]);
    expect(groups.size).toBeLessThan(SHAPES.length * BUTTER_DEPTHS.length);
    expect(all.ranked).toHaveLength(groups.size);
    for (const entry of all.ranked) {
      expect(entry.shape).toBe(entry.shapes[0]);
      expect(entry.shapes).toEqual(groups.get(key(built(entry.shape, entry.depth))));
      for (const shape of entry.shapes) expect(built(shape, entry.depth).widths).toEqual(entry.widths);
    }
    // One hidden layer: all eight shapes are the same network; rectangle_residual has no inner layer to skip.
    expect(all.ranked.filter((x) => x.depth === 2).map((x) => x.shapes)).toEqual([[...SHAPES]]);
    // From depth 3 the residual rectangle adds its input back: a network of its own beside rectangle's same widths.
    const depth3 = all.ranked.filter((x) => x.depth === 3);
    expect(depth3.find((x) => x.shapes.includes('rectangle_residual'))!.shapes).toEqual(['rectangle_residual']);
    expect(depth3.find((x) => x.shapes.includes('rectangle'))!.widths).toEqual(built('rectangle_residual', 3).widths);

    const top5 = recommend(group, { parameterBudget: size, dataset: 'b_wide', top: 5 }, dims);
    expect(top5.ranked).toEqual(all.ranked.slice(0, 5));
    // Each network once per thread count.
    expect(recommend(group, { parameterBudget: size, dataset: 'b_wide', top: 1000 }, dims, [1, 2]).ranked).toHaveLength(2 * groups.size);
  });

  it('fails as predict does when no layout meets the budget, naming the smallest budget that gives a network', () => {
    // b_wide's narrowest network is the depth-2 [1, 10]: 121·1 + 2·10 = 141 parameters; 141 / 1.2 = 117.5 → 118.
    expect(() => recommend(group, { parameterBudget: 117, dataset: 'b_wide' }, dims)).toThrow(
      expect.objectContaining({ code: 'NETWORK_OFF_BUDGET', message: expect.stringMatching(/None of the 112 shape\/depth layouts .* 117 parameters for b_wide .*choose a budget ≥ 118\./) }),
    );
    expect(recommend(group, { parameterBudget: 118, dataset: 'b_wide' }, dims).ranked).toHaveLength(1);
    // Above that bound a budget can still fall between the few layouts allowed: [1, 10] has 141, [2, 10] 272.
    expect(() => recommend(group, { parameterBudget: 200, dataset: 'b_wide', shapes: ['rectangle'], depths: [2] }, dims)).toThrow(
      expect.objectContaining({ code: 'NETWORK_OFF_BUDGET', message: expect.stringMatching(/falls between .*smallest budget that gives a network is 118/) }),
    );
  });
});
