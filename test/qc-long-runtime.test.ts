import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { runsFromStore } from '../lib/model/from-store.js';
import { importButterE } from '../lib/store/butter-e.js';
import { LONG_RUNTIME_S } from '../lib/store/schema.js';
import { ResultStore } from '../lib/store/store.js';
import { estimateOverhead, isLongRuntime, normaliseRun } from '../lib/sweep/normalise.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mlpe-qc-'));

/** A measured run row with what the QC, the experiments view and the model reader look at. */
function run(id: string, experiment: string, runTime: number, energy: number) {
  const norm = normaliseRun({ energy, runTime, idlePower: 0, overhead: null, epochs: 10, nTrain: 800, batchSize: 256 });
  return {
    run_id: id, experiment_id: experiment, sweep: 't', source: 'mlp-energy', role: 'run', repetition: 0, dataset: '529_pollen',
    shape: 'rectangle', size: 1024, depth: 3, widths: [30, 30, 1], num_free_parameters: 1000, n_inputs: 4, n_observations: 1000,
    batch_size: 256, epochs: 10, is_gpu: false, device: 'cpu', run_time: runTime, energy, estimated: false, flops_per_epoch: 1e6, ...norm,
  };
}

describe('normaliseRun and estimateOverhead reject bad input', () => {
  const bad = (message: RegExp) => expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(message) });
  const input = { energy: 100, runTime: 10, idlePower: 5, overhead: null, epochs: 2, nTrain: 1000, batchSize: 256 };
  it('names the field instead of returning NaN or Infinity', () => {
    expect(() => normaliseRun(null as never)).toThrow(bad(/for normaliseRun input but received null/));
    expect(() => normaliseRun({ ...input, epochs: 0 })).toThrow(bad(/for epochs but received 0/));
    expect(() => normaliseRun({ ...input, batchSize: 0 })).toThrow(bad(/for batchSize but received 0/));
    expect(() => normaliseRun({ ...input, nTrain: -5 })).toThrow(bad(/for nTrain but received -5/));
    expect(() => normaliseRun({ ...input, energy: NaN })).toThrow(bad(/for energy but received NaN/));
    expect(() => normaliseRun({ ...input, energy: '5' as never })).toThrow(bad(/for energy but received "5"/));
    expect(() => normaliseRun({ ...input, runTime: undefined as never })).toThrow(bad(/for runTime but received undefined/));
    expect(() => normaliseRun({ ...input, overhead: { energy: 'x' } as never })).toThrow(bad(/for overhead\.energy but received "x"/));
    // An unmeasured run (energy null) is still normalised to nulls and flagged.
    expect(normaliseRun({ ...input, energy: null })).toMatchObject({ std_energy: null, filter_zero_energy: true, num_training_batches_per_epoch: 4 });
  });
  it('estimateOverhead names a malformed reference; unmeasured ones are still skipped', () => {
    expect(() => estimateOverhead(null as never)).toThrow(bad(/for references but received null/));
    expect(() => estimateOverhead([null as never])).toThrow(bad(/for references\[0\] but received null/));
    expect(() => estimateOverhead([{ std_energy: 1, run_time: 2 } as never])).toThrow(bad(/a number or null for references\[0\]\.stdEnergy but received undefined/));
    expect(estimateOverhead([{ stdEnergy: null as never, runTime: 3 }, { stdEnergy: 4, runTime: 2 }])).toEqual({ energy: 4, runtime: 2, runs: 1 });
  });
});

