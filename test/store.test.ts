import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportCommand } from '../lib/cli/commands/export.js';
import { SLURM_TASKS_SQL } from '../lib/cluster/accounting.js';
import { importButterECommand } from '../lib/cli/commands/import-butter-e.js';
import { importButterE } from '../lib/store/butter-e.js';
import { RUN_COLUMNS, TABLES } from '../lib/store/schema.js';
import { ResultStore } from '../lib/store/store.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mlpe-store-'));
const opened: ResultStore[] = [];
async function open(path: string) {
  const s = await ResultStore.open(path);
  opened.push(s);
  return s;
}
afterEach(() => {
  for (const s of opened.splice(0)) { try { s.close(); } catch { /* already closed */ } }
});
const sink = () => { const lines: string[] = []; return { lines, write: (t: string) => { lines.push(t); } }; };

// A few rows in the published layout (reference §8). run_data is JSON with commas, so it is quoted as in the CSV.
const METADATA = `run_id,experiment_id,old_experiment_id,slurm_job_id,start_time,update_time,host_name,size,depth,shape,dataset,learning_rate,batch_size,optimizer,is_gpu,run_data,batch
a1,e1,101,9001,2022-10-01 10:00:00Z,2022-10-01 11:00:00Z,r1i0n1,1024,3,rectangle,529_pollen,0.0001,256,Adam,False,"{""epochs"": 3000, ""note"": ""x""}",energy_2_cpu
a2,e1,101,9002,2022-10-01 12:00:00Z,2022-10-01 13:00:00Z,r1i0n2,1024,3,rectangle,529_pollen,0.0001,256,Adam,False,"{}",energy_2_cpu
a3,e2,102,9003,2022-10-02 10:00:00Z,2022-10-02 10:30:00Z,r103u01,65536,6,trapezoid,connect_4,0.0001,256,Adam,True,"{}",energy_1
`;
// Energies in kWh, as the study's integration produced them; std_energy and overheads already in joules.
const STANDARDIZED = `run_id,experiment_id,old_experiment_id,slurm_job_id,start_time,update_time,host_name,size,depth,shape,dataset,learning_rate,batch_size,optimizer,is_gpu,run_data,batch,energy,run_time,filter_1,filter_2,filter_3,power,std_power,std_energy,energy_overhead,non_overhead_energy,runtime_overhead,non_overhead_runtime
a1,e1,101,9001,2022-10-01 10:00:00Z,2022-10-01 11:00:00Z,r1i0n1,1024,3,rectangle,529_pollen,0.0001,256,Adam,False,"{}",energy_2_cpu,0.33,3600,False,False,False,330,330,1188000,14028.7,1173971.3,52.9,3547.1
a3,e2,102,9003,2022-10-02 10:00:00Z,2022-10-02 10:30:00Z,r103u01,65536,6,trapezoid,connect_4,0.0001,256,Adam,True,"{}",energy_1,0.21,1800,False,False,True,420,420,756000,271560.2,484439.8,656.4,1143.6
`;

describe('store: bad input first', () => {
  it('refuses unknown columns and rows without a run id, leaving nothing half-written', async () => {
    const s = await open(join(tmp(), 'r.duckdb'));
    await expect(s.writeRun({ run_id: 'x', bogus: 1 })).rejects.toThrow(/Unknown column "bogus" for table runs/);
    await expect(s.writeRun({ energy: 1 })).rejects.toThrow(/needs a non-empty string run_id/);
    await expect(s.writeRun({ run_id: 'y' }, [{ epoch: 1, nope: 2 }])).rejects.toThrow(/Unknown column "nope" for table epochs/);
    expect(await s.query('SELECT count(*) AS n FROM runs')).toEqual([{ n: 0 }]);
  });
  it('names a path that is not a string', async () => {
    await expect(ResultStore.open(5 as never)).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/a results store file path for path/) });
  });
  it('refuses an existing data file DuckDB would open in memory, where every write would be lost', async () => {
    const dir = tmp();
    for (const name of ['runs.csv', 'spec.json', 'out.parquet']) {
      writeFileSync(join(dir, name), 'a,b\n1,2\n');
      await expect(ResultStore.open(join(dir, name))).rejects.toThrow(
        expect.objectContaining({ code: 'STORE_ERROR', message: expect.stringMatching(/is not a results store .*Pass a \.duckdb file/) }),
      );
      expect(readFileSync(join(dir, name), 'utf8')).toBe('a,b\n1,2\n');
    }
    const fresh = await open(join(dir, 'new.json')); // a new path is a file-backed store whatever its name
    await fresh.writeRun({ run_id: 'kept' });
    fresh.close();
    const again = await open(join(dir, 'new.json'));
    expect(await again.query('SELECT run_id FROM runs')).toEqual([{ run_id: 'kept' }]);
  });
  it('import-butter-e names the file and the missing columns', async () => {
    const dir = tmp();
    const s = await open(join(dir, 'r.duckdb'));
    writeFileSync(join(dir, 'other.csv'), 'a,b\n1,2\n');
    await expect(importButterE(s, join(dir, 'other.csv'))).rejects.toThrow(/other\.csv:1: missing BUTTER-E column\(s\) run_id, experiment_id, size/);
    await expect(importButterE(s, join(dir, 'absent.csv'))).rejects.toThrow(/No such file: .*absent\.csv\. Download/);
  });
  it('export names a --parquet path that is a file, not a folder', async () => {
    const dir = tmp();
    (await open(join(dir, 'r.duckdb'))).close();
    writeFileSync(join(dir, 'taken'), '');
    await expect(exportCommand({ parquet: join(dir, 'taken'), from: join(dir, 'r.duckdb') }, { stdout: sink() })).rejects.toMatchObject({
      code: 'INVALID_OPTION', message: expect.stringMatching(/Cannot write .*taken \(--parquet\): EEXIST.*Choose another path for --parquet/),
    });
  });
  it('export needs a destination and an existing store', async () => {
    await expect(exportCommand({}, { stdout: sink() })).rejects.toThrow(/give --parquet DIR/);
    await expect(exportCommand({ parquet: tmp(), from: join(tmp(), 'none.duckdb') }, { stdout: sink() })).rejects.toThrow(/No results store at .*none\.duckdb\. Run `mlp-energy sweep` first/);
  });
});

