/**
 * The sbatch script of a sharded sweep: one array task per shard, each running
 * `mlp-energy sweep --plan PLAN --shard i/N --out DIR/shard-i.duckdb` on its own node.
 *
 * Why `--exclusive` matters for energy: RAPL package and DRAM counters (and NVML's, per GPU) measure the whole
 * socket or device, not a process. A job sharing the node with others books their energy as ours, and the idle
 * calibration each task takes at its start is only the node's idle power when nothing else runs there. Whole-node
 * exclusivity makes "energy of the node during the run" equal "energy of our run" plus a measured idle baseline.
 */
import { MlpEnergyError, invalidOption } from '../errors.js';
import { integerIn } from '../validate.js';

export interface SbatchOptions {
  /** Number of array tasks = number of shards (`--array=0-(shards-1)`). */
  shards: number;
  partition?: string;
  /** Wall-time limit per task in a Slurm time format: `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`. */
  time?: string;
  /** Generic resources per task, e.g. `gpu:1` or `gpu:a100:1`. */
  gres?: string;
  account?: string;
  /** Whole node per task (recommended: node-level counters see every process on the node). */
  exclusive?: boolean;
  /** sbatch --cpus-per-task; should cover the threads of the plan's tilings (with exclusive the task holds the whole node anyway). */
  cpusPerTask?: number;
  jobName?: string;
}

/** What the script runs and where it writes. All paths are absolute so the script works from any directory. */
export interface SbatchTarget {
  /** Command that starts the CLI on a compute node, already shell-quoted, e.g. `'/usr/bin/node' '/opt/x/main.js'`. */
  launcher: string;
  planFile: string;
  /** Directory of shard stores; shard i writes `shard-i.duckdb` there. */
  dir: string;
  logDir: string;
}

const NAME = /^[A-Za-z0-9_.+-]+$/;
const GRES = /^[A-Za-z0-9_.:,+-]+$/;
const TIME = /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$/i;
/** Slurm's hard ceiling on MaxArraySize; a cluster's own limit (default 1001) is enforced by sbatch itself. */
export const MAX_ARRAY_TASKS = 4_000_000;

function matching(name: string, value: unknown, pattern: RegExp, expected: string): string {
  if (typeof value !== 'string') throw invalidOption(name, expected, value, 'type');
  if (!pattern.test(value)) throw invalidOption(name, expected, value);
  return value;
}

export function checkSbatchOptions(options: SbatchOptions): SbatchOptions {
  const checked: SbatchOptions = { shards: integerIn('--array (number of shards)', options.shards, 1, MAX_ARRAY_TASKS) };
  if (options.partition !== undefined) checked.partition = matching('--partition', options.partition, NAME, 'a Slurm partition name');
  if (options.account !== undefined) checked.account = matching('--account', options.account, NAME, 'a Slurm account name');
  if (options.jobName !== undefined) checked.jobName = matching('--job-name', options.jobName, NAME, 'a job name of letters, digits, . _ + -');
  if (options.gres !== undefined) checked.gres = matching('--gres', options.gres, GRES, 'a generic resource such as "gpu:1" or "gpu:a100:1"');
  if (options.time !== undefined) {
    checked.time = matching('--time', options.time, TIME, 'a Slurm time such as "90", "1:30:00" or "2-00:00:00"');
  }
  if (options.cpusPerTask !== undefined) checked.cpusPerTask = integerIn('--cpus-per-task', options.cpusPerTask, 1, 65536);
  if (options.exclusive !== undefined) checked.exclusive = Boolean(options.exclusive);
  return checked;
}

/** POSIX single-quoting: safe for any path or argument. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `0-3`, or a list like `1,3` for a resubmission of some shards only. */
export function arraySpec(tasks: readonly number[]): string {
  if (tasks.length === 0) throw new MlpEnergyError('SLURM_ERROR', 'No array tasks to submit.');
  const sorted = [...new Set(tasks)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The shard store a task writes; `task` may be a shell expression such as `$shard`. */
export function shardStoreName(task: number | string): string {
  return `shard-${task}.duckdb`;
}

export function sbatchScript(options: SbatchOptions, target: SbatchTarget): string {
  const o = checkSbatchOptions(options);
  const n = o.shards;
  const directives = [
    `--job-name=${o.jobName ?? 'mlp-energy'}`,
    `--array=${arraySpec(Array.from({ length: n }, (_, i) => i))}`,
    '--nodes=1',
    '--ntasks=1',
    `--output=${target.logDir}/shard-%a.log`,
    ...(o.partition ? [`--partition=${o.partition}`] : []),
    ...(o.account ? [`--account=${o.account}`] : []),
    ...(o.time ? [`--time=${o.time}`] : []),
    ...(o.gres ? [`--gres=${o.gres}`] : []),
    ...(o.cpusPerTask ? [`--cpus-per-task=${o.cpusPerTask}`] : []),
    ...(o.exclusive ? ['--exclusive'] : []),
  ];
  if (/\s/.test(target.logDir)) {
    throw new MlpEnergyError('INVALID_OPTION', `The job directory ${JSON.stringify(target.logDir)} contains whitespace, which #SBATCH lines cannot quote; choose a directory without spaces.`);
  }
  // Inside double quotes only these stay special; $shard must still expand.
  const store = `${target.dir.replace(/["\\`$]/g, '\\$&')}/${shardStoreName('$shard')}`;
  return [
    '#!/bin/bash',
    `# Generated by mlp-energy slurm: array task i runs shard i/${n} of the frozen plan ${target.planFile}.`,
    '# Resubmitting a task resumes its shard: runs already in its store are skipped.',
    ...directives.map((d) => `#SBATCH ${d}`),
    '',
    'set -euo pipefail',
    'shard="${SLURM_ARRAY_TASK_ID:?submit this script with sbatch (it is a job array)}"',
    o.exclusive
      ? '# --exclusive: the node\'s energy counters see only this task.'
      : 'echo "mlp-energy: running without --exclusive; node-level energy counters also count other jobs on $(hostname)" >&2',
    `exec ${target.launcher} sweep --plan ${shellQuote(target.planFile)} --shard "$shard/${n}" --out "${store}"`,
    '',
  ].join('\n');
}
