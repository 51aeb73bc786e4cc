import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { assignShards, parseShard, selectShard } from '../lib/cluster/shard.js';
import { arraySpec, sbatchScript, shellQuote } from '../lib/cluster/sbatch.js';
import { parseConfig, parseSacct, parseSbatchJobId, parseSqueue } from '../lib/cluster/slurm-commands.js';
import { mergeStores, type ShardInput } from '../lib/cluster/merge.js';

const tmp = mkdtempSync(join(tmpdir(), 'mlpe-cluster-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A seeded shuffle (mulberry32) so "stable under reordering" is checked on many orders, reproducibly. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const runs = Array.from({ length: 103 }, (_, i) => ({ runId: `r${(i * 7919) % 1009}`, size: 2 ** (10 + (i % 8)) }));

describe('sharding: inputs that must be rejected', () => {
  it('rejects malformed and out-of-range shard specs with the expected form', () => {
    for (const bad of ['', '1', '1/0', '2/2', '-1/3', 'a/b', '1/2/3', 3]) expect(() => parseShard(bad)).toThrow(/shard/);
    expect(() => parseShard('4/4')).toThrow(/between 0 and 3/);
  });
  it('rejects duplicate or missing run ids and non-positive costs', () => {
    expect(() => assignShards([{ runId: 'a' }, { runId: 'a' }], 2)).toThrow(/twice/);
    expect(() => assignShards([{ runId: '' }], 2)).toThrow(/runId/);
    expect(() => assignShards([{ runId: 'a' }], 2, { cost: () => 0 })).toThrow(/positive/);
    expect(() => assignShards([{ runId: 'a' }], 0)).toThrow(/shard count/);
  });
});

describe('sharding', () => {
  it('is disjoint and complete for every shard count', () => {
    for (const count of [1, 2, 3, 7, 64, 200]) {
      const shards = assignShards(runs, count);
      expect(shards).toHaveLength(count);
      const all = shards.flat().map((r) => r.runId);
      expect(new Set(all).size).toBe(all.length);
      expect(new Set(all)).toEqual(new Set(runs.map((r) => r.runId)));
    }
  });
  it('is stable under reordering of the plan, with and without cost estimates', () => {
    const cost = (r: { size: number }) => r.size;
    const ids = (s: Array<Array<{ runId: string }>>) => s.map((shard) => shard.map((r) => r.runId));
    for (const seed of [1, 2, 3]) {
      expect(ids(assignShards(shuffled(runs, seed), 5))).toEqual(ids(assignShards(runs, 5)));
      expect(ids(assignShards(shuffled(runs, seed), 5, { cost }))).toEqual(ids(assignShards(runs, 5, { cost })));
    }
  });
  it('each task computes its own shard alone, matching the full deal', () => {
    const full = assignShards(runs, 4);
    for (let i = 0; i < 4; i++) expect(selectShard(shuffled(runs, i), { index: i, count: 4 })).toEqual(full[i]);
  });
  it('balances counts with equal costs and work with unequal ones', () => {
    const sizes = assignShards(runs, 4).map((s) => s.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    const load = assignShards(runs, 4, { cost: (r) => r.size }).map((s) => s.reduce((n, r) => n + r.size, 0));
    const total = runs.reduce((n, r) => n + r.size, 0);
    // LPT's bound: no shard exceeds the mean by more than the largest single run.
    for (const l of load) expect(l).toBeLessThanOrEqual(total / 4 + 2 ** 17);
  });
  it('gives every shard the replicated calibration runs and deals the rest disjointly', () => {
    const withRefs = [...runs, { runId: 'ref-1', size: 8 }, { runId: 'ref-0', size: 8 }];
    const shards = assignShards(shuffled(withRefs, 9), 3, { replicated: (r) => r.runId.startsWith('ref-') });
    for (const shard of shards) expect(shard.slice(0, 2).map((r) => r.runId)).toEqual(['ref-0', 'ref-1']);
    const dealt = shards.flatMap((s) => s.slice(2).map((r) => r.runId));
    expect(dealt.sort()).toEqual(runs.map((r) => r.runId).sort());
  });
  it('leaves shards empty rather than failing when there are more shards than runs', () => {
    const shards = assignShards(runs.slice(0, 3), 5);
    expect(shards.map((s) => s.length)).toEqual([1, 1, 1, 0, 0]);
  });
});

describe('sbatch script', () => {
  const target = { launcher: "'/usr/bin/node' /opt/mlp/main.js", planFile: '/jobs/a b/plan.json', dir: '/jobs/x', logDir: '/jobs/x/logs' };
  it('rejects options Slurm would misread, naming the option', () => {
    expect(() => sbatchScript({ shards: 0 }, target)).toThrow(/--array/);
    expect(() => sbatchScript({ shards: 2, time: 'soon' }, target)).toThrow(/--time/);
    expect(() => sbatchScript({ shards: 2, partition: 'a b' }, target)).toThrow(/--partition/);
    expect(() => sbatchScript({ shards: 2, gres: 'gpu;rm' }, target)).toThrow(/--gres/);
    expect(() => sbatchScript({ shards: 2 }, { ...target, logDir: '/a b/logs' })).toThrow(/whitespace/);
  });
  it('writes one array task per shard running the sharded sweep', () => {
    const script = sbatchScript(
      { shards: 4, partition: 'cpu', time: '1-02:00:00', gres: 'gpu:1', account: 'energy', exclusive: true },
      target,
    );
    const directives = script.split('\n').filter((l) => l.startsWith('#SBATCH'));
    expect(directives).toEqual([
      '#SBATCH --job-name=mlp-energy',
      '#SBATCH --array=0-3',
      '#SBATCH --nodes=1',
      '#SBATCH --ntasks=1',
      '#SBATCH --output=/jobs/x/logs/shard-%a.log',
      '#SBATCH --partition=cpu',
      '#SBATCH --account=energy',
      '#SBATCH --time=1-02:00:00',
      '#SBATCH --gres=gpu:1',
      '#SBATCH --exclusive',
    ]);
    expect(script).toContain(`exec '/usr/bin/node' /opt/mlp/main.js sweep --plan '/jobs/a b/plan.json' --shard "$shard/4" --out "/jobs/x/shard-$shard.duckdb"`);
    expect(sbatchScript({ shards: 2 }, target)).toMatch(/without --exclusive/);
  });
  it('quotes shell words and compresses array task lists', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('/plain/path.json')).toBe('/plain/path.json');
    expect(arraySpec([5, 0, 1, 2, 7, 8])).toBe('0-2,5,7-8');
  });
});

describe('Slurm client output', () => {
  it('parses sbatch, squeue, sacct and scontrol output', () => {
    expect(parseSbatchJobId('42;cluster\n')).toBe('42');
    expect(() => parseSbatchJobId('sbatch: error')).toThrow(/job id/);
    expect(parseSqueue('7|0|RUNNING|node1\n7|1|PENDING|\n9|N/A|RUNNING|node2\n')).toEqual([
      { jobId: '7', taskId: 0, state: 'RUNNING', nodes: 'node1' },
      { jobId: '7', taskId: 1, state: 'PENDING', nodes: '' },
    ]);
    const sacct = '7_0|COMPLETED|node1|61|5230\n7_1|CANCELLED by 0|node2|3|\n7|COMPLETED|node1|61|5230\n';
    expect(parseSacct(sacct, true)).toEqual([
      { jobId: '7', taskId: 0, state: 'COMPLETED', nodes: 'node1', elapsed_s: 61, consumed_energy_j: 5230 },
      { jobId: '7', taskId: 1, state: 'CANCELLED', nodes: 'node2', elapsed_s: 3, consumed_energy_j: null },
    ]);
    // Without an energy plugin Slurm prints 0, which is "not measured", not zero joules.
    expect(parseSacct('7_0|COMPLETED|node1|61|0\n', false)[0].consumed_energy_j).toBeNull();
    expect(parseConfig('AcctGatherEnergyType    = acct_gather_energy/rapl\nX=1').get('AcctGatherEnergyType')).toBe('acct_gather_energy/rapl');
  });
});

describe('merge of shard stores', () => {
  /** A shard store in the store's shape: run-keyed tables plus a node-level table without run_id. */
  async function shardStore(file: string, runIds: string[], host: string) {
    const instance = await DuckDBInstance.create(file);
    const db = await instance.connect();
    await db.run('CREATE TABLE runs (run_id VARCHAR PRIMARY KEY, size INTEGER, energy_j DOUBLE, host VARCHAR)');
    await db.run('CREATE TABLE epochs (run_id VARCHAR, epoch INTEGER, loss DOUBLE)');
    await db.run('CREATE TABLE hardware (host VARCHAR PRIMARY KEY, l2_bytes BIGINT, recorded_at DOUBLE DEFAULT random())');
    await db.run(`INSERT INTO hardware (host, l2_bytes) VALUES ('${host}', 1048576)`);
    // A table with neither run_id nor key merges as a set of rows.
    await db.run('CREATE TABLE notes (host VARCHAR, note VARCHAR)');
    await db.run(`INSERT INTO notes VALUES ('${host}', 'calibrated')`);
    for (const id of runIds) {
      await db.run(`INSERT INTO runs VALUES ('${id}', ${id.length}, 1.5, '${host}')`);
      await db.run(`INSERT INTO epochs VALUES ('${id}', 0, 0.9), ('${id}', 1, 0.5)`);
    }
    db.closeSync();
    instance.closeSync();
  }
  async function snapshot(file: string) {
    const instance = await DuckDBInstance.create(file);
    const db = await instance.connect();
    const read = async (sql: string) => (await db.runAndReadAll(sql)).getRowObjectsJS();
    const state = {
      runs: await read('SELECT * FROM runs ORDER BY run_id'),
      epochs: await read('SELECT * FROM epochs ORDER BY run_id, epoch'),
      hardware: await read('SELECT * FROM hardware ORDER BY host'),
      notes: await read('SELECT * FROM notes ORDER BY host'),
    };
    db.closeSync();
    instance.closeSync();
    return state;
  }

  it('merges complete shards, and merging again changes nothing', async () => {
    const plan = ['a1', 'b22', 'c333', 'd4', 'e55'].map((runId) => ({ runId }));
    const shards = assignShards(plan, 2).map((s) => s.map((r) => r.runId));
    const inputs: ShardInput[] = shards.map((planned, index) => ({ index, file: join(tmp, `m1-shard-${index}.duckdb`), planned }));
    for (const input of inputs) await shardStore(input.file, [...input.planned], `node${input.index}`);
    const out = join(tmp, 'm1.duckdb');
    const first = await mergeStores(out, inputs);
    expect(first).toMatchObject({ planned: 5, done: 5, merged: 5, complete: true });
    const once = await snapshot(out);
    expect(once.runs.map((r) => r.run_id)).toEqual(['a1', 'b22', 'c333', 'd4', 'e55']);
    expect(once.epochs).toHaveLength(10);
    expect(once.hardware.map((h) => h.host)).toEqual(['node0', 'node1']);
    expect(once.notes).toHaveLength(2);
    const second = await mergeStores(out, inputs);
    expect(second).toMatchObject({ planned: 5, done: 5, merged: 0, complete: true });
    expect(await snapshot(out)).toEqual(once);
  });

  it('refuses an existing .csv as the merged store, which DuckDB would hold in memory only', async () => {
    const input: ShardInput = { index: 0, file: join(tmp, 'm5-shard-0.duckdb'), planned: ['a'] };
    await shardStore(input.file, ['a'], 'n0');
    const out = join(tmp, 'm5.csv');
    writeFileSync(out, 'a,b\n');
    await expect(mergeStores(out, [input])).rejects.toMatchObject({ code: 'STORE_ERROR', message: expect.stringMatching(/is not a results store/) });
    expect(readFileSync(out, 'utf8')).toBe('a,b\n');
  });

  it('reports missing and partial shards with the runs still to do, and picks them up later', async () => {
    const inputs: ShardInput[] = [
      { index: 0, file: join(tmp, 'm2-shard-0.duckdb'), planned: ['a', 'b'] },
      { index: 1, file: join(tmp, 'm2-shard-1.duckdb'), planned: ['c', 'd'] },
      { index: 2, file: join(tmp, 'm2-shard-2.duckdb'), planned: ['e'] },
    ];
    await shardStore(inputs[0].file, ['a', 'b'], 'n0');
    await shardStore(inputs[1].file, ['c', 'zz-foreign'], 'n1');
    const out = join(tmp, 'm2.duckdb');
    const report = await mergeStores(out, inputs);
    expect(report.complete).toBe(false);
    expect(report.shards.map((s) => [s.state, s.missing, s.foreign])).toEqual([
      ['complete', [], 0],
      ['partial', ['d'], 1],
      ['absent', ['e'], 0],
    ]);
    expect((await snapshot(out)).runs.map((r) => r.run_id)).toEqual(['a', 'b', 'c']);

    // The resubmitted tasks finish their shards (resume keeps c); merging again adds only d and e.
    rmSync(inputs[1].file);
    await shardStore(inputs[1].file, ['c', 'd'], 'n1');
    await shardStore(inputs[2].file, ['e'], 'n2');
    const again = await mergeStores(out, inputs);
    expect(again).toMatchObject({ done: 5, merged: 2, complete: true });
    const state = await snapshot(out);
    expect(state.runs.map((r) => r.run_id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(state.epochs).toHaveLength(10);
    expect(state.hardware.map((h) => h.host)).toEqual(['n0', 'n1', 'n2']);
    expect(state.notes).toHaveLength(3);
  });

  it('reports a store it cannot read instead of failing the merge', async () => {
    const file = join(tmp, 'm3-shard-0.duckdb');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'not a database');
    const report = await mergeStores(join(tmp, 'm3.duckdb'), [{ index: 0, file, planned: ['a'] }]);
    expect(report.shards[0]).toMatchObject({ state: 'unreadable', missing: ['a'] });
    expect(report.shards[0].reason).toBeTruthy();
  });
});
