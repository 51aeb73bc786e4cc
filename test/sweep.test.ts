import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { register, sweepCommand } from '../lib/cli/commands/sweep.js';
import { withExitCode } from '../lib/cli/commands/exit-codes.js';
import { cudaInfo } from '../lib/gpu.js';
import { ResultStore } from '../lib/store/store.js';
import { defaultTiling } from '../lib/tiling.js';
import { defaultBackends } from '../lib/sweep/backends.js';
import { makePlan } from '../lib/sweep/plan.js';
import { humanReporter } from '../lib/sweep/progress.js';
import type { Backends } from '../lib/sweep/ports.js';
import type { CiOutcome, SweepSummary } from '../lib/sweep/runner.js';
import { validateSpec } from '../lib/sweep/spec.js';
import { relativeCiHalfWidth, repeatDecision } from '../lib/sweep/confidence.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mlpe-sweep-'));
const sink = () => { const lines: string[] = []; return { lines, write: (t: string) => { lines.push(t); } }; };

/**
 * A real-format PMLB file with 529_pollen's shape (3848 rows × 4 features, checked on load) so the test runs on
 * "real" data; everything else falls back to synthetic. Column d is constant: BUTTER drops it.
 */
function dataDir(): string {
  const dir = tmp();
  const rows = Array.from({ length: 3848 }, (_, i) => `${(i * 37) % 101}\t${(i * 13) % 97}\t${i % 5}\t7\t${((i * 37) % 101) / 100 + (i % 5) / 10}`);
  writeFileSync(join(dir, '529_pollen.tsv'), 'a\tb\tc\td\ttarget\n' + rows.join('\n') + '\n');
  return dir;
}

const tiny = {
  name: 'tiny',
  datasets: ['529_pollen'],
  shapes: ['rectangle', 'exponential'],
  sizes: [256, 1024],
  depths: [3],
  tilings: ['default', { name: 'kc32', kc: 32 }],
  epochs: 2,
  batchSize: 64,
  idleSeconds: 0.2,
  overhead: { sizes: [128, 256], repetitions: 2 },
};

async function runSpec(spec: object, out: string, extra: object = {}, io: object = {}) {
  const dir = tmp();
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
  const stdout = sink();
  const code = await sweepCommand({ spec: join(dir, 'spec.json'), out, json: true, ...extra }, { stdout, stderr: sink(), ...io });
  const events = stdout.lines.join('').trim().split('\n').map((l) => JSON.parse(l));
  return { code, events };
}

