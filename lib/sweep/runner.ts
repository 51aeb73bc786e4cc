/**
 * Runs a plan into a store: idle calibration at the start, the overhead reference runs, then every planned run
 * bracketed by the meters and written in its own transaction. Completed run ids are skipped, so a rerun after Ctrl-C
 * or `kill -9` continues where the store ends, with nothing lost or duplicated.
 */
import { createHash, randomUUID } from 'node:crypto';
import { cpus, hostname, totalmem } from 'node:os';
import { MlpEnergyError } from '../errors.js';
import { DatasetNotFoundError, prepareDataset, type DatasetOptions, type SyntheticMode } from '../datasets/load.js';
import { splitRows } from '../datasets/split.js';
import type { ResultStore, Row } from '../store/store.js';
import { repeatDecision, type RepeatDecision } from './confidence.js';
import { estimateOverhead, normaliseRun, type Overhead } from './normalise.js';
import { measureTraining } from './window.js';
import type { Plan, PlannedRun } from './plan.js';
import type { Backends, MeterPort } from './ports.js';
import type { Device, UntilCi } from './spec.js';

export interface RunSummary {
  readonly runId: string;
  readonly index: number;
  readonly role: PlannedRun['role'];
  readonly dataset: string;
  readonly synthetic: boolean;
  readonly shape: string;
  readonly size: number;
  readonly depth: number;
  readonly device: Device;
  readonly tiling: string;
  readonly repetition: number;
  readonly numFreeParameters: number;
  /** Seconds and joules of one training (the window's divided by `windowRepeats`). */
  readonly runTime: number;
  readonly energy: number | null;
  /** Trainings in the measured window: more than 1 when one was too short for the counters. */
  readonly windowRepeats: number;
  /** A counted counter could not resolve the window (shorter than its update interval, or it read zero). */
  readonly belowResolution: boolean;
  readonly energyPerTrainingDatum: number | null;
  readonly estimated: boolean;
  readonly finalTestLoss: number | null;
}

export type SweepEvent =
  | { type: 'start'; sweep: string; total: number; alreadyDone: number; store: string; meters: Record<string, string> }
  | { type: 'idle'; device: Device; idlePower: number; seconds: number; source: string; estimated: boolean }
  | { type: 'overhead'; device: Device; energy: number; runtime: number; runs: number }
  | { type: 'run'; run: RunSummary; done: number; total: number; etaSeconds: number | null }
  | { type: 'skip'; runId: string; index: number; reason: string; done: number; total: number }
  | { type: 'ci'; outcome: CiOutcome }
  | { type: 'end'; summary: SweepSummary };

/** How an `--until-ci` configuration's repetitions ended. */
export interface CiOutcome {
  readonly experimentId: string;
  readonly dataset: string;
  readonly shape: string;
  readonly size: number;
  readonly depth: number;
  readonly device: Device;
  readonly tiling: string;
  /** Repetitions the interval was computed from. */
  readonly repetitions: number;
  /** 'converged': within the target; 'cap': the cap was reached with the interval still wider (target missed); 'resolution': the counter's step alone exceeds the target. */
  readonly reason: 'converged' | 'cap' | 'resolution';
  /** Half-width of the 95% CI of J/datum relative to its mean; null when it has no finite value (fewer than 2 values, zero mean). */
  readonly halfWidth: number | null;
  readonly target: number;
}

/** The `--until-ci` configurations this sweep settled, by how they ended. */
export interface CiSummary {
  readonly target: number;
  readonly converged: number;
  readonly limitedByResolution: number;
  /** Configurations that reached the cap without meeting the target, with the width they got to. */
  readonly missed: readonly CiOutcome[];
}

export interface SweepSummary {
  readonly sweep: string;
  readonly store: string;
  readonly planned: number;
  readonly ran: number;
  readonly skippedDone: number;
  readonly skippedOther: number;
  readonly stopped: boolean;
  readonly seconds: number;
  readonly synthetic: readonly string[];
  /** The synthetic mode the datasets were loaded with: why those in `synthetic` are ('always': asked for). */
  readonly syntheticMode: SyntheticMode;
  /** null unless the spec repeats until a CI target. */
  readonly ci: CiSummary | null;
}

