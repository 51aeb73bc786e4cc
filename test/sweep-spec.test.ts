import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSpec, parseCiTarget } from '../lib/cli/commands/sweep.js';
import { SHAPES } from '../lib/networks.js';
import { makePlan } from '../lib/sweep/plan.js';
import { preset, PRESET_NAMES } from '../lib/sweep/presets.js';
import { readSpecFile, validateSpec } from '../lib/sweep/spec.js';

const minimal = { datasets: ['banana'], shapes: ['rectangle'], sizes: [256], depths: [3], epochs: 1 };

function issues(input: unknown): string[] {
  try {
    validateSpec(input);
  } catch (error) {
    expect((error as { code: string }).code).toBe('INVALID_SPEC');
    return ((error as { issues: { path: string; message: string }[] }).issues).map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('spec was accepted');
}

describe('spec validation reports every bad field by path', () => {
  it('rejects wrong values with field-level messages, all at once', () => {
    const found = issues({
      datasets: ['banana', 'nope'], shapes: ['rectangle', 'circle'], sizes: [0, 64], depths: [1], epochs: 1.5,
      devices: ['tpu'], tilings: ['default', { kc: 0 }, { mc: 10_000 }], batchSize: -1, extra: true,
    });
    expect(found).toEqual(expect.arrayContaining([
      expect.stringMatching(/^datasets\[1\]: unknown dataset "nope"; known: 529_pollen/),
      expect.stringMatching(/^shapes\[1\]: unknown shape "circle"; known: rectangle, trapezoid/),
      'sizes[0]: expected an integer between 1 and 2147483648 but received 0',
      'depths[0]: expected an integer between 2 and 1000 but received 1',
      'epochs: expected an integer between 1 and 1000000 but received 1.5',
      expect.stringMatching(/^devices\[0\]: unknown device "tpu"; known: cpu, gpu/),
      'tilings[1].kc: expected an integer between 1 and 8192 but received 0',
      'tilings[2].mc: expected an integer between 1 and 8192 but received 10000',
      'batchSize: expected an integer between 1 and 1048576 but received -1',
      expect.stringMatching(/^extra: unknown field; known fields: name, datasets/),
    ]));
    expect(found).toHaveLength(10);
  });
  it('rejects missing lists, duplicates, conflicting repetition rules and clashing tiling names', () => {
    expect(issues({ ...minimal, datasets: [] })).toEqual(['datasets: expected a non-empty array but received []']);
    expect(issues({ ...minimal, sizes: [64, 64] })).toEqual(['sizes[1]: duplicate value 64; list each value once']);
    expect(issues({ ...minimal, repetitions: 2, untilCi: { target: 0.02 } })).toEqual(['repetitions: give either repetitions (a fixed count) or untilCi, not both']);
    expect(issues({ ...minimal, untilCi: { target: 2, min: 5, max: 3 } })).toEqual([
      'untilCi.target: expected a number strictly between 0 and 1 but received 2', 'untilCi.max: must be ≥ untilCi.min (5) but is 3']);
    expect(issues({ ...minimal, tilings: [{ name: 'a', kc: 64 }, { name: 'a', kc: 128 }] })).toEqual([
      'tilings[1]: two tilings are labelled "a"; give each a distinct name']);
    expect(issues({ ...minimal, overhead: { dataset: 'x' } })).toEqual([expect.stringMatching(/^overhead\.dataset: unknown dataset "x"/)]);
    expect(issues({ ...minimal, tilings: [{ kc: 64, sup: 'no' }, { kc: 64, packed: true }] })).toEqual([
      'tilings[0].sup: expected true or false but received "no"', 'tilings[1].packed: unknown field; known fields: name, mc, kc, nc, mr, nr, threads, isa, sup']);
    expect(() => validateSpec(42)).toThrow(/expected an object with datasets/);
  });
  it('reads JSON files and names the file in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlpe-spec-'));
    writeFileSync(join(dir, 'bad.json'), '{ "datasets": [');
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ ...minimal, depths: ['3'] }));
    writeFileSync(join(dir, 'ok.json'), JSON.stringify({ ...minimal, name: 'mine' }));
    expect(() => readSpecFile(join(dir, 'bad.json'))).toThrow(/bad\.json is not valid JSON/);
    expect(() => readSpecFile(join(dir, 'wrong.json'))).toThrow(/Invalid sweep spec .*wrong\.json:\n {2}- depths\[0\]: expected an integer between 2 and 1000 but received "3"/);
    expect(() => readSpecFile(join(dir, 'none.json'))).toThrow(/Cannot read sweep spec/);
    expect(readSpecFile(join(dir, 'ok.json')).name).toBe('mine');
  });
  it('parses --until-ci and rejects nonsense', () => {
    expect(parseCiTarget('2%')).toBeCloseTo(0.02);
    expect(parseCiTarget('0.05')).toBeCloseTo(0.05);
    expect(() => parseCiTarget('200%')).toThrow(/--until-ci expects a relative width/);
    expect(() => parseCiTarget('abc')).toThrow(/--until-ci/);
    expect(() => resolveSpec({ preset: 'quick', spec: 'x.json' })).toThrow(/either --preset or --spec/);
    expect(() => resolveSpec({ preset: 'nope' })).toThrow(/Unknown preset "nope"; presets: quick/);
    const s = resolveSpec({ preset: 'tiling', untilCi: '2%', maxRepetitions: '6' });
    expect(s.untilCi).toEqual({ target: 0.02, min: 3, max: 6 });
    expect(resolveSpec({ preset: 'tiling', untilCi: '2%', maxRepetitions: '3' }).untilCi).toEqual({ target: 0.02, min: 3, max: 3 });
  });
  it('names the flag, not spec fields, when a repetition flag is out of range', () => {
    const atLeast3 = /^--max-repetitions must be an integer from 3 to 1000 \(--until-ci always runs 3 before checking the interval\) but received "(1|2|1001|4\.5)"\.$/;
    for (const max of ['1', '2', '1001', '4.5']) {
      expect(() => resolveSpec({ preset: 'tiling', untilCi: '2%', maxRepetitions: max })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(atLeast3) }));
    }
    expect(() => resolveSpec({ preset: 'tiling', repetitions: '5000' })).toThrow(/^--repetitions must be an integer from 1 to 1000 but received "5000"\.$/);
    expect(() => resolveSpec({ preset: 'tiling', repetitions: '0' })).toThrow(/^--repetitions must be an integer from 1 to 1000/);
  });
  it('accepts sup in a tiling; it changes the run ids only of the tilings that set it', () => {
    const plain = validateSpec({ ...minimal, tilings: [{ name: 'kc64', kc: 64 }] });
    const packed = validateSpec({ ...minimal, tilings: [{ name: 'kc64', kc: 64, sup: false }] });
    expect(packed.tilings).toEqual([{ name: 'kc64', kc: 64, sup: false }]);
    expect(plain.tilings).toEqual([{ name: 'kc64', kc: 64 }]); // nothing added where sup was not given
    expect(makePlan(packed).runs.at(-1)!.runId).not.toBe(makePlan(plain).runs.at(-1)!.runId);
    expect(validateSpec({ ...minimal, tilings: [{ sup: false }] }).tilings).toEqual([{ sup: false }]); // "supfalse"
  });
});