describe('sweep command: bad input first', () => {
  it('rejects a bad spec file with field-level errors and exit code 2 material', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...tiny, depths: [1] }));
    await expect(sweepCommand({ spec: join(dir, 'bad.json'), out: join(dir, 'r.duckdb') }, { stdout: sink(), stderr: sink() }))
      .rejects.toMatchObject({ code: 'INVALID_SPEC', message: expect.stringMatching(/depths\[0\]: expected an integer between 2 and 1000 but received 1/) });
  });
  it('a tiling this machine cannot run is a spec error (exit 2), found by --dry-run too, before any store exists', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 's.json'), JSON.stringify({ ...tiny, tilings: ['default', { name: 'odd', mc: 97 }] }));
    for (const dryRun of [true, false]) {
      const stdout = sink();
      const error = await sweepCommand({ spec: join(dir, 's.json'), out: join(dir, 'r.duckdb'), json: true, dataDir: dataDir(), dryRun }, { stdout, stderr: sink() })
        .then(() => null, (e: unknown) => e);
      expect(error).toMatchObject({ code: 'INVALID_SPEC', message: expect.stringMatching(/The spec's tiling "odd" cannot run here: mc=97 is not a multiple of mr=\d+.*\(INVALID_TILING; fix it in the spec's tilings\)/) });
      expect((withExitCode(error) as { exitCode: number }).exitCode).toBe(2); // what main.ts exits with
      expect(stdout.lines).toEqual([]); // no plan printed, no start event
      expect(readdirSync(dir)).toEqual(['s.json']); // no store, no WAL
    }
  });
  it.skipIf(cudaInfo().cudaAvailable)('GPU runs without a usable GPU fail before the idle calibration, leaving no store', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 's.json'), JSON.stringify({ ...tiny, devices: ['cpu', 'gpu'], idleSeconds: 60 }));
    const stdout = sink();
    const started = Date.now();
    await expect(sweepCommand({ spec: join(dir, 's.json'), out: join(dir, 'r.duckdb'), json: true, dataDir: dataDir() }, { stdout, stderr: sink() }))
      .rejects.toMatchObject({ code: 'CUDA_UNAVAILABLE', message: expect.stringMatching(/device 'gpu' needs a usable CUDA GPU: .*Use device 'cpu'/) });
    expect(Date.now() - started).toBeLessThan(30_000); // no 60 s idle window first
    expect(stdout.lines).toEqual([]); // not even the start event
    expect(readdirSync(dir)).toEqual(['s.json']);
  });
  it('a spec tiling with sup: false reaches the run and its stored tiling; tilings without sup keep their run ids', async () => {
    // Run ids of the tiny spec as planned before tilings could carry sup: resumes of existing stores depend on them.
    const ids = makePlan(validateSpec(tiny)).runs.filter((r) => r.role === 'run').slice(0, 2).map((r) => r.runId);
    expect(ids).toEqual(['ae06c8a076e542f4-0-59fa9cf', 'e3ef4bd38d9952bd-0-63f160a5']);
    const packed = { ...tiny, shapes: ['rectangle'], sizes: [256], overhead: false, tilings: [{ name: 'kc32', kc: 32 }, { name: 'kc32-packed', kc: 32, sup: false }] };
    const out = join(tmp(), 'r.duckdb');
    const { code, events } = await runSpec(packed, out, { dataDir: dataDir() });
    expect(code).toBe(0);
    expect(events.at(-1).summary).toMatchObject({ planned: 2, ran: 2 });
    const store = await ResultStore.open(out);
    try {
      const rows = await store.query(`SELECT run_id, tiling_name, tiling_kc, tiling_sup, json_extract(run_data, '$.tiling_requested.sup') AS requested FROM runs ORDER BY tiling_name`);
      expect(rows.map((r) => [r.tiling_name, r.tiling_kc, r.tiling_sup])).toEqual([['kc32', 32, defaultTiling().sup], ['kc32-packed', 32, false]]);
      expect(rows[1].requested).toBe('false');
      expect(rows[0].run_id).toBe(makePlan(validateSpec({ ...packed, tilings: [{ name: 'kc32', kc: 32 }] })).runs[0].runId);
      expect(rows[0].run_id).not.toBe(rows[1].run_id);
    } finally {
      store.close();
    }
  });
  it('a malformed dataset file stops the sweep before its first run, not when that dataset comes up', async () => {
    const dir = tmp();
    const data = dataDir();
    writeFileSync(join(data, 'banana.tsv'), 'a\tb\ttarget\n1\t2\t0\n3\n'); // ragged row
    writeFileSync(join(dir, 's.json'), JSON.stringify({ ...tiny, datasets: ['529_pollen', 'banana'] }));
    const stdout = sink();
    await expect(sweepCommand({ spec: join(dir, 's.json'), out: join(dir, 'r.duckdb'), json: true, dataDir: data }, { stdout, stderr: sink() }))
      .rejects.toMatchObject({ code: 'DATASET_MALFORMED', message: expect.stringMatching(/banana\.tsv:3: ragged row/) });
    expect(stdout.lines.join('').trim().split('\n').map((l) => JSON.parse(l).type)).toEqual(['start']);
  });
  it('--resume with nothing to resume says so, and creates no store where there was none', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 's.json'), JSON.stringify(tiny));
    const missing = join(dir, 'runs', 'new.duckdb');
    await expect(sweepCommand({ spec: join(dir, 's.json'), out: missing, resume: true }, { stdout: sink(), stderr: sink() }))
      .rejects.toMatchObject({ code: 'INVALID_OPTION', message: `--resume: there is no store at ${missing}. Drop --resume to start the sweep, or point --out (or --store) at the store you were filling.` });
    expect(readdirSync(dir)).toEqual(['s.json']);
    (await ResultStore.open(join(dir, 'other.duckdb'))).close(); // a store of something else
    await expect(sweepCommand({ spec: join(dir, 's.json'), out: join(dir, 'other.duckdb'), resume: true }, { stdout: sink(), stderr: sink() }))
      .rejects.toThrow(/--resume: .*other\.duckdb holds no run of sweep tiny\. Drop --resume/);
    expect(existsSync(join(dir, 'other.duckdb'))).toBe(true); // it was there before: kept
  });
  it('a sweep that fails on its inputs after creating its store removes it again', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 's.json'), JSON.stringify({ ...tiny, datasets: ['529_pollen', 'banana'] }));
    await expect(sweepCommand({ spec: join(dir, 's.json'), out: join(dir, 'runs', 'new', 'r.duckdb'), json: true, dataDir: dir, synthetic: 'never' }, { stdout: sink(), stderr: sink() }))
      .rejects.toMatchObject({ code: expect.stringMatching(/^DATASET_/) });
    expect(readdirSync(dir)).toEqual(['s.json']); // nor the folders it made for it
  });
  it('has --help text with exit codes and examples', () => {
    const program = new Command().exitOverride();
    let help = '';
    program.configureOutput({ writeOut: (s) => { help += s; } });
    register(program);
    expect(() => program.parse(['node', 'x', 'sweep', '--help'])).toThrow();
    expect(help).toMatch(/--preset <name>/);
    expect(help).toMatch(/--until-ci <width>/);
    expect(help).toMatch(/Exit codes: 0 done, 1 error, 2 invalid options or spec, 130 stopped by Ctrl-C/);
  });
});

