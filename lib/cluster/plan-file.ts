/**
 * The frozen plan file: the spec and its expanded run list, written once when a job is prepared and read by
 * every array task. Tasks shard this file, never a plan they regenerate, so a node running another build of
 * mlp-energy cannot silently disagree about which runs exist: reading checks that this build expands the spec
 * to exactly the frozen run ids and refuses otherwise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { MlpEnergyError } from '../errors.js';
import { assignShards, selectShard, type ShardSpec, type ShardingRules } from './shard.js';
import { writeAtomic } from './job-dir.js';

/** Temporary stand-in until lib/sweep's plan lands; the same shape (spec + runs with stable runId). */
export interface PlannedRunLike {
  readonly runId: string;
  readonly role: string;
  readonly size: number;
  readonly epochs: number;
}
export interface PlanLike<R extends PlannedRunLike = PlannedRunLike> {
  readonly spec: unknown;
  readonly runs: readonly R[];
}

const FORMAT = 'mlp-energy-plan';
const VERSION = 1;

/** Work estimate used to balance shards: parameters × epochs (training FLOPs scale with both). */
const runCost = (run: PlannedRunLike): number => Math.max(1, run.size) * Math.max(1, run.epochs);

/** How a sweep plan is sharded: balanced by work; overhead reference runs calibrate each node, so every shard runs them. */
export const PLAN_SHARDING: ShardingRules<PlannedRunLike> = { cost: runCost, replicated: (run) => run.role === 'overhead_reference' };

export function writePlanFile(file: string, plan: PlanLike): void {
  writeAtomic(file, JSON.stringify({ format: FORMAT, version: VERSION, created_at: new Date().toISOString(), spec: plan.spec, runs: plan.runs }) + '\n');
}

export function readPlanFile(file: string): PlanLike {
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
  return { spec: parsed.spec, runs: parsed.runs as PlannedRunLike[] };
}

/** The runs shard `shard` of a plan owns (what `sweep --plan FILE --shard i/N` runs). */
export function planShard<R extends PlannedRunLike>(plan: PlanLike<R>, shard: ShardSpec): PlanLike<R> {
  return { spec: plan.spec, runs: selectShard(plan.runs, shard, PLAN_SHARDING) };
}

/** Every shard's run ids, in shard order. */
export function plannedRunIds(plan: PlanLike, shards: number): string[][] {
  return assignShards(plan.runs, shards, PLAN_SHARDING).map((runs) => runs.map((r) => r.runId));
}
