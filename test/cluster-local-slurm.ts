/**
 * A real one-node Slurm on localhost for tests: munged, slurmctld and slurmd in the foreground (`-F`/`-D`),
 * every file (key, sockets, state, spool, logs) in a temp dir, ports picked free, stopped by pid afterwards.
 * Needs root (SlurmUser=root) and the Debian packages slurmctld, slurmd, slurm-client, munge.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

export interface LocalSlurm {
  dir: string;
  /** Environment for Slurm clients (sbatch, squeue, …) and for anything that calls them. */
  env: NodeJS.ProcessEnv;
  node: string;
  stop(): Promise<void>;
}

const DAEMONS = ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch'];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function tail(path: string, lines = 15): string {
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').slice(-lines).join('\n') : `(no ${path})`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Why a local Slurm cannot run here, or null when it can be tried. */
export function localSlurmUnsupported(): string | null {
  if (process.platform !== 'linux') return 'a local Slurm needs Linux';
  if (process.getuid?.() !== 0) return 'the local Slurm runs its daemons as SlurmUser=root; run the tests as root';
  const missing = DAEMONS.filter((p) => !existsSync(p));
  if (missing.length) return `missing ${missing.join(', ')} (Debian: apt-get install slurmctld slurmd slurm-client munge)`;
  return null;
}

/** Starts munged, slurmctld and slurmd; resolves once the node is idle, rejects with the daemons' logs if not. */
export async function startLocalSlurm(timeoutMs = 30_000): Promise<LocalSlurm> {
  const dir = mkdtempSync(join(tmpdir(), 'mlpe-slurm-'));
  for (const sub of ['munge', 'state', 'spool', 'log']) mkdirSync(join(dir, sub), { mode: 0o700 });
  const key = join(dir, 'munge', 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o600 });
  const socket = join(dir, 'munge', 'munge.socket');
  const node = hostname().split('.')[0];
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  // slurmd drains a node whose configured resources exceed what it finds, so configure at most what is there.
  const realMemoryMb = Math.max(256, Math.floor((totalmem() / 2 ** 20) * 0.5));
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=mlpetest',
      `SlurmctldHost=${node}(127.0.0.1)`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${socket}`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
      // No cgroups in a container or CI VM: track processes by parentage, bind nothing.
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'SchedulerType=sched/builtin',
      'MpiDefault=none',
      'ReturnToService=2',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/none',
      'SwitchType=switch/none',
      'MailProg=/bin/true',
      `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus().length} RealMemory=${realMemoryMb} State=UNKNOWN`,
      `PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  chmodSync(dir, 0o755);
  const env = { ...process.env, SLURM_CONF: conf };
  const children: ChildProcess[] = [];
  const launch = (name: string, command: string, args: string[]) => {
    const out = join(dir, 'log', `${name}.out`);
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => chunks.push(c));
    child.stderr?.on('data', (c: Buffer) => chunks.push(c));
    child.on('exit', () => writeFileSync(out, Buffer.concat(chunks)));
    child.on('error', () => undefined);
    children.push(child);
    return child;
  };
  const stop = async () => {
    try {
      execFileSync('scancel', ['--me'], { env, stdio: 'ignore', timeout: 5000 });
    } catch {
      // Nothing queued, or the controller is already gone.
    }
    for (const child of [...children].reverse()) await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const logs = () =>
    ['munged', 'slurmctld', 'slurmd'].map((n) => `--- ${n}\n${tail(join(dir, 'log', `${n}.out`))}`).join('\n') +
    `\n--- slurmctld.log\n${tail(join(dir, 'log', 'slurmctld.log'))}\n--- slurmd.log\n${tail(join(dir, 'log', 'slurmd.log'))}`;

  try {
    launch('munged', '/usr/sbin/munged', [
      '-F', '-f', `--socket=${socket}`, `--key-file=${key}`, `--pid-file=${join(dir, 'munge', 'munged.pid')}`,
      `--seed-file=${join(dir, 'munge', 'munged.seed')}`, `--log-file=${join(dir, 'log', 'munged.log')}`,
    ]);
    await waitFor(() => existsSync(socket), 10_000, 'munged did not create its socket');
    launch('slurmctld', '/usr/sbin/slurmctld', ['-D', '-f', conf]);
    await waitFor(() => run(env, 'scontrol', ['ping']).includes('UP'), timeoutMs, 'slurmctld did not answer scontrol ping');
    launch('slurmd', '/usr/sbin/slurmd', ['-D', '-f', conf, '-N', node]);
    await waitFor(() => /^idle/.test(run(env, 'sinfo', ['-h', '-n', node, '-o', '%t'])), timeoutMs, `node ${node} did not become idle`);
  } catch (error) {
    const message = `${(error as Error).message}\n${logs()}`;
    await stop();
    throw new Error(message);
  }
  return { dir, env, node, stop };
}

function run(env: NodeJS.ProcessEnv, command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { env, encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

async function waitFor(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}