describe('a tiny sweep end to end into a temp DuckDB', () => {
  it('stores every run with BUTTER-E columns, SI units and the study\'s normalisation; a rerun adds nothing', async () => {
    const out = join(tmp(), 'r.duckdb');
    const { code, events } = await runSpec(tiny, out, { dataDir: dataDir() });
    expect(code).toBe(0);
    const end = events.at(-1);
    expect(end.type).toBe('end');
    // 2 sizes × 2 shapes × 2 tilings + 2 overhead sizes × 2 repetitions.
    expect(end.summary).toMatchObject({ planned: 12, ran: 12, skippedDone: 0, skippedOther: 0, stopped: false });
    expect(end.summary.synthetic).toEqual(['505_tecator']);
    expect(events.filter((e) => e.type === 'run')).toHaveLength(12);
    expect(events.find((e) => e.type === 'overhead')).toMatchObject({ device: 'cpu', runs: 4 });

    const store = await ResultStore.open(out);
    try {
      const runs = await store.query(`SELECT * FROM runs WHERE role = 'run' ORDER BY run_id`);
      expect(runs).toHaveLength(8);
      for (const r of runs) {
        expect(r).toMatchObject({ dataset: '529_pollen', synthetic: false, source: 'mlp-energy', device: 'cpu', is_gpu: false, epochs: 2, batch_size: 64, optimizer: 'adam', n_observations: 3848, n_train: 3078, n_test: 770 });
        expect(r.n_inputs).toBe(1 + 1 + 5); // a, b: > 20 values → min-max; c: 5 values → one-hot; d: constant → dropped
        expect((r.widths as number[]).at(-1)).toBe(1);
        expect(Math.abs((r.num_free_parameters as number) - (r.size as number)) / (r.size as number)).toBeLessThanOrEqual(0.2);
        expect(r.energy as number).toBeGreaterThan(0);
        expect(r.estimated).toBe(true); // this VM has no RAPL: the labelled estimate
        expect(r.run_time as number).toBeGreaterThan(0);
        expect(r.power as number).toBeCloseTo((r.energy as number) / (r.run_time as number), 9);
        expect(r.power_offset).toBe(0);
        expect(r.std_energy as number).toBeCloseTo(r.energy as number, 9);
        expect(r.non_overhead_energy as number).toBeCloseTo((r.std_energy as number) - (r.energy_overhead as number), 9);
        expect(r.num_training_batches_per_epoch).toBe(Math.ceil(3078 / 64));
        expect(r.energy_per_epoch as number).toBeCloseTo((r.non_overhead_energy as number) / 2, 12);
        expect(r.energy_per_training_datum as number).toBeCloseTo((r.non_overhead_energy as number) / (49 * 2) / 64, 12);
        expect(r.flops_per_epoch as number).toBeGreaterThan(0);
        expect(r.working_set_f_bytes).toBe(4 * (r.num_free_parameters as number));
        expect(r.filter_zero_energy).toBe(false);
        expect(typeof r.final_test_loss).toBe('number');
        expect(r.idle_calibration_id).toEqual(expect.any(String));
      }
      expect(new Set(runs.map((r) => r.tiling_kc))).toContain(32);
      // The overhead is the 5th percentile of the reference runs' std_energy, and they carry it too.
      const refs = await store.query(`SELECT std_energy, energy_overhead FROM runs WHERE role = 'overhead_reference'`);
      const sorted = refs.map((r) => r.std_energy as number).sort((a, b) => a - b);
      const p5 = sorted[0] + (sorted[1] - sorted[0]) * 0.05 * 3;
      expect(refs[0].energy_overhead as number).toBeCloseTo(p5, 12);
      expect(runs[0].energy_overhead as number).toBeCloseTo(p5, 12);
      expect(await store.query('SELECT count(*) AS n FROM epochs')).toEqual([{ n: 24 }]);
      expect(await store.query('SELECT count(*) AS n FROM idle_calibrations')).toEqual([{ n: 1 }]);
      expect(await store.query('SELECT count(*) AS n FROM hardware')).toEqual([{ n: 1 }]);
      expect((await store.query('SELECT count(*) AS n FROM experiments'))[0].n).toBeLessThanOrEqual(8);
    } finally {
      store.close();
    }
    const again = await runSpec(tiny, out, { dataDir: dataDir(), resume: true });
    expect(again.events.at(-1).summary).toMatchObject({ planned: 12, ran: 0, skippedDone: 12 });
  });

  it('stops cleanly after the current run on Ctrl-C (exit 130) and resumes', async () => {
    const out = join(tmp(), 'r.duckdb');
    const stop = new AbortController();
    const dir = tmp();
    writeFileSync(join(dir, 's.json'), JSON.stringify(tiny));
    const stdout = { write: (t: string) => { if (t.includes('"type":"run"')) stop.abort(); } };
    expect(await sweepCommand({ spec: join(dir, 's.json'), out, json: true, dataDir: dataDir() }, { stdout, stderr: sink(), stop: stop.signal })).toBe(130);
    const { events } = await runSpec(tiny, out, { dataDir: dataDir() });
    expect(events.at(-1).summary).toMatchObject({ ran: 11, skippedDone: 1 });
  });

  it('--until-ci repeats up to the cap and says so, in the events, the summary and the store, when the target is missed', async () => {
    const out = join(tmp(), 'r.duckdb');
    const spec = { ...tiny, shapes: ['rectangle'], sizes: [256], tilings: ['default'] };
    // A counter of unlimited resolution, so only the interval and the cap decide (a real RAPL step could stop it early).
    const real = await defaultBackends();
    const backends: Backends = { ...real, openMeters: async (device, o) => ({ ...(await real.openMeters(device, o)), resolution: 0 }) };
    const { events } = await runSpec(spec, out, { dataDir: dataDir(), untilCi: '0.0001%', maxRepetitions: '4' }, { backends });
    const runs = events.filter((e) => e.type === 'run' && e.run.role === 'run');
    expect(runs).toHaveLength(4); // an impossible target: the cap
    const ci = events.filter((e) => e.type === 'ci');
    expect(ci).toHaveLength(1);
    expect(ci[0].outcome).toMatchObject({ reason: 'cap', repetitions: 4, target: 0.000001, dataset: '529_pollen', shape: 'rectangle', size: 256, tiling: 'default' });
    expect(ci[0].outcome.halfWidth).toBeGreaterThan(0.000001);
    // The ci event follows the configuration's last run.
    expect(events.findIndex((e) => e.type === 'ci')).toBe(events.indexOf(runs[3]) + 1);
    const summary = events.at(-1).summary;
    expect(summary.ci).toMatchObject({ target: 0.000001, converged: 0, limitedByResolution: 0, missed: [ci[0].outcome] });
    const store = await ResultStore.open(out);
    try {
      const rows = await store.query(`SELECT ci_target_missed, ci_half_width, ci_limited_by_resolution FROM runs WHERE role = 'run'`);
      expect(rows).toHaveLength(4);
      for (const r of rows) expect(r).toEqual({ ci_target_missed: true, ci_half_width: ci[0].outcome.halfWidth, ci_limited_by_resolution: false });
      expect(await store.query(`SELECT count(*) AS n FROM runs WHERE ci_half_width IS NOT NULL AND role <> 'run'`)).toEqual([{ n: 0 }]);
    } finally {
      store.close();
    }
  });

  it('prints each configuration\'s CI outcome, and the missed ones again at the end', () => {
    const stdout = sink();
    const report = humanReporter(stdout, sink());
    const base = { experimentId: 'e', dataset: '529_pollen', shape: 'rectangle', size: 256, depth: 3, device: 'cpu', tiling: 'default', target: 0.02 } as const;
    const missed: CiOutcome = { ...base, repetitions: 4, reason: 'cap', halfWidth: 0.352 };
    report({ type: 'ci', outcome: { ...base, repetitions: 3, reason: 'converged', halfWidth: 0.012 } });
    report({ type: 'ci', outcome: missed });
    const summary: SweepSummary = { sweep: 'ci', store: 'r.duckdb', planned: 8, ran: 7, skippedDone: 0, skippedOther: 1, stopped: false, seconds: 3, synthetic: [], syntheticMode: 'auto', ci: { target: 0.02, converged: 1, limitedByResolution: 0, missed: [missed] } };
    report({ type: 'end', summary });
    const text = stdout.lines.join('');
    expect(text).toContain('CI 529_pollen rectangle size=256 depth=3 tiling=default: 95% CI ±1.2% within ±2.0% after 3 repetitions\n');
    expect(text).toContain('CI 529_pollen rectangle size=256 depth=3 tiling=default: target ±2.0% MISSED: ±35.2% after 4 repetitions, the --max-repetitions cap (raise it or widen --until-ci)\n');
    expect(text).toContain('Done: 7 runs in 3s, 0 already stored, 1 skipped.\n--until-ci ±2.0%: 1 of 2 configurations reached it, 1 missed it at the cap.\n  missed: 529_pollen rectangle size=256 depth=3 tiling=default ±35.2% after 4 repetitions\n');
  });

  it('decides by the 95% t interval, the cap and the counter resolution', () => {
    const rule = { target: 0.02, min: 3, max: 10 };
    expect(repeatDecision([1, 1.01], rule)).toEqual({ repeat: true }); // below min
    expect(repeatDecision([1, 1.001, 0.999], rule)).toMatchObject({ repeat: false, reason: 'converged' });
    expect(repeatDecision([1, 2, 3], rule)).toEqual({ repeat: true });
    expect(repeatDecision(Array.from({ length: 10 }, (_, i) => 1 + (i % 2)), rule)).toMatchObject({ repeat: false, reason: 'cap' });
    // A counter step of 0.05 J/datum against a 1 J/datum mean cannot give ±2%: stop instead of burning the cap.
    expect(repeatDecision([1, 2, 3], rule, 0.05)).toMatchObject({ repeat: false, reason: 'resolution' });
    // t(2) = 4.303: values 1, 2, 3 → mean 2, sd 1 → half-width 4.303 / √3 / 2.
    expect(relativeCiHalfWidth([1, 2, 3])).toBeCloseTo(4.303 / Math.sqrt(3) / 2, 6);
  });
});

