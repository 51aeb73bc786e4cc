/**
 * The Slurm client commands we call (sbatch, squeue, sacct, scontrol) and the parsing of their output.
 * Slurm is the engine; these wrappers only ask it. The client finds its cluster the usual way
 * (`SLURM_CONF`, /etc/slurm/slurm.conf, or configless), so nothing here knows where the controller is.
 */
import { execFile } from 'node:child_process';
import { MlpEnergyError } from '../errors.js';

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a Slurm client; a missing binary becomes an error that says what to install. */
export function slurmCommand(command: string, args: readonly string[]): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const e = error as (NodeJS.ErrnoException & { code?: string | number }) | null;
      if (e && e.code === 'ENOENT') {
        reject(
          new MlpEnergyError(
            'SLURM_ERROR',
            `${command} was not found on PATH. Run this on a Slurm login node, or install the Slurm client (Debian: apt-get install slurm-client).`,
          ),
        );
        return;
      }
      resolve({ stdout, stderr, code: e ? (typeof e.code === 'number' ? e.code : 1) : 0 });
    });
  });
}

function failure(command: string, result: CommandResult): MlpEnergyError {
  const detail = (result.stderr || result.stdout).trim();
  return new MlpEnergyError('SLURM_ERROR', `${command} failed (exit ${result.code}): ${detail || 'no output'}`);
}

/** `sbatch --parsable` prints `jobid` or `jobid;cluster`. */
export function parseSbatchJobId(stdout: string): string {
  const id = stdout.trim().split(';')[0];
  if (!/^\d+$/.test(id)) throw new MlpEnergyError('SLURM_ERROR', `sbatch did not print a job id (printed ${JSON.stringify(stdout.trim())}).`);
  return id;
}

/** Submits a script, optionally overriding its `#SBATCH --array` (to resubmit some tasks); returns the job id. */
export async function sbatch(scriptPath: string, array?: string): Promise<string> {
  const args = ['--parsable', ...(array ? [`--array=${array}`] : []), scriptPath];
  const result = await slurmCommand('sbatch', args);
  if (result.code !== 0) throw failure('sbatch', result);
  return parseSbatchJobId(result.stdout);
}

/** One array task as squeue or sacct reports it. */
export interface SlurmTask {
  jobId: string;
  taskId: number;
  state: string;
  nodes: string;
}

/** squeue `-r -o '%F|%K|%T|%N'` rows: array job id, task id, state, node list. Non-array jobs are ignored. */
export function parseSqueue(stdout: string): SlurmTask[] {
  const tasks: SlurmTask[] = [];
  for (const line of stdout.split('\n')) {
    const [jobId, task, state, nodes] = line.trim().split('|');
    if (!jobId || !/^\d+$/.test(task ?? '')) continue;
    tasks.push({ jobId, taskId: Number(task), state: state ?? '', nodes: nodes ?? '' });
  }
  return tasks;
}

/** The queued or running tasks of the given array jobs. */
export async function squeueTasks(jobIds: readonly string[]): Promise<SlurmTask[]> {
  if (jobIds.length === 0) return [];
  // Listing our own jobs (not `-j`) because squeue fails outright when one id has already left the queue.
  const result = await slurmCommand('squeue', ['--me', '-h', '-r', '-o', '%F|%K|%T|%N']);
  if (result.code !== 0) throw failure('squeue', result);
  const wanted = new Set(jobIds);
  return parseSqueue(result.stdout).filter((t) => wanted.has(t.jobId));
}

/** A finished (or running) array task from accounting, with Slurm's own energy figure when it gathers one. */
export interface AccountedTask extends SlurmTask {
  elapsed_s: number | null;
  /** `ConsumedEnergyRaw`, joules; null where Slurm gathers no energy. */
  consumed_energy_j: number | null;
}

const SACCT_FIELDS = 'JobID,State,NodeList,ElapsedRaw,ConsumedEnergyRaw';

/** sacct `-n -P -X -o JobID,State,NodeList,ElapsedRaw,ConsumedEnergyRaw` rows, array tasks only. */
export function parseSacct(stdout: string, energyGathered: boolean): AccountedTask[] {
  const tasks: AccountedTask[] = [];
  for (const line of stdout.split('\n')) {
    const [id, state, nodes, elapsed, energy] = line.trim().split('|');
    const match = /^(\d+)_(\d+)$/.exec(id ?? '');
    if (!match) continue;
    const joules = energy === undefined || energy.trim() === '' ? NaN : Number(energy);
    const seconds = elapsed === undefined || elapsed.trim() === '' ? NaN : Number(elapsed);
    tasks.push({
      jobId: match[1],
      taskId: Number(match[2]),
      // sacct writes "CANCELLED by 0"; the first word is the state.
      state: (state ?? '').split(' ')[0],
      nodes: nodes ?? '',
      elapsed_s: Number.isFinite(seconds) ? seconds : null,
      consumed_energy_j: energyGathered && Number.isFinite(joules) ? joules : null,
    });
  }
  return tasks;
}

export type Accounting =
  | { available: true; energyGathered: boolean; energyPlugin: string; tasks: AccountedTask[] }
  | { available: false; reason: string; tasks: [] };

/** `scontrol show config` lines `Key = value`. */
export function parseConfig(stdout: string): Map<string, string> {
  const config = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = /^(\S+)\s*=\s*(.*)$/.exec(line.trim());
    if (match) config.set(match[1], match[2].trim());
  }
  return config;
}

/**
 * The accounting records of the given array jobs. Slurm energy is only meaningful where an
 * `AcctGatherEnergyType` other than `acct_gather_energy/none` is configured; otherwise it is null.
 */
export async function sacctTasks(jobIds: readonly string[]): Promise<Accounting> {
  if (jobIds.length === 0) return { available: false, reason: 'no jobs submitted', tasks: [] };
  const config = await slurmCommand('scontrol', ['show', 'config']);
  if (config.code !== 0) throw failure('scontrol show config', config);
  const settings = parseConfig(config.stdout);
  if ((settings.get('AccountingStorageType') ?? 'accounting_storage/none') === 'accounting_storage/none') {
    return { available: false, reason: 'Slurm accounting storage is disabled (AccountingStorageType=accounting_storage/none)', tasks: [] };
  }
  const energyPlugin = settings.get('AcctGatherEnergyType') ?? 'acct_gather_energy/none';
  const energyGathered = energyPlugin !== 'acct_gather_energy/none';
  const result = await slurmCommand('sacct', ['-n', '-P', '-X', '-j', jobIds.join(','), '-o', SACCT_FIELDS]);
  if (result.code !== 0) return { available: false, reason: (result.stderr || result.stdout).trim(), tasks: [] };
  return { available: true, energyGathered, energyPlugin, tasks: parseSacct(result.stdout, energyGathered) };
}
