/**
 * The job directory flow (prepare, submit, status, resubmit, merge with Slurm's energy) against Slurm clients
 * replaced by fixture scripts on PATH: what a cluster with accounting and RAPL energy gathering would print,
 * which the local test Slurm (no slurmdbd) cannot. The real-Slurm path is test/cluster-slurm.test.ts.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadJob, mergeJob, prepareJob, resubmitMissing, statusOfJob, submitJob } from '../lib/cluster/job.js';
import { slurmCommand } from '../lib/cli/commands/slurm.js';
import { sweepPlan } from '../lib/cluster/plan-file.js';
import { makePlan } from '../lib/sweep/plan.js';
import { validateSpec } from '../lib/sweep/spec.js';
import { ResultStore } from '../lib/store/store.js';

const tmp = mkdtempSync(join(tmpdir(), 'mlpe-cluster-job-'));
const bin = join(tmp, 'bin');
const fixtures = join(tmp, 'fixtures');
const savedPath = process.env.PATH;

/** A Slurm client that prints its fixture file and logs its arguments. */
function fakeClient(name: string, body = `cat "${fixtures}/${name}.txt"`) {
  const file = join(bin, name);
  writeFileSync(file, `#!/bin/sh\necho "$@" >> "${fixtures}/${name}.args"\n${body}\n`);
  chmodSync(file, 0o755);
}
const fixture = (name: string, text: string) => writeFileSync(join(fixtures, `${name}.txt`), text);
const calls = (name: string) => (existsSync(join(fixtures, `${name}.args`)) ? readFileSync(join(fixtures, `${name}.args`), 'utf8').trim().split('\n') : []);

beforeAll(() => {
  mkdirSync(bin);
  mkdirSync(fixtures);
  fakeClient('sbatch', `echo "$((4242 + $(wc -l < "${fixtures}/sbatch.args") - 1))"`);
  for (const name of ['squeue', 'sacct', 'scontrol']) fakeClient(name);
  fixture('squeue', '');
  fixture('sacct', '');
  fixture('scontrol', 'AccountingStorageType   = accounting_storage/slurmdbd\nAcctGatherEnergyType    = acct_gather_energy/rapl\n');
  process.env.PATH = `${bin}:${savedPath}`;
});
afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(tmp, { recursive: true, force: true });
});

const plan = makePlan(
  validateSpec({ name: 'fixture', datasets: ['wine_quality_white'], shapes: ['rectangle'], sizes: [256, 512, 1024, 16384], depths: [2], epochs: 1, overhead: { sizes: [128], repetitions: 1 } }),
);
const idOf = (role: string, size: number) => plan.runs.find((r) => r.role === role && r.size === size)!.runId;
/** The plan's runs by letter: c is the costliest, ref the overhead reference every shard runs. */
const ID: Record<string, string> = { ref: idOf('overhead_reference', 128), a: idOf('run', 256), b: idOf('run', 512), d: idOf('run', 1024), c: idOf('run', 16384) };
const ids = (...letters: string[]) => letters.map((l) => ID[l]).sort();

/** A shard store written through the results store, as a task's sweep writes it (same node: same hardware_id). */
async function shardStore(file: string, rows: Array<[string, number]>) {
  const store = await ResultStore.open(file);
  try {
    await store.upsert('hardware', [{ hardware_id: 'hw-node', host_name: 'node', recorded_at: new Date(), cpu_count: 2 }]);
    await store.upsert('idle_calibrations', [{ calibration_id: `idle-${file}`, host_name: 'node', device: 'cpu', idle_power: 3.5 }]);
    for (const [letter, energy] of rows) {
      const id = ID[letter];
      await store.writeRun(
        { run_id: id, experiment_id: id, is_gpu: false, role: letter === 'ref' ? 'overhead_reference' : 'run', source: 'mlp-energy', device: 'cpu', dataset: 'd', size: 1000, run_time: 1, energy, host_name: 'node' },
        [{ epoch: 1, train_loss: 0.5 }],
      );
    }
  } finally {
    store.close();
  }
}

describe('job directory: inputs that must be rejected', () => {
  it('refuses more shards than runs, a reused directory, and a missing plan source', async () => {
    expect(() => prepareJob(plan, join(tmp, 'too-many'), { shards: 6 }, 'mlp-energy')).toThrow(/at most 5 shards/);
    prepareJob(plan, join(tmp, 'reused'), { shards: 2 }, 'mlp-energy');
    expect(() => prepareJob(plan, join(tmp, 'reused'), { shards: 2 }, 'mlp-energy')).toThrow(/already holds a prepared job/);
    await expect(slurmCommand({ dir: join(tmp, 'none') })).rejects.toThrow(/Nothing to do/);
    await expect(slurmCommand({ dir: join(tmp, 'none'), status: true })).rejects.toThrow(/no job.json/);
    await expect(slurmCommand({ dir: join(tmp, 'none'), plan: join(tmp, 'absent.json'), array: 2 })).rejects.toThrow(/does not exist/);
    // A frozen plan runs as it is: --tiling (like --spec or --repetitions) is refused, not silently ignored.
    const never = () => { throw new Error('the spec is not expanded with --plan'); };
    expect(() => sweepPlan({ plan: join(tmp, 'reused', 'plan.json'), tiling: 'tuned' }, never)).toThrow(/--plan runs a frozen plan as it is; drop --tiling/);
  });
});

