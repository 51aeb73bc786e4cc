/**
 * Sharding of a frozen plan: the one place that decides which runs an array task owns.
 *
 * Runs are ordered canonically (estimated cost descending, then run id) and dealt greedily to the least loaded
 * shard (longest-processing-time first, ties to the lowest index). Because the order depends only on the runs'
 * ids and costs, never on their position in the file, the assignment is
 * - deterministic: every array task computes the same partition on its own node, with no coordination;
 * - disjoint and complete: each run lands in exactly one shard;
 * - stable under reordering: shuffling the plan's run list changes nothing;
 * - balanced: with equal costs it is round-robin (shard sizes differ by at most one).
 *
 * Runs marked as replicated are calibrations of the node rather than results (the tiny overhead reference runs
 * each node needs to normalise its own runs, like its idle calibration): every shard gets all of them, and the
 * merge keeps one copy. All other runs are dealt disjointly.
 */
import { MlpEnergyError } from '../errors.js';
import { integerIn } from '../validate.js';

/** Shard `index` of `count` (0-based, as Slurm numbers array tasks with `--array=0-(count-1)`). */
export interface ShardSpec {
  index: number;
  count: number;
}

/** A run as sharding sees it: a stable id, and optionally an estimate of its work (any positive unit). */
export interface ShardableRun {
  runId: string;
}

export type RunCost<T> = (run: T) => number;

export interface ShardingRules<T> {
  /** Estimated work of a run (any positive unit); equal for all runs when absent. */
  cost?: RunCost<T>;
  /** Runs every shard runs (per-node calibrations); none when absent. */
  replicated?: (run: T) => boolean;
}

/** Parses `i/N` as written on the command line (`--shard 3/64`). */
export function parseShard(text: unknown): ShardSpec {
  const match = typeof text === 'string' ? /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text) : null;
  if (!match) {
    throw new MlpEnergyError(
      'INVALID_OPTION',
      `Expected a shard as "i/N" (for example "0/4": the first of 4 shards) for --shard but received ${JSON.stringify(text)}`,
    );
  }
  return checkShard({ index: Number(match[1]), count: Number(match[2]) });
}

export function checkShard(shard: ShardSpec): ShardSpec {
  const count = integerIn('shard count', shard.count, 1);
  const index = integerIn(`shard index (0-based, below the shard count ${count})`, shard.index, 0, count - 1);
  return { index, count };
}

export function formatShard(shard: ShardSpec): string {
  return `${shard.index}/${shard.count}`;
}

/** The canonical order sharding deals from: costly runs first so the greedy deal balances work, then by id. */
function canonicalOrder<T extends ShardableRun>(runs: readonly T[], cost: RunCost<T> | undefined): Array<{ run: T; cost: number }> {
  const seen = new Set<string>();
  const costed = runs.map((run) => {
    if (typeof run.runId !== 'string' || run.runId.length === 0) {
      throw new MlpEnergyError('INVALID_SPEC', 'Every planned run needs a non-empty string runId to be sharded; regenerate the plan file.');
    }
    if (seen.has(run.runId)) {
      throw new MlpEnergyError('INVALID_SPEC', `The plan lists run id ${JSON.stringify(run.runId)} twice; a frozen plan's run ids must be unique — regenerate it.`);
    }
    seen.add(run.runId);
    const c = cost ? cost(run) : 1;
    if (!Number.isFinite(c) || c <= 0) {
      throw new MlpEnergyError('INVALID_SPEC', `The cost estimate of run ${run.runId} is ${c}; it must be a positive finite number.`);
    }
    return { run, cost: c };
  });
  return costed.sort((a, b) => b.cost - a.cost || (a.run.runId < b.run.runId ? -1 : a.run.runId > b.run.runId ? 1 : 0));
}

/** Deals all runs into `count` shards; element i lists shard i's runs (replicated ones first) in canonical order. */
export function assignShards<T extends ShardableRun>(runs: readonly T[], count: number, rules: ShardingRules<T> = {}): T[][] {
  integerIn('shard count', count, 1);
  const ordered = canonicalOrder(runs, rules.cost);
  const replicated = rules.replicated ? ordered.filter(({ run }) => rules.replicated!(run)).map(({ run }) => run) : [];
  const shards: T[][] = Array.from({ length: count }, () => [...replicated]);
  const load = new Array<number>(count).fill(0);
  for (const { run, cost: c } of ordered) {
    if (rules.replicated?.(run)) continue;
    let target = 0;
    for (let s = 1; s < count; s++) if (load[s] < load[target]) target = s;
    shards[target].push(run);
    load[target] += c;
  }
  return shards;
}

/** The runs one array task owns. */
export function selectShard<T extends ShardableRun>(runs: readonly T[], shard: ShardSpec, rules: ShardingRules<T> = {}): T[] {
  const { index, count } = checkShard(shard);
  return assignShards(runs, count, rules)[index];
}
