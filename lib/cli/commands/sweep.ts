/** `mlp-energy sweep`: plan a preset or spec, run it into the DuckDB store, print where the results are. */
import { existsSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { MlpEnergyError } from '../../errors.js';
import { DATA_DIR_ENV, DatasetNotFoundError, type SyntheticMode } from '../../datasets/load.js';
import { DEFAULT_STORE, ResultStore } from '../../store/store.js';
import { makePlan, type Plan } from '../../sweep/plan.js';
import { sweepPlan } from '../../cluster/plan-file.js';
import { preset, PRESET_NAMES } from '../../sweep/presets.js';
import { humanReporter, jsonReporter } from '../../sweep/progress.js';
import { checkTilings, runSweep, type SweepSummary } from '../../sweep/runner.js';
import { MAX_REPETITIONS, MAX_TRACE_HZ, MIN_CI_REPETITIONS, readSpecFile, validateSpec, type SweepSpec } from '../../sweep/spec.js';
import type { Backends } from '../../sweep/ports.js';
import { chosenStore, storeOption } from '../store-option.js';
import { EXIT, withExitCode, type Output } from './exit-codes.js';

export interface SweepCommandOptions {
  preset?: string;
  spec?: string;
  out?: string;
  resume?: boolean;
  rerun?: boolean;
  json?: boolean;
  dataDir?: string;
  synthetic?: SyntheticMode;
  untilCi?: string;
  maxRepetitions?: string;
  repetitions?: string;
  dryRun?: boolean;
  plan?: string;
  shard?: string;
  tiling?: string;
  traceHz?: string;
}

export interface CommandIo {
  stdout: Output;
  stderr: Output & { isTTY?: boolean };
  stop?: AbortSignal;
  cancel?: AbortSignal;
  backends?: Backends;
}

/** "2%" or "0.02" → 0.02. */
export function parseCiTarget(text: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+)\s*(%?)\s*$/.exec(text);
  const value = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(value > 0 && value < 1)) {
    throw new MlpEnergyError('INVALID_OPTION', `--until-ci expects a relative width like 2% or 0.02 (between 0 and 100%) but received ${JSON.stringify(text)}.`);
  }
  return value;
}

function integerFlag(flag: string, text: string, min: number, why = ''): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= MAX_REPETITIONS)) {
    throw new MlpEnergyError('INVALID_OPTION', `${flag} must be an integer from ${min} to ${MAX_REPETITIONS}${why} but received ${JSON.stringify(text)}.`);
  }
  return n;
}

/** `--tiling default|tuned`: one tiling choice for every run instead of the spec's list. */
function withTiling(spec: SweepSpec, choice: string): SweepSpec {
  if (choice !== 'default' && choice !== 'tuned') {
    throw new MlpEnergyError('INVALID_OPTION', `--tiling expects default or tuned but received ${JSON.stringify(choice)}; explicit tilings go in a --spec file.`);
  }
  return validateSpec({ ...spec, tilings: [choice] });
}

/** `--trace-hz N`: how runs are measured, not what they are, so it applies to a frozen plan too (run ids unchanged). */
function withTraceHz(plan: Plan, text: string | undefined): Plan {
  if (text === undefined) return plan;
  const hz = /^\s*[0-9]*\.?[0-9]+\s*$/.test(text) ? Number(text) : NaN;
  if (!(hz >= 0 && hz <= MAX_TRACE_HZ)) {
    throw new MlpEnergyError('INVALID_OPTION', `--trace-hz expects samples per second between 0 (no trace) and ${MAX_TRACE_HZ} but received ${JSON.stringify(text)}.`);
  }
  return { ...plan, spec: { ...plan.spec, traceHz: hz } };
}

