/**
 * The CLI compiled to plain JavaScript, laid out as dist/ is under build/ (so the addon and node_modules resolve as
 * they do for dist/), for tests of real exit statuses: it starts in a fraction of vite-node's time. esbuild comes
 * with vitest (through vite).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

export interface CompiledCli {
  /** The compiled entry, for tests that start it their own way; run from `root`. */
  readonly main: string;
  readonly root: string;
  /** Runs `mlp-energy …args` to the end: its exit status and what it wrote. */
  run(args: string[]): { status: number | null; stdout: string; stderr: string };
  remove(): void;
}

export async function compileCli(name: string): Promise<CompiledCli> {
  const root = resolve(import.meta.dirname, '..', '..');
  const out = join(root, 'build', `${name}-${process.pid}`);
  const entryPoints = readdirSync(join(root, 'lib'), { recursive: true }).filter((f) => String(f).endsWith('.ts')).map((f) => join(root, 'lib', String(f)));
  await build({ entryPoints, outdir: join(out, 'lib'), outbase: join(root, 'lib'), format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });
  const main = join(out, 'lib', 'cli', 'main.js');
  return {
    main,
    root,
    run: (args) => spawnSync(process.execPath, [main, ...args], { cwd: root, encoding: 'utf8' }),
    remove: () => rmSync(out, { recursive: true, force: true }),
  };
}