describe('job directory flow with Slurm accounting', () => {
  const dir = join(tmp, 'job');

  it('prepares a frozen plan and a script, and submits every shard', async () => {
    const job = prepareJob(plan, dir, { shards: 2, exclusive: true, partition: 'cpu' }, 'mlp-energy');
    // c (4000) is the costliest: alone in one shard with the reference run; a, b, d in the other.
    expect(job.planned.map((shard) => [...shard].sort())).toEqual([ids('c', 'ref'), ids('a', 'b', 'd', 'ref')]);
    expect(readFileSync(join(dir, 'job.sbatch'), 'utf8')).toContain(`exec mlp-energy sweep --plan ${dir}/plan.json --shard "$shard/2"`);
    expect(loadJob(dir).planned).toEqual(job.planned);
    const submission = await submitJob(dir);
    expect(submission).toMatchObject({ job_id: '4242', tasks: [0, 1] });
    expect(calls('sbatch')).toEqual([`--parsable ${dir}/job.sbatch`]);
  });

  it('reports each shard from its store, the queue and accounting, and resubmits only the unfinished', async () => {
    await shardStore(join(dir, 'shard-0.duckdb'), [['ref', 1], ['c', 40]]);
    await shardStore(join(dir, 'shard-1.duckdb'), [['ref', 1.2], ['a', 10]]);
    fixture('sacct', '4242_0|COMPLETED|node1|30|95\n4242_1|TIMEOUT|node2|60|180\n');
    const status = await statusOfJob(dir);
    expect(status.shards.map((s) => [s.state, s.done, [...s.missing].sort(), s.slurm_state, s.nodes])).toEqual([
      ['done', 2, [], 'COMPLETED', 'node1'],
      ['failed', 2, ids('b', 'd'), 'TIMEOUT', 'node2'],
    ]);
    const resubmitted = await resubmitMissing(dir);
    expect(resubmitted.shards).toEqual([1]);
    expect(resubmitted.submission?.job_id).toBe('4243');
    expect(calls('sbatch')[1]).toBe(`--parsable --array=1 ${dir}/job.sbatch`);

    // While the resubmitted task runs, status says so and nothing is resubmitted twice.
    fixture('squeue', '4243|1|RUNNING|node3\n');
    const running = await statusOfJob(dir);
    expect(running.shards[1]).toMatchObject({ state: 'running', job_id: '4243', nodes: 'node3', done: null });
    expect((await resubmitMissing(dir)).shards).toEqual([]);
  });

  it('merges, then records sacct ConsumedEnergy beside our energy per task', async () => {
    fixture('squeue', '');
    await shardStore(join(dir, 'shard-1.duckdb'), [['b', 11], ['d', 12]]);
    fixture('sacct', '4242_0|COMPLETED|node1|30|95\n4242_1|TIMEOUT|node2|60|180\n4243_1|COMPLETED|node3|40|120\n');
    const out = join(tmp, 'merged.duckdb');
    // Not into a shard's own store: it read as unreadable and the report advised resubmitting finished work.
    await expect(mergeJob(dir, join(dir, 'shard-1.duckdb'))).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/is shard 1's own store; merge into another file/) });
    const report = await mergeJob(dir, out);
    expect(report).toMatchObject({ planned: 5, done: 5, complete: true });
    expect(report.slurmTasks).toEqual([
      { job_id: '4242', task_id: 0, consumed_energy_j: 95, energy_j: 41, runs: 2 },
      { job_id: '4242', task_id: 1, consumed_energy_j: 180, energy_j: 34, runs: 4 },
      { job_id: '4243', task_id: 1, consumed_energy_j: 120, energy_j: 34, runs: 4 },
    ]);
    await mergeJob(dir, out);
    const instance = await DuckDBInstance.create(out);
    const db = await instance.connect();
    const rows = (await db.runAndReadAll('SELECT job_id, task_id, state, consumed_energy_j, energy_plugin FROM slurm_tasks ORDER BY job_id, task_id')).getRowObjectsJS();
    const runs = (await db.runAndReadAll('SELECT count(*)::INTEGER AS n FROM runs')).getRowObjectsJS();
    const others = (await db.runAndReadAll(`SELECT (SELECT count(*) FROM epochs)::INTEGER AS epochs, (SELECT count(*) FROM hardware)::INTEGER AS hardware,
      (SELECT count(*) FROM idle_calibrations)::INTEGER AS calibrations, (SELECT count(*) FROM experiments)::INTEGER AS experiments`)).getRowObjectsJS();
    db.closeSync();
    instance.closeSync();
    expect(runs).toEqual([{ n: 5 }]);
    // One node: one hardware row; each shard store calibrated once; the store's views exist in the merged file.
    expect(others).toEqual([{ epochs: 5, hardware: 1, calibrations: 2, experiments: 4 }]);
    expect(rows).toEqual([
      { job_id: '4242', task_id: 0, state: 'COMPLETED', consumed_energy_j: 95, energy_plugin: 'acct_gather_energy/rapl' },
      { job_id: '4242', task_id: 1, state: 'TIMEOUT', consumed_energy_j: 180, energy_plugin: 'acct_gather_energy/rapl' },
      { job_id: '4243', task_id: 1, state: 'COMPLETED', consumed_energy_j: 120, energy_plugin: 'acct_gather_energy/rapl' },
    ]);
  });
});