/** The spec the options describe: a preset or a file, with the command-line repetition settings applied. */
export function resolveSpec(options: SweepCommandOptions): SweepSpec {
  if (options.preset && options.spec) throw new MlpEnergyError('INVALID_OPTION', 'Give either --preset or --spec, not both.');
  const named = options.spec ? readSpecFile(options.spec) : preset(options.preset ?? 'quick');
  const base = options.tiling === undefined ? named : withTiling(named, options.tiling);
  if (!options.untilCi && !options.repetitions && !options.maxRepetitions) return base;
  if (options.untilCi && options.repetitions) throw new MlpEnergyError('INVALID_OPTION', 'Give either --until-ci or --repetitions, not both.');
  const { untilCi: _u, repetitions: _r, ...rest } = base;
  if (options.untilCi) {
    const max = options.maxRepetitions
      ? integerFlag('--max-repetitions', options.maxRepetitions, MIN_CI_REPETITIONS, ` (--until-ci always runs ${MIN_CI_REPETITIONS} before checking the interval)`)
      : 10;
    return validateSpec({ ...rest, untilCi: { target: parseCiTarget(options.untilCi), min: MIN_CI_REPETITIONS, max } });
  }
  if (options.maxRepetitions) throw new MlpEnergyError('INVALID_OPTION', '--max-repetitions caps --until-ci; give --until-ci too, or use --repetitions N.');
  return validateSpec({ ...rest, repetitions: integerFlag('--repetitions', options.repetitions!, 1) });
}

export async function sweepCommand(options: SweepCommandOptions, io: CommandIo): Promise<number> {
  // --plan FILE / --shard i/N: a frozen plan and this array task's shard of it (sharding lives in lib/cluster).
  const plan = withTraceHz(sweepPlan(options, () => makePlan(resolveSpec(options))), options.traceHz);
  const spec = plan.spec;
  const backends = io.backends ?? (await (await import('../../sweep/backends.js')).defaultBackends());
  // Tilings this machine cannot run are spec errors: found now, before a dry run prints a plan or a store is created.
  await checkTilings(plan.runs, backends);
  if (options.dryRun) {
    for (const r of plan.runs) {
      io.stdout.write(options.json ? JSON.stringify(r) + '\n' : `${r.index}\t${r.runId}\t${r.role}\t${r.device}\t${r.dataset}\t${r.shape}\t${r.size}\t${r.depth}\t${r.tilingName}\t${r.repetition}\n`);
    }
    return EXIT.ok;
  }
  const path = options.out ?? DEFAULT_STORE;
  const existed = existsSync(path);
  const newDirs = missingDirs(path); // opening the store creates them
  if (options.resume && !existed) {
    throw new MlpEnergyError('INVALID_OPTION', `--resume: there is no store at ${path}. Drop --resume to start the sweep, or point --out (or --store) at the store you were filling.`);
  }
  const store = await ResultStore.open(path);
  let summary: SweepSummary;
  let failed = true;
  try {
    if (options.resume) {
      const done = await store.completedRunIds();
      if (!plan.runs.some((r) => done.has(r.runId))) {
        throw new MlpEnergyError('INVALID_OPTION', `--resume: ${store.path} holds no run of sweep ${spec.name}. Drop --resume to start it, or point --out (or --store) at the store you were filling.`);
      }
    }
    summary = await runSweep(plan, {
      store, backends, rerun: options.rerun, stop: io.stop, cancel: io.cancel,
      data: { dataDir: options.dataDir, synthetic: options.synthetic },
      onEvent: options.json ? jsonReporter(io.stdout) : humanReporter(io.stdout, io.stderr),
      tunedInstead: options.tiling === 'tuned' ? 'or use --tiling default' : 'or use --tiling default, or replace "tuned" in the spec\'s tilings',
    }).catch((error: unknown) => {
      // Only --synthetic never makes a missing file an error: name this command's flags, not loadDataset's options.
      throw error instanceof DatasetNotFoundError
        ? error.withHint(`Point --data-dir (or $${DATA_DIR_ENV}) at the directory that holds it, or drop --synthetic never to use a shape-true stand-in.`)
        : error;
    });
    failed = false;
  } finally {
    // A store this command created is removed again when it fails before storing a run (a missing dataset file, no
    // meter, …): the failed command leaves nothing behind.
    const discard = failed && !existed && (await holdsNoRuns(store));
    store.close();
    if (discard) {
      for (const file of [path, `${path}.wal`]) rmSync(file, { force: true });
      // Innermost first; one that something else wrote into since stays, and so do those above it.
      for (const dir of newDirs) {
        try { rmdirSync(dir); } catch { break; }
      }
    }
  }
  return summary.stopped ? EXIT.stopped : EXIT.ok;
}

