import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCli, type CompiledCli } from './helpers/compiled-cli.js';
import { twoSocketTree } from './meters-fixtures.js';

let compiled: CompiledCli;
let cli = '';
let root = '';
beforeAll(async () => {
  compiled = await compileCli('cli-test');
  ({ main: cli, root } = compiled);
});
afterAll(() => compiled.remove());

/** Runs the CLI with stdout piped to a reader that closes after the first chunk, as `| head` does. */
function readFirstChunkThenClose(args: string[]): Promise<{ code: number | null; signal: string | null; stderr: string; first: string }> {
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let first = '';
  child.stderr.on('data', (b) => { stderr += b; });
  child.stdout.once('data', (b: Buffer) => {
    first = b.toString();
    child.stdout.destroy(); // the reader goes away; every later write hits a closed pipe
  });
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stderr, first }));
  });
}

describe('a CLI command whose reader closes early (| head)', () => {
  // The butter-e-cpu plan is 26,000+ lines (megabytes): far more than a pipe buffers, so the writes must fail.
  it('sweep --dry-run exits 0 without an EPIPE error', async () => {
    const r = await readFirstChunkThenClose(['sweep', '--preset', 'butter-e-cpu', '--dry-run']);
    expect(r.first).toMatch(/^0\t[0-9a-f]{16}-0-[0-9a-f]+\toverhead_reference\tcpu\t505_tecator/);
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ code: 0, signal: null });
  });
});

describe('measure as a command line', () => {
  it('reads the counters --powercap-root names, and exits as the command did (128 + signal when killed)', () => {
    const t = twoSocketTree();
    try {
      const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'measure', '--idle', '0', '--gpu', 'none', ...args], { cwd: root, encoding: 'utf8' });
      const fixture = run('--cpu', 'powercap', '--powercap-root', t.root, '--', 'sh', '-c', 'exit 3');
      expect(fixture.status).toBe(3);
      expect(fixture.stderr).toMatch(/exit 3, source powercap/);
      expect(fixture.stdout).toBe(''); // the report goes to stderr
      const killed = run('--cpu', 'estimate', '--', 'sh', '-c', 'kill -TERM $$');
      expect(killed.status).toBe(128 + 15);
      expect(killed.stderr).toMatch(/exit SIGTERM/);
      // The error for a wrong tree names the flag the command line has.
      const wrong = run('--cpu', 'powercap', '--powercap-root', join(t.root, 'intel-rapl:0', 'name'), '--', 'true');
      expect(wrong.status).toBe(1);
      expect(wrong.stderr).toMatch(/pass powercapRoot \(--powercap-root\)/);
    } finally {
      t.remove();
    }
  });

  it('--version prints the package version', () => {
    const r = spawnSync(process.execPath, [cli, '--version'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version);
  });
});

describe('usage errors', () => {
  it("exit 2, commander's own as ours, as the commands' help says invalid options do; --help still exits 0", () => {
    for (const args of [['sweep', '--preset', 'nope'], ['export', '--bogus'], ['predict', '--dataset', 'x']]) {
      const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^error: /);
    }
    expect(spawnSync(process.execPath, [cli, 'sweep', '--help'], { cwd: root, encoding: 'utf8' }).status).toBe(0);
    // So do option errors of commands that do not set an exit code themselves.
    const fit = spawnSync(process.execPath, [cli, 'fit', '--device', 'tpu'], { cwd: root, encoding: 'utf8' });
    expect(fit.status).toBe(2);
    expect(fit.stderr).toMatch(/for --device but received "tpu" \[INVALID_OPTION\]/);
  });
});
