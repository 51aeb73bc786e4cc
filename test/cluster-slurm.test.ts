/**
 * Acceptance: a real one-node Slurm on localhost runs a tiny sweep as a 2-task job array; the merged store must
 * equal a single-machine run of the same plan in run count and configuration. Skips, saying why, only when the
 * Slurm daemons cannot start here (not root, packages absent, daemons failing).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slurmCommand } from '../lib/cli/commands/slurm.js';
import { sweepCommand } from '../lib/cli/commands/sweep.js';
import { loadJob, mergeJob, statusOfJob } from '../lib/cluster/job.js';
import { shellQuote } from '../lib/cluster/sbatch.js';
import type { JobStatus } from '../lib/cluster/status.js';
import { localSlurmUnsupported, startLocalSlurm, type LocalSlurm } from './cluster-local-slurm.js';

const root = resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'mlpe-slurm-acceptance-'));
const savedConf = process.env.SLURM_CONF;

/** The smallest sweep with every kind of run: one overhead reference (per node) and four measured runs. */
const TINY = {
  name: 'slurm-tiny',
  datasets: ['wine_quality_white'],
  shapes: ['rectangle', 'trapezoid'],
  sizes: [256, 1024],
  depths: [2],
  epochs: 1,
  repetitions: 1,
  idleSeconds: 1,
  overhead: { sizes: [128], repetitions: 1 },
};

/** Configuration columns: what must agree between the merged and the single-machine store (not energies, times). */
const CONFIG = `run_id, experiment_id, role, repetition, seed, dataset, synthetic, shape, size, depth, widths,
  num_free_parameters, learning_rate, batch_size, epochs, device, tiling_name`;

async function query(file: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const db = await instance.connect();
  try {
    return (await db.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForShards(dir: string, timeoutMs: number): Promise<JobStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await statusOfJob(dir);
    const settled = status.shards.every((s) => s.state !== 'running' && s.state !== 'pending');
    if (settled || Date.now() > deadline) return status;
    await sleep(1000);
  }
}

const logs = (dir: string, shards: number) =>
  Array.from({ length: shards }, (_, i) => join(dir, 'logs', `shard-${i}.log`))
    .map((f) => `--- ${f}\n${existsSync(f) ? readFileSync(f, 'utf8').slice(-3000) : '(absent)'}`)
    .join('\n');

describe('scale-out on a real one-node Slurm', () => {
  let slurm: LocalSlurm | null = null;
  let skipReason = localSlurmUnsupported();

  beforeAll(async () => {
    if (skipReason) return;
    try {
      slurm = await startLocalSlurm();
      process.env.SLURM_CONF = slurm.env.SLURM_CONF;
    } catch (error) {
      skipReason = `the local Slurm daemons could not start: ${(error as Error).message}`;
    }
  });
  afterAll(async () => {
    await slurm?.stop();
    if (savedConf === undefined) delete process.env.SLURM_CONF;
    else process.env.SLURM_CONF = savedConf;
    rmSync(tmp, { recursive: true, force: true });
  });

  it('runs a 2-task array of a tiny sweep, merges it idempotently, and matches a single-machine run', async (ctx) => {
    if (!slurm) {
      console.warn(`Skipping the Slurm acceptance test: ${skipReason}`);
      ctx.skip();
      return;
    }
    const specFile = join(tmp, 'tiny.json');
    writeFileSync(specFile, JSON.stringify(TINY));
    const dir = join(tmp, 'job');
    // Compute nodes run this checkout's TypeScript sources, as the tests do.
    const launcher = [process.execPath, join(root, 'node_modules', 'vite-node', 'vite-node.mjs'), join(root, 'lib', 'cli', 'main.ts'), '--']
      .map(shellQuote)
      .join(' ');
    const prepared = await slurmCommand({ spec: specFile, array: 2, dir, launcher, exclusive: false, submit: true });
    expect(prepared.mode).toBe('prepare');
    if (prepared.mode !== 'prepare') return;
    expect(prepared.submission?.job_id).toMatch(/^\d+$/);

    // The single-machine run of the same spec, while the array runs.
    const single = join(tmp, 'single.duckdb');
    const quiet = { write: () => true };
    const singleRun = sweepCommand({ spec: specFile, out: single, json: true }, { stdout: quiet, stderr: quiet });

    const status = await waitForShards(dir, 240_000);
    expect(status.shards.map((s) => s.state), logs(dir, 2)).toEqual(['done', 'done']);
    expect(await singleRun).toBe(0);

    const merged = join(tmp, 'merged.duckdb');
    const first = await mergeJob(dir, merged);
    const plan = loadJob(dir).plan;
    expect(first).toMatchObject({ complete: true, planned: plan.runs.length, done: plan.runs.length, merged: plan.runs.length });
    const runsOnce = await query(merged, `SELECT ${CONFIG}, host_name, energy FROM runs ORDER BY run_id`);
    const again = await mergeJob(dir, merged);
    expect(again).toMatchObject({ complete: true, merged: 0 });
    expect(await query(merged, `SELECT ${CONFIG}, host_name, energy FROM runs ORDER BY run_id`)).toEqual(runsOnce);

    // Same runs, same configuration as on one machine.
    const configOf = (file: string) => query(file, `SELECT ${CONFIG} FROM runs ORDER BY run_id`);
    expect(await configOf(merged)).toEqual(await configOf(single));
    expect(runsOnce).toHaveLength(plan.runs.length);
    // Each run records its node, and the node's hardware is stored.
    for (const run of runsOnce) expect(run.host_name).toBe(hostname());
    expect((await query(merged, 'SELECT DISTINCT host_name FROM hardware')).map((h) => h.host_name)).toEqual([hostname()]);
  }, 300_000);
});