describe('BUTTER-E filter_1 ("long runtimes", 2_qc.ipynb): run_time > 75,000 s', () => {
  it('is strict at the threshold and flags the run it normalises', () => {
    expect(LONG_RUNTIME_S).toBe(75_000);
    expect(isLongRuntime(75_000)).toBe(false);
    expect(isLongRuntime(75_000.5)).toBe(true);
    expect(isLongRuntime(null)).toBe(false);
    expect(run('a', 'e', 80_000, 1e6).filter_long_runtime).toBe(true);
    expect(run('b', 'e', 100, 1e3).filter_long_runtime).toBe(false);
  });

  it('keeps flagged reference runs out of the overhead, as the study filtered before standardising', () => {
    const refs = [{ stdEnergy: 10, runTime: 5 }, { stdEnergy: 12, runTime: 6 }, { stdEnergy: 1, runTime: 90_000 }];
    expect(estimateOverhead(refs)).toEqual({ energy: 10 + 0.05 * 2, runtime: 5 + 0.05, runs: 2 });
  });

  it('is stored, refreshed with the QC, and left out of the experiments medians and the model input', async () => {
    const store = await ResultStore.open(join(tmp(), 'r.duckdb'));
    try {
      // Two repetitions of one experiment: the long one would drag the median up tenfold.
      await store.writeRun(run('short', 'e1', 1000, 2e5));
      await store.writeRun({ ...run('long', 'e1', 80_000, 2e7), filter_long_runtime: false }); // stale flag: the refresh fixes it
      await store.refreshQc();
      const flags = await store.query('SELECT run_id, filter_long_runtime FROM runs ORDER BY run_id');
      expect(flags).toEqual([{ run_id: 'long', filter_long_runtime: true }, { run_id: 'short', filter_long_runtime: false }]);
      const [experiment] = await store.query('SELECT num_runs, energy FROM experiments');
      expect(experiment).toEqual({ num_runs: 1, energy: 2e5 });
      const fitInput = await runsFromStore(store);
      expect(fitInput.map((r) => r.run_id)).toEqual(['short']);
    } finally {
      store.close();
    }
  });

  it('comes in with BUTTER-E imports: the published filter_1 column, or run_time where the file has none', async () => {
    const dir = tmp();
    const head = 'run_id,experiment_id,start_time,update_time,host_name,size,depth,shape,dataset,learning_rate,batch_size,optimizer,is_gpu,energy,run_time,non_overhead_energy';
    writeFileSync(join(dir, 'with.csv'), `${head},filter_1\n`
      + 'p1,e1,2022-10-01 10:00:00Z,2022-10-02 10:00:00Z,n1,1024,3,rectangle,529_pollen,0.0001,256,Adam,False,8.0,86400,28786000,True\n'
      + 'p2,e1,2022-10-01 10:00:00Z,2022-10-01 11:00:00Z,n1,1024,3,rectangle,529_pollen,0.0001,256,Adam,False,0.33,3600,1174000,False\n');
    writeFileSync(join(dir, 'without.csv'), `${head}\n`
      + 'q1,e2,2022-10-01 10:00:00Z,2022-10-02 10:00:00Z,n2,2048,3,rectangle,529_pollen,0.0001,256,Adam,False,8.0,86400,28786000\n'
      + 'q2,e2,2022-10-01 10:00:00Z,2022-10-01 11:00:00Z,n2,2048,3,rectangle,529_pollen,0.0001,256,Adam,False,0.33,3600,1174000\n');
    const store = await ResultStore.open(join(dir, 'r.duckdb'));
    try {
      await importButterE(store, join(dir, 'with.csv'));
      await importButterE(store, join(dir, 'without.csv'));
      const flags = await store.query('SELECT run_id, filter_long_runtime FROM runs ORDER BY run_id');
      expect(flags).toEqual([
        { run_id: 'butter-e:p1', filter_long_runtime: true }, { run_id: 'butter-e:p2', filter_long_runtime: false },
        { run_id: 'butter-e:q1', filter_long_runtime: true }, { run_id: 'butter-e:q2', filter_long_runtime: false },
      ]);
      const [count] = await store.query('SELECT sum(num_runs) AS n FROM experiments');
      expect(count.n).toBe(2);
      expect((await runsFromStore(store)).map((r) => r.run_id).sort()).toEqual(['butter-e:p2', 'butter-e:q2']);
    } finally {
      store.close();
    }
  });

  it('reaches stores written before the column existed: opening one adds it', async () => {
    const file = join(tmp(), 'old.duckdb');
    const instance = await DuckDBInstance.create(file);
    const db = await instance.connect();
    await db.run('CREATE TABLE runs (run_id VARCHAR PRIMARY KEY, run_time DOUBLE, source VARCHAR, energy DOUBLE)');
    await db.run('CREATE TABLE power_traces (run_id VARCHAR, t DOUBLE, domain VARCHAR, watts DOUBLE)');
    await db.run("INSERT INTO runs VALUES ('old-long', 90000, 'mlp-energy', 5)");
    db.closeSync();
    instance.closeSync();
    const store = await ResultStore.open(file);
    try {
      await store.refreshQc();
      expect(await store.query('SELECT run_id, filter_long_runtime FROM runs')).toEqual([{ run_id: 'old-long', filter_long_runtime: true }]);
      const cols = await store.query("SELECT column_name FROM duckdb_columns() WHERE table_name = 'power_traces' ORDER BY column_index");
      expect(cols.map((c) => c.column_name)).toEqual(['run_id', 't', 'domain', 'watts', 'estimated']);
    } finally {
      store.close();
    }
  });
});
