/**
 * The frozen plan file: the spec and its expanded run list, written once when a job is prepared and read by
 * every array task. Tasks shard this file, never a plan they regenerate on their own, and reading checks that
 * this build of mlp-energy expands the spec to exactly the frozen run ids, so a node running another build
 * refuses instead of silently running other runs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { MlpEnergyError } from '../errors.js';
import { makePlan, type Plan, type PlannedRun } from '../sweep/plan.js';
import { validateSpec } from '../sweep/spec.js';
import { writeAtomic } from './job-dir.js';
import { assignShards, parseShard, selectShard, type ShardSpec, type ShardingRules } from './shard.js';

const FORMAT = 'mlp-energy-plan';
const VERSION = 1;

/** Work estimate used to balance shards: parameters × epochs (training FLOPs scale with both). */
const runCost = (run: PlannedRun): number => Math.max(1, run.size) * Math.max(1, run.epochs);

/** How a sweep plan is sharded: balanced by work; overhead reference runs calibrate each node, so every shard runs them. */
export const PLAN_SHARDING: ShardingRules<PlannedRun> = { cost: runCost, replicated: (run) => run.role === 'overhead_reference' };

export function writePlanFile(file: string, plan: Plan): void {
  writeAtomic(file, JSON.stringify({ format: FORMAT, version: VERSION, created_at: new Date().toISOString(), spec: plan.spec, runs: plan.runs }) + '\n');
}

export function readPlanFile(file: string): Plan {
  if (!existsSync(file)) {
    throw new MlpEnergyError('INVALID_SPEC', `Plan file ${file} does not exist. Create one with \`mlp-energy slurm --preset NAME --array N --dir DIR\` (it writes DIR/plan.json).`);
  }
  let parsed: { format?: unknown; version?: unknown; spec?: unknown; runs?: unknown };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new MlpEnergyError('INVALID_SPEC', `Plan file ${file} is not valid JSON (${(error as Error).message}); recreate it with \`mlp-energy slurm\`.`);
  }
  if (parsed.format !== FORMAT || parsed.version !== VERSION || !Array.isArray(parsed.runs)) {
    throw new MlpEnergyError('INVALID_SPEC', `${file} is not an mlp-energy plan file (format ${FORMAT} v${VERSION}); recreate it with \`mlp-energy slurm\`.`);
  }
  const plan = makePlan(validateSpec(parsed.spec, `the spec in ${file}`));
  const frozen = (parsed.runs as Array<{ runId?: unknown }>).map((r) => r?.runId);
  if (frozen.length !== plan.runs.length || plan.runs.some((run, i) => run.runId !== frozen[i])) {
    throw new MlpEnergyError(
      'INVALID_SPEC',
      `${file} was frozen by a build of mlp-energy that plans this spec differently (${frozen.length} frozen runs, ${plan.runs.length} here). ` +
        'Run the job with the build that prepared it, or prepare a new job directory with this one.',
    );
  }
  return plan;
}

/** The runs shard `shard` of a plan owns (what `sweep --plan FILE --shard i/N` runs). */
export function planShard(plan: Plan, shard: ShardSpec): Plan {
  return { spec: plan.spec, runs: selectShard(plan.runs, shard, PLAN_SHARDING) };
}

/** Every shard's run ids, in shard order. */
export function plannedRunIds(plan: Plan, shards: number): string[][] {
  return assignShards(plan.runs, shards, PLAN_SHARDING).map((runs) => runs.map((r) => r.runId));
}

/** Sweep options that shape a spec, which a frozen plan has already fixed. */
const SPEC_OPTIONS = ['preset', 'spec', 'tiling', 'repetitions', 'untilCi', 'maxRepetitions'] as const;
export type SweepPlanOptions = { plan?: string; shard?: string } & { [K in (typeof SPEC_OPTIONS)[number]]?: string };

/**
 * The plan `mlp-energy sweep` runs: a frozen `--plan FILE` or the one its spec expands to, narrowed to
 * `--shard i/N` when given. The only place the sweep command touches sharding.
 */
export function sweepPlan(options: SweepPlanOptions, fromSpec: () => Plan): Plan {
  if (options.plan !== undefined) {
    const clash = SPEC_OPTIONS.filter((k) => options[k] !== undefined);
    if (clash.length) {
      throw new MlpEnergyError('INVALID_OPTION', `--plan runs a frozen plan as it is; drop ${clash.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}.`);
    }
  }
  const plan = options.plan !== undefined ? readPlanFile(options.plan) : fromSpec();
  return options.shard !== undefined ? planShard(plan, parseShard(options.shard)) : plan;
}
