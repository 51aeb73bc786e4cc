/**
 * `--store <file>` is another name of sweep's and import-butter-e's `--out` and export's `--from`: the same store
 * either way, the old flags unchanged, and two different explicit paths refused.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { register as registerExport } from '../lib/cli/commands/export.js';
import { register as registerImport } from '../lib/cli/commands/import-butter-e.js';
import { register as registerSweep } from '../lib/cli/commands/sweep.js';
import { DEFAULT_STORE, ResultStore } from '../lib/store/store.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mlpe-store-flag-'));

// The commands' actions set process.exitCode; put it back so this file's runs decide nothing about the worker's.
let exitCode: typeof process.exitCode;
beforeEach(() => { exitCode = process.exitCode; });
afterEach(() => { process.exitCode = exitCode; });

function program(register: (program: Command) => void): { program: Command; help: () => string } {
  const p = new Command('mlp-energy').exitOverride().enablePositionalOptions();
  let help = '';
  p.configureOutput({ writeOut: (s) => { help += s; }, writeErr: (s) => { help += s; } });
  register(p);
  return { program: p, help: () => help };
}

/** Parses `args` as main.ts would (this one command registered) and returns what the command printed. */
async function cli(register: (program: Command) => void, args: string[]): Promise<string> {
  const printed: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { printed.push(String(chunk)); return true; });
  try {
    await program(register).program.parseAsync(args, { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return printed.join('');
}

/** A command's --help text (commander prints it, then exitOverride throws). */
async function helpOf(register: (program: Command) => void, name: string): Promise<string> {
  const p = program(register);
  await expect(p.program.parseAsync([name, '--help'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.helpDisplayed' });
  return p.help();
}

async function runIds(file: string): Promise<string[]> {
  const store = await ResultStore.open(file);
  try {
    return (await store.query(`SELECT run_id FROM runs WHERE role = 'run' OR role IS NULL ORDER BY run_id`)).map((r) => r.run_id as string);
  } finally {
    store.close();
  }
}

// Two runs in BUTTER-E's published metadata layout (reference §8).
const METADATA = `run_id,experiment_id,old_experiment_id,slurm_job_id,start_time,update_time,host_name,size,depth,shape,dataset,learning_rate,batch_size,optimizer,is_gpu,run_data,batch
a1,e1,101,9001,2022-10-01 10:00:00Z,2022-10-01 11:00:00Z,r1i0n1,1024,3,rectangle,529_pollen,0.0001,256,Adam,False,"{}",energy_2_cpu
a2,e1,101,9002,2022-10-01 12:00:00Z,2022-10-01 13:00:00Z,r1i0n2,1024,3,rectangle,529_pollen,0.0001,256,Adam,False,"{}",energy_2_cpu
`;
function metadataCsv(): string {
  const file = join(tmp(), 'butter_e_metadata.csv');
  writeFileSync(file, METADATA);
  return file;
}

/** The smallest sweep that trains and stores: one 2-layer network, one epoch, no overhead runs, no idle wait. */
function tinySpec(): string {
  const file = join(tmp(), 'spec.json');
  writeFileSync(file, JSON.stringify({ name: 'flag', datasets: ['529_pollen'], shapes: ['rectangle'], sizes: [64], depths: [2], epochs: 1, overhead: false, idleSeconds: 0 }));
  return file;
}
const jsonLines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l));

describe('--store beside --out and --from: conflicting paths are refused before any store is opened', () => {
  const cases: Array<[string, (program: Command) => void, (store: string, own: string) => string[], string]> = [
    ['sweep', registerSweep, (store, own) => ['sweep', '--spec', tinySpec(), '--store', store, '--out', own], '--out'],
    ['import-butter-e', registerImport, (store, own) => ['import-butter-e', metadataCsv(), '--out', own, '--store', store], '--out'],
    ['export', registerExport, (store, own) => ['export', '--parquet', join(tmp(), 'pq'), '--from', own, '--store', store], '--from'],
  ];
  for (const [name, register, args, flag] of cases) {
    it(`${name}: --store a ${flag} b is INVALID_OPTION (exit 2) naming both flags`, async () => {
      const dir = tmp();
      const [a, b] = [join(dir, 'a.duckdb'), join(dir, 'b.duckdb')];
      await expect(cli(register, args(a, b))).rejects.toMatchObject({
        code: 'INVALID_OPTION',
        exitCode: 2,
        message: expect.stringMatching(new RegExp(`--store ".*a\\.duckdb" and ${flag} ".*b\\.duckdb" name two different stores; .*pass one of them`)),
      });
      expect([existsSync(a), existsSync(b)]).toEqual([false, false]);
    });
    it(`${name}: help lists --store as the same as ${flag}, and ${flag} keeps its help and default`, async () => {
      const help = await helpOf(register, name);
      expect(help).toMatch(new RegExp(`${flag} <file>\\s+results store \\(default: "${DEFAULT_STORE}"\\)`));
      expect(help).toMatch(new RegExp(`--store <file>\\s+results store \\(same as ${flag}\\)`));
    });
  }
});

describe('import-butter-e: --store and --out write the same store', () => {
  it('--store X imports into X, as --out X does; both flags with the same path are one store', async () => {
    const csv = metadataCsv();
    const dir = tmp();
    const [viaStore, viaOut, viaBoth] = ['store.duckdb', 'out.duckdb', 'both.duckdb'].map((f) => join(dir, f));
    expect(await cli(registerImport, ['import-butter-e', csv, '--store', viaStore])).toMatch(new RegExp(`2 runs imported into ${viaStore}`));
    expect(await cli(registerImport, ['import-butter-e', csv, '--out', viaOut])).toMatch(new RegExp(`2 runs imported into ${viaOut}`));
    // The same file spelled two ways is no conflict.
    expect(await cli(registerImport, ['import-butter-e', csv, '--store', viaBoth, '--out', `${dir}/./both.duckdb`])).toMatch(new RegExp(`2 runs imported into ${viaBoth}`));
    const expected = ['butter-e:a1', 'butter-e:a2'];
    expect(await runIds(viaStore)).toEqual(expected);
    expect(await runIds(viaOut)).toEqual(expected);
    expect(await runIds(viaBoth)).toEqual(expected);
  });
});

describe('export: --store and --from read the same store', () => {
  it('--store X exports X\'s runs, as --from X does; the same path twice is fine; a missing --store names it', async () => {
    const dir = tmp();
    const file = join(dir, 'r.duckdb');
    await cli(registerImport, ['import-butter-e', metadataCsv(), '--out', file]);
    const exported = async (args: string[]) => {
      const report = JSON.parse(await cli(registerExport, ['export', '--json', ...args]));
      return { store: report.store, runs: report.files.find((f: { file: string }) => f.file.endsWith('/runs.parquet')).rows };
    };
    expect(await exported(['--store', file, '--parquet', join(dir, 'a')])).toEqual({ store: file, runs: 2 });
    expect(await exported(['--from', file, '--parquet', join(dir, 'b')])).toEqual({ store: file, runs: 2 });
    expect(await exported(['--from', file, '--store', file, '--parquet', join(dir, 'c')])).toEqual({ store: file, runs: 2 });
    const absent = join(dir, 'absent.duckdb');
    await expect(cli(registerExport, ['export', '--store', absent, '--parquet', join(dir, 'd')])).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringMatching(/No results store at .*absent\.duckdb\. .*point --from \(or --store\) at your \.duckdb file/),
    });
    expect(existsSync(absent)).toBe(false);
  });
});

describe('sweep: --store and --out fill the same store', () => {
  it('a sweep into --store X is found by --resume --out X, and by --store X --out X', async () => {
    const spec = tinySpec();
    const file = join(tmp(), 'r.duckdb');
    const first = jsonLines(await cli(registerSweep, ['sweep', '--spec', spec, '--synthetic', 'always', '--json', '--store', file]));
    expect(first.at(-1).summary).toMatchObject({ planned: 1, ran: 1, skippedDone: 0 });
    expect(await runIds(file)).toHaveLength(1);
    const resumed = jsonLines(await cli(registerSweep, ['sweep', '--spec', spec, '--synthetic', 'always', '--json', '--resume', '--out', file]));
    expect(resumed.at(-1).summary).toMatchObject({ planned: 1, ran: 0, skippedDone: 1 });
    const both = jsonLines(await cli(registerSweep, ['sweep', '--spec', spec, '--synthetic', 'always', '--json', '--resume', '--store', file, '--out', file]));
    expect(both.at(-1).summary).toMatchObject({ planned: 1, ran: 0, skippedDone: 1 });
  });
  it('--resume names the --store path when it holds nothing, and says --out or --store', async () => {
    const file = join(tmp(), 'empty.duckdb');
    (await ResultStore.open(file)).close(); // a store with no run of this sweep (a missing one is refused before: test/sweep.test.ts)
    await expect(cli(registerSweep, ['sweep', '--spec', tinySpec(), '--resume', '--store', file])).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      exitCode: 2,
      message: expect.stringMatching(/--resume: .*empty\.duckdb holds no run of sweep flag\. .*point --out \(or --store\) at the store/),
    });
  });
});