/** The folders above `path` that do not exist yet, innermost first. */
function missingDirs(path: string): string[] {
  const dirs: string[] = [];
  for (let dir = dirname(resolve(path)); !existsSync(dir) && dirname(dir) !== dir; dir = dirname(dir)) dirs.push(dir);
  return dirs;
}

async function holdsNoRuns(store: ResultStore): Promise<boolean> {
  try {
    return Number((await store.query('SELECT count(*) AS n FROM runs'))[0].n) === 0;
  } catch {
    return false; // unreadable: leave it for the user to look at
  }
}

export function register(program: Command): void {
  program
    .command('sweep')
    .description('Train a grid of networks, measure each run\'s energy and time, normalise as BUTTER-E did, and store the results (DuckDB).')
    .addOption(new Option('--preset <name>', `a named sweep (default quick)`).choices(PRESET_NAMES))
    .option('--spec <file>', 'a sweep spec (JSON): datasets, shapes, sizes, depths, epochs, and optionally devices, tilings, repetitions, untilCi, batchSize, learningRate, seed, overhead, idleSeconds, traceHz')
    .option('--out <file>', 'results store', DEFAULT_STORE)
    .addOption(storeOption('out'))
    .option('--resume', 'continue a sweep already in the results store (completed runs are always skipped; this also checks there is one)')
    .option('--rerun', 'run every planned run again, replacing stored ones')
    .option('--json', 'one JSON object per line (events, then a summary) instead of text')
    .option('--data-dir <dir>', `where dataset files are (default: $${DATA_DIR_ENV}); absent datasets get shape-true synthetic data`)
    .addOption(new Option('--synthetic <mode>', 'auto: real data when present; never: missing files are errors; always: synthetic only').choices(['auto', 'never', 'always']).default('auto'))
    .option('--tiling <choice>', 'default or tuned (the tunings `mlp-energy tune --scope network` stored in the results store) for every run, instead of the spec\'s tilings')
    .option('--repetitions <n>', 'repetitions per configuration (overrides the spec)')
    .option('--until-ci <width>', 'repeat until the 95% CI of J/datum is within ± this fraction of the mean, e.g. 2%')
    .option('--max-repetitions <n>', `cap for --until-ci, at least ${MIN_CI_REPETITIONS} (default 10)`)
    .option('--trace-hz <n>', 'store each run\'s power trace at n samples per second in power_traces (default: the spec\'s traceHz, else 0: none)')
    .option('--plan <file>', 'run a frozen plan file (written by `mlp-energy slurm`) instead of a preset or spec')
    .option('--shard <i/N>', 'run only shard i of N of the plan (0-based; a Slurm array task runs its own)')
    .option('--dry-run', 'print the frozen plan (index, run id, configuration) and exit')
    .addHelpText('after', `
Exit codes: 0 done, 1 error, 2 invalid options or spec, 130 stopped by Ctrl-C (rerun to resume).
Ctrl-C once stops after the current run; twice abandons it (nothing partial is stored).
Examples:
  mlp-energy sweep                              # the quick preset into ./results.duckdb
  mlp-energy sweep --preset tiling --until-ci 2% --max-repetitions 8
  mlp-energy sweep --spec my-sweep.json --out runs/my.duckdb --json
  mlp-energy sweep --preset tiling --trace-hz 10      # power traces for the report's trace chart`)
    .action(async (options: SweepCommandOptions, self: Command) => {
      const stop = new AbortController();
      const cancel = new AbortController();
      const onSigint = () => {
        if (!stop.signal.aborted) {
          process.stderr.write('\nStopping after the current run (Ctrl-C again to abandon it)…\n');
          stop.abort();
        } else cancel.abort();
      };
      process.on('SIGINT', onSigint);
      try {
        process.exitCode = await sweepCommand({ ...options, out: chosenStore(self, 'out') }, { stdout: process.stdout, stderr: process.stderr, stop: stop.signal, cancel: cancel.signal });
      } catch (error) {
        throw withExitCode(error);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
