/**
 * Sharding of a frozen plan: the one place that decides which runs an array task owns.
 *
 * Runs are ordered canonically (estimated cost descending, then run_id) and dealt greedily to the least loaded
 * shard (longest-processing-time first, ties to the lowest index). Because the order depends only on the runs'
 * ids and costs, never on their position in the file, the assignment is
 * - deterministic: every array task computes the same partition on its own node, with no coordination;
 * - disjoint and complete: each run lands in exactly one shard;
 * - stable under reordering: shuffling the plan's run list changes nothing;
 * - balanced: with equal costs it is round-robin (shard sizes differ by at most one).
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
  run_id: string;
}

export type RunCost<T> = (run: T) => number;

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
    if (typeof run.run_id !== 'string' || run.run_id.length === 0) {
      throw new MlpEnergyError('INVALID_SPEC', 'Every planned run needs a non-empty string run_id to be sharded; regenerate the plan file.');
    }
    if (seen.has(run.run_id)) {
      throw new MlpEnergyError('INVALID_SPEC', `The plan lists run_id ${JSON.stringify(run.run_id)} twice; a frozen plan's run ids must be unique — regenerate it.`);
    }
    seen.add(run.run_id);
    const c = cost ? cost(run) : 1;
    if (!Number.isFinite(c) || c <= 0) {
      throw new MlpEnergyError('INVALID_SPEC', `The cost estimate of run ${run.run_id} is ${c}; it must be a positive finite number.`);
    }
    return { run, cost: c };
  });
  return costed.sort((a, b) => b.cost - a.cost || (a.run.run_id < b.run.run_id ? -1 : a.run.run_id > b.run.run_id ? 1 : 0));
}

/** Deals all runs into `count` shards; element i lists shard i's runs in canonical order. */
export function assignShards<T extends ShardableRun>(runs: readonly T[], count: number, cost?: RunCost<T>): T[][] {
  integerIn('shard count', count, 1);
  const shards: T[][] = Array.from({ length: count }, () => []);
  const load = new Array<number>(count).fill(0);
  for (const { run, cost: c } of canonicalOrder(runs, cost)) {
    let target = 0;
    for (let s = 1; s < count; s++) if (load[s] < load[target]) target = s;
    shards[target].push(run);
    load[target] += c;
  }
  return shards;
}

/** The runs one array task owns. */
export function selectShard<T extends ShardableRun>(runs: readonly T[], shard: ShardSpec, cost?: RunCost<T>): T[] {
  const { index, count } = checkShard(shard);
  return assignShards(runs, count, cost)[index];
}