export interface RunnerOptions {
  readonly store: ResultStore;
  readonly backends: Backends;
  readonly data?: DatasetOptions;
  /** Stop after the current run when aborted (Ctrl-C). */
  readonly stop?: AbortSignal;
  /** Abort the run in progress too (second Ctrl-C); nothing of it is written. */
  readonly cancel?: AbortSignal;
  readonly onEvent?: (event: SweepEvent) => void;
  /** Replace runs already stored instead of skipping them. */
  readonly rerun?: boolean;
  /** What a missing tuning's error offers instead of tuning (default: replacing "tuned" in the spec's tilings). */
  readonly tunedInstead?: string;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Explicit tilings follow this machine's micro-tiles (mc a multiple of mr, …), so they are completed and checked as
 * a run would (`backends.resolveTiling`), once each, before anything is measured or stored: the sweep command calls
 * this before it opens the store (`--dry-run` too), and the runner again for plans given to it directly. A tiling
 * that cannot run here is a spec error (INVALID_SPEC, the native code in `cause`).
 */
export async function checkTilings(runs: readonly PlannedRun[], backends: Pick<Backends, 'resolveTiling'>): Promise<void> {
  const checked = new Set<string>();
  for (const run of runs) {
    if (run.tiling === 'tuned' || checked.has(run.tilingName)) continue; // a tuned tiling is the network's: found per run
    checked.add(run.tilingName);
    try {
      await backends.resolveTiling(run.tiling);
    } catch (error) {
      const { code, message } = error as { code?: string; message?: string };
      throw new MlpEnergyError('INVALID_SPEC', `The spec's tiling ${JSON.stringify(run.tilingName)} cannot run here: ${message} (${code ?? 'INVALID_TILING'}; fix it in the spec's tilings)`, { cause: error });
    }
  }
}

export async function runSweep(plan: Plan, options: RunnerOptions): Promise<SweepSummary> {
  const { store, backends, onEvent = () => {} } = options;
  const started = Date.now();
  const spec = plan.spec;
  const host = hostname();
  const done = options.rerun ? new Set<string>() : await store.completedRunIds();
  const alreadyDone = plan.runs.filter((r) => done.has(r.runId)).length;
  const synthetic = new Set<string>();
  let ran = 0;
  let skippedOther = 0;
  let processed = alreadyDone;
  let runSeconds = 0;
  let stopped = false;
  const settled = new Map<string, CiOutcome>();

  const remaining = plan.runs.filter((r) => !done.has(r.runId));
  await checkTilings(remaining, backends);
  // A device that cannot train here fails the sweep now, not after its idle calibration (60 s in the study's presets).
  for (const device of new Set(remaining.map((r) => r.device))) backends.requireDevice(device);
  const meters = new Map<Device, MeterPort>();
  try {
    for (const device of spec.devices) meters.set(device, await backends.openMeters(device, { traceHz: spec.traceHz }));
    await recordHardware(store, backends, meters, host);
    onEvent({
      type: 'start', sweep: spec.name, total: plan.runs.length, alreadyDone, store: store.path,
      meters: Object.fromEntries([...meters].map(([d, m]) => [d, `${m.source}${m.estimated ? ' (estimate)' : ''}`])),
    });
    // Every dataset read now (each is cached for the process anyway): a malformed or missing file stops the sweep
    // here, not when its first run comes up, maybe hours in.
    for (const name of new Set(remaining.map((r) => r.dataset))) {
      try {
        prepareDataset(name, options.data);
      } catch (error) {
        // The overhead reference dataset (505_tecator by default) is read although the user did not list it: say why.
        const referenceOnly = remaining.every((r) => r.dataset !== name || r.role === 'overhead_reference');
        throw error instanceof DatasetNotFoundError && referenceOnly
          ? error.noting('The overhead reference runs need it (the spec\'s overhead.dataset; "overhead": false in the spec skips them).')
          : error;
      }
    }
    // Idle calibration of each device in use (stored; the runs record which one was in force).
    const idle = new Map<Device, IdleInForce>();
    for (const device of spec.devices) {
      if (remaining.every((r) => r.device !== device) || spec.idleSeconds === 0) {
        idle.set(device, (await store.latestIdle(host, device)) ?? { id: '', power: null });
        continue;
      }
      const meter = meters.get(device)!;
      const calibration = await meter.calibrateIdle(spec.idleSeconds);
      const id = randomUUID();
      await store.upsert('idle_calibrations', [{
        calibration_id: id, host_name: host, device, start_time: new Date(), seconds: calibration.seconds,
        idle_power: calibration.idlePower, domains: calibration.domains, energy_source: calibration.source, estimated: calibration.estimated,
      }]);
      idle.set(device, { id, power: calibration.idlePower });
      onEvent({ type: 'idle', device, idlePower: calibration.idlePower, seconds: calibration.seconds, source: calibration.source, estimated: calibration.estimated });
    }

    const overheads = new Map<Device, Overhead | null>();
    const overheadFor = async (device: Device): Promise<Overhead | null> => {
      if (overheads.has(device)) return overheads.get(device)!;
      const refIds = plan.runs.filter((r) => r.role === 'overhead_reference' && r.device === device).map((r) => r.runId);
      if (refIds.length === 0) { overheads.set(device, null); return null; }
      const rows = await store.runsById(refIds, ['std_energy', 'run_time']);
      const overhead = estimateOverhead(rows.map((r) => ({ stdEnergy: r.std_energy as number, runTime: r.run_time as number })));
      overheads.set(device, overhead);
      if (overhead) {
        // The reference runs themselves get the overhead columns once it is known.
        await store.applyOverhead(refIds, overhead.energy, overhead.runtime);
        onEvent({ type: 'overhead', device, energy: overhead.energy, runtime: overhead.runtime, runs: overhead.runs });
      }
      return overhead;
    };

    for (const run of plan.runs) {
      if (options.stop?.aborted) { stopped = true; break; }
      if (done.has(run.runId)) continue;
      const skip = (reason: string) => {
        skippedOther++;
        processed++;
        onEvent({ type: 'skip', runId: run.runId, index: run.index, reason, done: processed, total: plan.runs.length });
      };
      // Whether the repetitions before this one already settled the interval (in this sweep, or the one resumed).
      const settle = async (repetitions: number) => {
        if (run.role !== 'run' || !spec.untilCi || repetitions < spec.untilCi.min) return null;
        const decision = await ciDecision(store, plan, run, repetitions, spec.untilCi, meters.get(run.device)!);
        if (decision.repeat) return null;
        if (!settled.has(run.experimentId)) {
          const outcome = ciOutcome(run, repetitions, decision, spec.untilCi);
          settled.set(run.experimentId, outcome);
          onEvent({ type: 'ci', outcome });
        }
        return decision;
      };
      const before = await settle(run.repetition);
      if (before) { skip(`repetitions stopped: ${before.reason} (95% CI ±${(before.halfWidth * 100).toFixed(1)}%)`); continue; }
      const overhead = run.role === 'run' ? await overheadFor(run.device) : null;
      const t0 = Date.now();
      const row = await executeRun(run, { backends, meter: meters.get(run.device)!, idle: idle.get(run.device)!, overhead, host, sweep: spec.name, data: options.data, cancel: options.cancel, store,
        tunedInstead: options.tunedInstead ?? 'or replace "tuned" in the spec\'s tilings with "default" or an explicit tiling' });
      if (typeof row === 'string') { skip(row); continue; }
      await store.writeRun(row.run, row.epochs, row.trace);
      done.add(run.runId);
      ran++;
      processed++;
      runSeconds += (Date.now() - t0) / 1000;
      if (row.run.synthetic) synthetic.add(run.dataset);
      const left = plan.runs.length - processed;
      onEvent({
        type: 'run', done: processed, total: plan.runs.length, etaSeconds: ran > 0 ? (runSeconds / ran) * left : null,
        run: summarise(run, row.run),
      });
      await settle(run.repetition + 1); // after the last repetition too, so a configuration that hits the cap says so
    }
    if (options.stop?.aborted && processed < plan.runs.length) stopped = true;
    await store.refreshQc();
  } finally {
    for (const m of meters.values()) await m.close();
  }
  const summary: SweepSummary = {
    sweep: spec.name, store: store.path, planned: plan.runs.length, ran, skippedDone: alreadyDone, skippedOther, stopped,
    seconds: (Date.now() - started) / 1000, synthetic: [...synthetic], syntheticMode: options.data?.synthetic ?? 'auto',
    ci: spec.untilCi ? ciSummary(spec.untilCi, [...settled.values()]) : null,
  };
  onEvent({ type: 'end', summary });
  return summary;
}

interface IdleInForce {
  readonly id: string;
  readonly power: number | null;
}

interface ExecuteContext {
  readonly backends: Backends;
  readonly meter: MeterPort;
  readonly idle: IdleInForce;
  readonly overhead: Overhead | null;
  readonly host: string;
  readonly sweep: string;
  readonly data?: DatasetOptions;
  readonly cancel?: AbortSignal;
  readonly store: ResultStore;
  readonly tunedInstead?: string;
}

/** One planned run: data, network, tiling, the metered training window, and its record. A string means "skipped: why". */
async function executeRun(run: PlannedRun, ctx: ExecuteContext): Promise<{ run: Row; epochs: Row[]; trace: readonly Row[] } | string> {
  const dataset = prepareDataset(run.dataset, ctx.data);
  let facts;
  try {
    facts = ctx.backends.network({
      inputs: dataset.inputs, outputs: dataset.outputs, shape: run.shape, size: run.size, depth: run.depth,
      observations: dataset.rows, batchSize: run.batchSize,
    });
  } catch (error) {
    // BUTTER left out sizes with no network within 20% of the budget; so do we, visibly.
    if ((error as { code?: string }).code === 'NETWORK_OFF_BUDGET') return `no ${run.shape} network of depth ${run.depth} within 20% of ${run.size} parameters`;
    throw error;
  }
  const tiling = await ctx.backends.resolveTiling(run.tiling, {
    widths: [dataset.inputs, ...facts.widths], batch: run.batchSize, store: ctx.store, storePath: ctx.store.path,
    network: { shape: run.shape, size: run.size, depth: run.depth, dataset: run.dataset }, instead: ctx.tunedInstead,
  });
  const split = splitRows(dataset, run.seed);
  const data = { ...split, inputs: dataset.inputs, outputs: dataset.outputs, task: dataset.task, name: dataset.name, synthetic: dataset.synthetic, source: dataset.source };
  const startTime = new Date();
  const train = () => ctx.backends.train({
    data, shape: run.shape, size: run.size, depth: run.depth, epochs: run.epochs, batchSize: run.batchSize,
    learningRate: run.learningRate, seed: run.seed, tiling, device: run.device, signal: ctx.cancel,
  });
  let training;
  try {
    training = await measureTraining(ctx.meter, train);
  } catch (error) {
    if (ctx.cancel?.aborted) throw new MlpEnergyError('ABORTED', 'Sweep cancelled during a run; that run was not stored. Rerun the same command to resume.');
    throw error;
  }
  const { outcome, measured, repeats } = training;
  const updateTime = new Date();
  const last = outcome.epochs[outcome.epochs.length - 1];
  const norm = normaliseRun({
    energy: measured.energy, runTime: measured.seconds, idlePower: ctx.idle.power, overhead: ctx.overhead,
    epochs: run.epochs, nTrain: split.trainRows, batchSize: run.batchSize,
  });
  const row: Row = {
    run_id: run.runId, experiment_id: run.experimentId, sweep: ctx.sweep, source: 'mlp-energy', role: run.role,
    repetition: run.repetition, seed: run.seed, dataset: run.dataset, synthetic: dataset.synthetic, task: dataset.task,
    n_observations: dataset.rows, n_train: split.trainRows, n_test: split.testRows, n_inputs: dataset.inputs, n_outputs: dataset.outputs,
    shape: run.shape, size: run.size, depth: run.depth, widths: [...outcome.widths], num_free_parameters: outcome.numFreeParameters,
    learning_rate: run.learningRate, batch_size: run.batchSize, optimizer: 'adam', epochs: run.epochs,
    is_gpu: run.device === 'gpu', device: run.device, host_name: ctx.host, tiling_name: run.tilingName,
    tiling_mc: tiling.mc, tiling_kc: tiling.kc, tiling_nc: tiling.nc, tiling_mr: tiling.mr, tiling_nr: tiling.nr,
    tiling_threads: tiling.threads, tiling_isa: tiling.isa, tiling_sup: tiling.sup,
    start_time: startTime, update_time: updateTime, run_time: measured.seconds, window_repeats: repeats, energy: measured.energy,
    energy_domains: measured.domains, energy_source: measured.source, estimated: measured.estimated,
    below_resolution: measured.belowResolution, idle_calibration_id: ctx.idle.id || null, idle_power: ctx.idle.power,
    ...norm,
    flops_per_epoch: facts.flopsPerEpoch,
    working_set_l_bytes: facts.workingSets.l, working_set_f_bytes: facts.workingSets.f,
    working_set_b_bytes: facts.workingSets.b, working_set_d_bytes: facts.workingSets.d,
    final_train_loss: num(last?.trainLoss), final_test_loss: num(last?.testLoss), final_test_accuracy: num(last?.testAccuracy),
    filter_runtime_outlier: false, ci_limited_by_resolution: false, ci_half_width: null, ci_target_missed: null,
    run_data: {
      data_source: dataset.source, tiling_requested: run.tiling, meter_resolution_j: ctx.meter.resolution,
      ...(outcome.parallel ? { parallel: outcome.parallel } : {}),
      ...(measured.trace ? { trace: { samples: measured.trace.samples, lost: measured.trace.lost } } : {}),
    },
  };
  const epochs: Row[] = outcome.epochs.map((e, i) => ({
    epoch: i + 1, train_loss: num(e.trainLoss), test_loss: num(e.testLoss), test_accuracy: num(e.testAccuracy), seconds: num(e.seconds),
  }));
  return { run: row, epochs, trace: measured.trace?.rows ?? [] };
}

/** Should repetition `repetitions` (from 0) of the run's experiment still run, given the ones before it that are stored? */
async function ciDecision(store: ResultStore, plan: Plan, run: PlannedRun, repetitions: number, rule: UntilCi, meter: MeterPort): Promise<RepeatDecision> {
  const ids = plan.runs.filter((r) => r.experimentId === run.experimentId && r.repetition < repetitions).map((r) => r.runId);
  const rows = await store.runsById(ids, ['energy_per_training_datum', 'num_training_batches_per_epoch', 'epochs', 'batch_size', 'window_repeats']);
  const values = rows.map((r) => r.energy_per_training_datum).filter((v): v is number => typeof v === 'number');
  const first = rows[0];
  const data = first ? (first.num_training_batches_per_epoch as number) * (first.epochs as number) * (first.batch_size as number) : 0;
  // A window of several trainings spreads the counter's step over them (stores from before windows: one each).
  const repeats = Math.min(...rows.map((r) => (typeof r.window_repeats === 'number' ? r.window_repeats : 1)));
  const decision = repeatDecision(values, rule, data > 0 ? meter.resolution / (data * repeats) : 0);
  if (!decision.repeat) {
    await store.run(`UPDATE runs SET ci_half_width = $2, ci_target_missed = $3, ci_limited_by_resolution = $4 WHERE experiment_id = $1`,
      [run.experimentId, Number.isFinite(decision.halfWidth) ? decision.halfWidth : null, decision.reason === 'cap', decision.reason === 'resolution']);
  }
  return decision;
}

function ciOutcome(run: PlannedRun, repetitions: number, decision: Extract<RepeatDecision, { repeat: false }>, rule: UntilCi): CiOutcome {
  return {
    experimentId: run.experimentId, dataset: run.dataset, shape: run.shape, size: run.size, depth: run.depth, device: run.device,
    tiling: run.tilingName, repetitions, reason: decision.reason, halfWidth: Number.isFinite(decision.halfWidth) ? decision.halfWidth : null,
    target: rule.target,
  };
}

function ciSummary(rule: UntilCi, outcomes: readonly CiOutcome[]): CiSummary {
  return {
    target: rule.target, converged: outcomes.filter((o) => o.reason === 'converged').length,
    limitedByResolution: outcomes.filter((o) => o.reason === 'resolution').length, missed: outcomes.filter((o) => o.reason === 'cap'),
  };
}

async function recordHardware(store: ResultStore, backends: Backends, meters: Map<Device, MeterPort>, host: string): Promise<void> {
  const cpu = cpus();
  const description = {
    ...backends.hardware(),
    meters: Object.fromEntries([...meters].map(([device, m]) => [device, m.describe()])),
    node: process.version, platform: process.platform, arch: process.arch,
  };
  const text = JSON.stringify(description);
  await store.upsert('hardware', [{
    hardware_id: createHash('sha256').update(host + text).digest('hex').slice(0, 16), host_name: host, recorded_at: new Date(),
    cpu_model: cpu[0]?.model ?? null, cpu_count: cpu.length, memory_bytes: totalmem(), description,
  }]);
}

function summarise(run: PlannedRun, row: Row): RunSummary {
  return {
    runId: run.runId, index: run.index, role: run.role, dataset: run.dataset, synthetic: row.synthetic as boolean,
    shape: run.shape, size: run.size, depth: run.depth, device: run.device, tiling: run.tilingName, repetition: run.repetition,
    numFreeParameters: row.num_free_parameters as number, runTime: row.run_time as number, energy: num(row.energy),
    windowRepeats: row.window_repeats as number, belowResolution: row.below_resolution as boolean, energyPerTrainingDatum: num(row.energy_per_training_datum), estimated: row.estimated as boolean, finalTestLoss: num(row.final_test_loss),
  };
}