describe('kill -9 mid-sweep, then rerun', () => {
  it('loses nothing, duplicates nothing (runs, epochs, power traces), and the store stays readable', async () => {
    const dir = tmp();
    const out = join(dir, 'r.duckdb');
    const spec = { ...tiny, shapes: ['rectangle', 'trapezoid', 'exponential'], sizes: [256, 1024, 4096] };
    writeFileSync(join(dir, 's.json'), JSON.stringify(spec));
    const data = dataDir();
    const root = resolve(import.meta.dirname, '..');
    const child = spawn(process.execPath, [join(root, 'node_modules/vite-node/vite-node.mjs'), join(root, 'lib/cli/main.ts'), '--', 'sweep',
      '--spec', join(dir, 's.json'), '--out', out, '--json', '--data-dir', data, '--trace-hz', '1000'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = 0;
    let stderr = '';
    child.stderr.on('data', (b) => { stderr += b; });
    await new Promise<void>((done, fail) => {
      child.stdout.on('data', (b: Buffer) => {
        seen += (b.toString().match(/"type":"run"/g) ?? []).length;
        if (seen >= 6 && child.exitCode === null) child.kill('SIGKILL');
      });
      child.on('exit', () => done());
      child.on('error', fail);
    });
    expect(child.signalCode, stderr).toBe('SIGKILL');
    const { code, events } = await runSpec(spec, out, { dataDir: data, traceHz: '1000' });
    expect(code).toBe(0);
    const summary = events.at(-1).summary;
    expect(summary.skippedDone).toBeGreaterThanOrEqual(6);
    expect(summary.skippedDone + summary.ran).toBe(summary.planned);
    const store = await ResultStore.open(out);
    try {
      const [c] = await store.query('SELECT count(*) AS n, count(DISTINCT run_id) AS d FROM runs');
      expect(c).toEqual({ n: summary.planned, d: summary.planned });
      // Every stored run has all its epochs: a run is written whole or not at all.
      const partial = await store.query('SELECT r.run_id FROM runs r LEFT JOIN epochs e USING (run_id) GROUP BY r.run_id, r.epochs HAVING count(e.epoch) <> r.epochs');
      expect(partial).toEqual([]);
      // Each run's trace is written with it: exactly the samples that run recorded, none twice, none orphaned.
      const traced = await store.query(`SELECT r.run_id, any_value(json_extract(r.run_data, '$.trace.samples')::INTEGER) AS samples,
          count(p.t) AS n, count(DISTINCT p.t) AS times, count(DISTINCT p.domain) AS domains
        FROM runs r LEFT JOIN power_traces p USING (run_id) GROUP BY r.run_id`);
      expect(traced).toHaveLength(summary.planned);
      for (const t of traced) {
        expect(t.times, String(t.run_id)).toBe(t.samples);
        expect(t.n).toBe((t.times as number) * (t.domains as number)); // one row per sample and domain
      }
      expect(traced.reduce((n, t) => n + (t.n as number), 0)).toBeGreaterThan(0);
      expect(await store.query('SELECT count(*) AS n FROM power_traces WHERE run_id NOT IN (SELECT run_id FROM runs)')).toEqual([{ n: 0 }]);
    } finally {
      store.close();
    }
  });
});