describe('store: schema, idempotent writes, Parquet', () => {
  it('creates the five tables with BUTTER-E column names', async () => {
    const s = await open(join(tmp(), 'r.duckdb'));
    const tables = (await s.query("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1")).map((r) => r.table_name);
    expect(tables).toEqual(['epochs', 'hardware', 'idle_calibrations', 'power_traces', 'runs']);
    const cols = (await s.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'runs'")).map((r) => r.column_name);
    for (const name of ['run_id', 'experiment_id', 'dataset', 'shape', 'size', 'depth', 'widths', 'num_free_parameters', 'learning_rate',
      'batch_size', 'optimizer', 'is_gpu', 'start_time', 'update_time', 'run_time', 'energy', 'std_energy', 'energy_overhead',
      'non_overhead_energy', 'runtime_overhead', 'non_overhead_runtime', 'energy_per_epoch', 'energy_per_training_datum', 'flops_per_epoch']) {
      expect(cols).toContain(name);
    }
    expect(cols).toHaveLength(RUN_COLUMNS.length);
  });
  it('rewrites a run by id instead of duplicating it, epochs included', async () => {
    const s = await open(join(tmp(), 'r.duckdb'));
    const run = { run_id: 'r1', source: 'mlp-energy', role: 'run', widths: [8, 1], energy: 2, run_time: 1, device: 'cpu', dataset: 'banana', size: 32 };
    await s.writeRun(run, [{ epoch: 1, train_loss: 1 }, { epoch: 2, train_loss: 0.5 }]);
    await s.writeRun({ ...run, energy: 3 }, [{ epoch: 1, train_loss: 0.9 }]);
    expect(await s.query('SELECT run_id, energy, widths FROM runs')).toEqual([{ run_id: 'r1', energy: 3, widths: [8, 1] }]);
    expect(await s.query('SELECT epoch, train_loss FROM epochs')).toEqual([{ epoch: 1, train_loss: 0.9 }]);
    expect([...(await s.completedRunIds())]).toEqual(['r1']);
  });
  it('exports one Parquet file per table that DuckDB reads back', async () => {
    const dir = tmp();
    const path = join(dir, 'r.duckdb');
    const s = await open(path);
    await s.writeRun({ run_id: 'p', source: 'mlp-energy', role: 'run', energy: 1.5, run_time: 2, widths: [4, 1] }, [{ epoch: 1, test_loss: 0.25 }]);
    s.close();
    const out = sink();
    expect(await exportCommand({ parquet: join(dir, 'pq'), from: path, json: true }, { stdout: out })).toBe(0);
    const report = JSON.parse(out.lines.join(''));
    expect(report.files.map((f: { file: string }) => f.file.split('/').pop())).toEqual([...Object.keys(TABLES), 'experiments'].map((t) => `${t}.parquet`));
    expect(report.files.find((f: { file: string }) => f.file.endsWith('/runs.parquet')).rows).toBe(1);
    const check = await open(join(dir, 'check.duckdb'));
    expect(await check.query(`SELECT run_id, energy, widths FROM read_parquet('${join(dir, 'pq', 'runs.parquet')}')`)).toEqual([{ run_id: 'p', energy: 1.5, widths: [4, 1] }]);
    expect(await check.query(`SELECT test_loss FROM read_parquet('${join(dir, 'pq', 'epochs.parquet')}')`)).toEqual([{ test_loss: 0.25 }]);
    expect(report.skipped.map((x: { table: string }) => x.table)).toContain('slurm_tasks');
  });
  it('a table DuckDB cannot write is a STORE_ERROR naming the file, not a raw DuckDB error', async () => {
    const dir = tmp();
    const s = await open(join(dir, 'r.duckdb'));
    mkdirSync(join(dir, 'pq', 'epochs.parquet'), { recursive: true }); // a folder where a table's file goes
    try {
      await expect(s.exportParquet(join(dir, 'pq'))).rejects.toMatchObject({
        code: 'STORE_ERROR',
        message: expect.stringMatching(/Writing table epochs to .*epochs\.parquet failed: .*is not a folder or held open/),
      });
    } finally {
      s.close();
    }
  });
  it('exports slurm_tasks when a merge of a Slurm job wrote it', async () => {
    const dir = tmp();
    const path = join(dir, 'r.duckdb');
    const s = await open(path);
    await s.query(SLURM_TASKS_SQL);
    await s.query(`INSERT INTO slurm_tasks VALUES ('42', 0, 0, 'node1', 'COMPLETED', 12.5, 900, 'acct_gather_energy/rapl', 3, 850, now())`);
    s.close();
    const out = sink();
    expect(await exportCommand({ parquet: join(dir, 'pq'), from: path, json: true }, { stdout: out })).toBe(0);
    const report = JSON.parse(out.lines.join(''));
    expect(report.skipped.map((x: { table: string }) => x.table)).not.toContain('slurm_tasks');
    const check = await open(join(dir, 'check.duckdb'));
    expect(await check.query(`SELECT job_id, consumed_energy_j, energy_j FROM read_parquet('${join(dir, 'pq', 'slurm_tasks.parquet')}')`)).toEqual([
      { job_id: '42', consumed_energy_j: 900, energy_j: 850 },
    ]);
  });
});

describe('import-butter-e on fixtures in the published column layout', () => {
  it('loads metadata then standardized energies, converting kWh, keeping QC flags, deriving J/datum', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'butter_e_metadata.csv'), METADATA);
    writeFileSync(join(dir, 'runs_with_standardized_energy.csv'), STANDARDIZED);
    const path = join(dir, 'r.duckdb');
    const out = sink();
    expect(await importButterECommand([join(dir, 'butter_e_metadata.csv'), join(dir, 'runs_with_standardized_energy.csv')], { out: path }, { stdout: out })).toBe(0);
    expect(out.lines[0]).toMatch(/butter_e_metadata\.csv: 3 runs imported into .*r\.duckdb \(0 with energy\)/);
    expect(out.lines[1]).toMatch(/runs_with_standardized_energy\.csv: 2 runs imported .*\(2 with energy, converted from kWh\)/);
    const s = await open(path);
    const rows = await s.query(`SELECT run_id, experiment_id, source, dataset, shape, size, depth, is_gpu, device, epochs, host_name, energy,
        run_time, std_energy, non_overhead_energy, n_train, num_training_batches_per_epoch, energy_per_epoch, energy_per_training_datum,
        filter_runtime_outlier FROM runs ORDER BY run_id`);
    expect(rows.map((r) => r.run_id)).toEqual(['butter-e:a1', 'butter-e:a2', 'butter-e:a3']);
    const [a1, a2, a3] = rows;
    expect(a1).toMatchObject({ experiment_id: 'butter-e:e1', source: 'butter-e', dataset: '529_pollen', shape: 'rectangle', size: 1024, depth: 3, is_gpu: false, device: 'cpu', epochs: 3000, host_name: 'r1i0n1' });
    expect(a1.energy as number).toBeCloseTo(0.33 * 3.6e6, 3);
    expect(a1.std_energy).toBe(1188000);
    // 529_pollen: 3,848 rows → 3,078 training rows → 13 batches of 256 per epoch, 3,000 epochs.
    expect(a1.n_train).toBe(3078);
    expect(a1.num_training_batches_per_epoch).toBe(13);
    expect(a1.energy_per_epoch as number).toBeCloseTo(1173971.3 / 3000, 6);
    expect(a1.energy_per_training_datum as number).toBeCloseTo(1173971.3 / (13 * 3000) / 256, 9);
    expect(a2.energy).toBeNull(); // metadata only
    expect(a3).toMatchObject({ is_gpu: true, device: 'gpu', filter_runtime_outlier: true });
    // Reimport replaces rather than duplicates; metadata imported afterwards keeps the energies.
    await importButterE(s, join(dir, 'runs_with_standardized_energy.csv'));
    await importButterE(s, join(dir, 'butter_e_metadata.csv'));
    expect(await s.query('SELECT count(*) AS n, count(energy) AS e FROM runs')).toEqual([{ n: 3, e: 2 }]);
    expect(existsSync(path)).toBe(true);
  });
});
