import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportCommand } from '../lib/cli/commands/export.js';
import { ResultStore } from '../lib/store/store.js';

const root = resolve(import.meta.dirname, '..');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** Another process that opens the store as a running sweep does, commits one more run (into DuckDB's log) and holds it. */
async function holdOpen(path: string): Promise<ChildProcess> {
  const script = `
    import { DuckDBInstance } from '@duckdb/node-api';
    const instance = await DuckDBInstance.create(${JSON.stringify(path)});
    const connection = await instance.connect();
    await connection.run("INSERT INTO runs (run_id, source, role) VALUES ('held', 'mlp-energy', 'run')");
    process.stdout.write('ready\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((ready, fail) => {
    child.stdout!.once('data', () => ready());
    child.once('exit', (code) => fail(new Error(`the holder exited with ${code}`)));
  });
  return child;
}

const snapshotDirs = () => readdirSync(tmpdir()).filter((d) => d.startsWith('mlpe-snapshot-'));

describe('a store another process holds open (a running sweep)', () => {
  it('is read from a snapshot: every committed run, the writer undisturbed, the copy removed on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlpe-held-'));
    const path = join(dir, 'r.duckdb');
    const first = await ResultStore.open(path);
    await first.writeRun({ run_id: 'stored', source: 'mlp-energy', role: 'run', energy: 1, run_time: 1, widths: [4, 1] }, [{ epoch: 1, train_loss: 1 }]);
    first.close();
    const holder = await holdOpen(path);
    const before = snapshotDirs();

    // A writer is still refused: two sweeps must never interleave in one store.
    await expect(ResultStore.open(path)).rejects.toMatchObject({ code: 'STORE_ERROR', message: expect.stringMatching(/Another mlp-energy process has it open/) });

    const reader = await ResultStore.openExisting(path, '--store');
    expect(reader.path).toBe(path);
    expect(reader.snapshot?.takenAt).toBeInstanceOf(Date);
    expect(reader.snapshotNote()).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is open in another mlp-energy process .*read from a copy taken at \\d\\d:\\d\\d:\\d\\d`));
    // The holder's run was only in DuckDB's log: the copy replays it.
    expect((await reader.query('SELECT run_id FROM runs ORDER BY run_id')).map((r) => r.run_id)).toEqual(['held', 'stored']);
    expect(snapshotDirs().length).toBe(before.length + 1);
    reader.close();
    expect(snapshotDirs()).toEqual(before);

    // Export reads the same way (the model commands go through the same openExisting).
    const lines: string[] = [];
    const stdout = { write: (s: string) => { lines.push(s); return true; } } as unknown as NodeJS.WritableStream;
    expect(await exportCommand({ parquet: join(dir, 'pq'), from: path, json: true }, { stdout: stdout as never })).toBe(0);
    expect(JSON.parse(lines.join('')).files.find((f: { file: string }) => f.file.endsWith('/runs.parquet')).rows).toBe(2);
    expect(snapshotDirs()).toEqual(before);

    // The store itself is untouched by the reads: once its writer is gone it opens with both runs.
    holder.kill('SIGKILL');
    await new Promise((done) => holder.once('exit', done));
    const after = await ResultStore.open(path);
    expect((await after.query('SELECT run_id FROM runs ORDER BY run_id')).map((r) => r.run_id)).toEqual(['held', 'stored']);
    after.close();
  });

  it('a store nobody holds is opened itself, not copied', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mlpe-free-')), 'r.duckdb');
    (await ResultStore.open(path)).close();
    const store = await ResultStore.openExisting(path, '--store');
    expect(store.snapshot).toBeNull();
    expect(store.snapshotNote()).toBeNull();
    store.close();
  });
});