describe('defaults, presets and the frozen plan', () => {
  it('fills BUTTER-E defaults', () => {
    const s = validateSpec(minimal);
    expect(s).toMatchObject({ name: 'custom', devices: ['cpu'], tilings: ['default'], repetitions: 1, batchSize: 256, learningRate: 1e-4, seed: 0, untilCi: null });
    expect(s.overhead).toMatchObject({ dataset: '505_tecator', sizes: [128, 256, 512, 1024] });
  });
  it('quick covers ≥ 3 datasets, all 8 shapes, sizes up to ≥ 2^16, ≥ 3 depths and ≥ 2 tilings', () => {
    const q = preset('quick');
    expect(q.datasets.length).toBeGreaterThanOrEqual(3);
    expect([...q.shapes].sort()).toEqual([...SHAPES].sort());
    expect(Math.max(...q.sizes)).toBeGreaterThanOrEqual(2 ** 16);
    expect(q.depths.length).toBeGreaterThanOrEqual(3);
    expect(q.tilings.length).toBeGreaterThanOrEqual(2);
  });
  it('butter-e presets are the study grid', () => {
    const cpu = preset('butter-e-cpu');
    expect(cpu.sizes).toEqual(Array.from({ length: 20 }, (_, i) => 2 ** (5 + i)));
    expect(cpu.depths).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 20]);
    expect(cpu.datasets).toHaveLength(12);
    expect(cpu.datasets).not.toContain('505_tecator');
    expect([cpu.epochs, cpu.batchSize, cpu.learningRate]).toEqual([3000, 256, 1e-4]);
    expect(preset('butter-e-gpu').devices).toEqual(['gpu']);
    expect(PRESET_NAMES).toEqual(['quick', 'butter-e-cpu', 'butter-e-gpu', 'tiling']);
  });
  it('makePlan checks a raw spec itself (INVALID_SPEC naming the fields, not a TypeError from inside)', () => {
    expect(() => makePlan({} as never)).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', message: expect.stringMatching(/datasets/) }));
  });
  it('is deterministic with stable, unique ids, overhead references first', () => {
    const a = makePlan(preset('quick'));
    const b = makePlan(validateSpec({ ...preset('quick'), tilings: [{ kc: 64, name: 'kc64' }, 'default'].reverse() }));
    expect(a.runs.map((r) => r.runId)).toEqual(b.runs.map((r) => r.runId));
    expect(new Set(a.runs.map((r) => r.runId)).size).toBe(a.runs.length);
    expect(a.runs.map((r) => r.index)).toEqual(a.runs.map((_, i) => i));
    const firstMain = a.runs.findIndex((r) => r.role === 'run');
    expect(a.runs.slice(0, firstMain).every((r) => r.role === 'overhead_reference' && r.dataset === '505_tecator')).toBe(true);
    // Changing a training setting changes the ids; the same config in another spec keeps its id.
    const c = makePlan(validateSpec({ ...preset('quick'), epochs: 3 }));
    expect(c.runs[0].runId).not.toBe(a.runs[0].runId);
    const one = makePlan(validateSpec({ ...preset('quick'), datasets: ['banana'], name: 'other' }));
    const ids = new Set(a.runs.map((r) => r.runId));
    expect(one.runs.every((r) => ids.has(r.runId))).toBe(true);
    // Repetitions share the experiment id and get distinct seeds.
    const reps = makePlan(validateSpec({ ...minimal, repetitions: 3, overhead: false }));
    expect(new Set(reps.runs.map((r) => r.experimentId)).size).toBe(1);
    expect(new Set(reps.runs.map((r) => r.seed)).size).toBe(3);
  });
});
