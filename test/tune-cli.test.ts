import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { networkWidths, tuneCommand, tuneGridCommand } from '../lib/cli/commands/tune.js';
import { ResultStore } from '../lib/store/store.js';
import { loadTunings } from '../lib/tune/store.js';
import { parseNetworkSpec } from '../lib/tune/network-spec.js';
import { blockPlacements, describePlacement } from '../lib/tune/blocks.js';
import { capture, scriptedEnvironment } from './helpers/scripted-environment.js';

const dir = mkdtempSync(join(tmpdir(), 'mlpe-tune-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mlp-energy tune rejects bad input', () => {
  it.each([
    ['', /Nothing to tune/],
    ['rectangle,2^18,depth 4', /has no dataset/],
    ['rectangle,2^18,dataset mnist', /has no depth/],
    ['rectangle,2^18,depth 4,dataset nope', /Unknown dataset "nope"/],
    ['circle,2^18,depth 4,dataset mnist', /network shape/],
    ['rectangle,2^18,depth 4,dataset mnist,color red', /"color red" is not a shape/],
    ['rectangle,2^18,2^19,depth 4,dataset mnist', /two sizes/],
  ])('%s', async (network, message) => {
    await expect(tuneCommand({ network, save: false }, { stdout: capture() }, scriptedEnvironment(false))).rejects.toThrow(message);
  });
  it('rejects a bad objective or budget by name', async () => {
    const network = 'rectangle,2^14,depth 3,dataset 537_houses';
    await expect(tuneCommand({ network, objective: 'watts', save: false }, { stdout: capture() }, scriptedEnvironment(false))).rejects.toThrow(/--objective/);
    await expect(tuneCommand({ network, budget: '0', save: false }, { stdout: capture() }, scriptedEnvironment(false))).rejects.toThrow(/--budget/);
  });
});

describe('mlp-energy tune --grid', () => {
  it('refuses the search-only flags instead of ignoring them', async () => {
    const network = 'rectangle,2^14,depth 3,dataset 537_houses';
    const stderr = capture();
    await expect(tuneGridCommand({ network, grid: 'kc', objective: 'edp', save: false }, { stdout: capture(), stderr }, scriptedEnvironment(false)))
      .rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/^--objective steers the tiling search, which --grid replaces.*drop it or drop --grid/) });
    await expect(tuneGridCommand({ network, grid: 'kc', scope: 'network', maxRepetitions: '5', save: false }, { stdout: capture(), stderr }, scriptedEnvironment(false)))
      .rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/^--scope, --max-repetitions steer .*drop them/) });
    expect(stderr.text).toBe('');  // refused before scanning
  });
});

describe('mlp-energy tune: an unusable store', () => {
  it('fails before any measuring, for the search and the grid scan', async () => {
    const network = 'rectangle,2^14,depth 3,dataset 537_houses';
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const store = join(file, 'r.duckdb'); // a file where the store's folder belongs
    const refused = { code: 'STORE_ERROR', message: expect.stringMatching(/Cannot open results store .*a-file\/r\.duckdb/) };
    const stderr = capture();
    await expect(tuneCommand({ network, store, budget: 2 }, { stdout: capture(), stderr }, scriptedEnvironment(false))).rejects.toMatchObject(refused);
    await expect(tuneGridCommand({ network, store, grid: 'kc', budget: 2 }, { stdout: capture(), stderr }, scriptedEnvironment(false))).rejects.toMatchObject(refused);
    expect(stderr.text).toBe(''); // neither started: no 'tuning …' or 'scanning …' line
  });
});

describe('mlp-energy tune', () => {
  it('reads BUTTER network specs', () => {
    expect(parseNetworkSpec('rectangle,2^18,depth 4,dataset mnist')).toEqual({ shape: 'rectangle', size: 262144, depth: 4, dataset: 'mnist', batch: 256 });
    expect(parseNetworkSpec(' trapezoid , 65536 , dataset sleep , depth 3 , batch 32 ').batch).toBe(32);
    const { widths, batch } = networkWidths('rectangle,2^18,depth 4,dataset mnist');
    expect(widths[0]).toBe(784);
    expect(widths.at(-1)).toBe(10);
    expect(widths.length).toBe(5);
    expect(batch).toBe(256);
  });

  it('prints default vs tuned per shape with J/datum, s/datum and the cache level of each block, and saves', async () => {
    const env = scriptedEnvironment(true);
    const stdout = capture();
    const stderr = capture();
    const store = join(dir, 'r.duckdb');
    const result = await tuneCommand({ network: 'rectangle,2^14,depth 3,dataset 537_houses', objective: 'time', budget: 8, store }, { stdout, stderr }, env);
    expect(env.closed).toBe(true);
    expect(stdout.text).toContain('objective: time');
    expect(stdout.text).toMatch(/joules are an ESTIMATE/);
    expect(stdout.text).toContain('J/datum');
    expect(stdout.text).toContain('s/datum');
    for (const s of result.perShape) expect(stdout.text).toContain(`${s.shape.orientation} ${s.shape.m}×${s.shape.n}×${s.shape.k}`);
    const tuned = result.perShape[0].tuned.tiling;
    for (const p of blockPlacements(tuned, env.caches, result.perShape[0].shape)) expect(stdout.text).toContain(describePlacement(p));
    expect(stdout.text).toMatch(/total per datum: .* tuned\/default on time: \d\.\d{3}/);
    expect(stderr.text).toMatch(/saved \d+ tunings/);
    const s = await ResultStore.open(store);
    try {
      expect((await loadTunings(s, env.machine, 'time')).length).toBe(result.perShape.length);
    } finally {
      s.close();
    }
  });

  it('--scope network prints one tiling for the step and --json the whole result', async () => {
    const stdout = capture();
    await tuneCommand({ network: 'rectangle,2^14,depth 3,dataset 537_houses', scope: 'network', budget: 6, save: false, json: true }, { stdout }, scriptedEnvironment(false));
    const parsed = JSON.parse(stdout.text);
    expect(parsed.scope).toBe('network');
    expect(parsed.objective).toBe('energy'); // a counter (scripted) → energy by default
    expect(parsed.step.tuned.tiling.mr).toBeGreaterThan(0);
  });
});
