/**
 * `--tiling tuned`: the tiling `mlp-energy tune --scope network` found for this network's training step on this
 * machine, read from the store. A run never silently falls back to the default: no tuning is an error with the fix.
 */
import { resolve } from 'node:path';
import { DATASET_NAMES, datasetSpec } from '../datasets/specs.js';
import { MlpEnergyError } from '../errors.js';
import { DEFAULT_STORE } from '../store/store.js';
import type { Tiling } from '../tiling.js';
import { thisMachine } from './environment.js';
import type { Machine } from './machine.js';
import type { Objective } from './meter.js';
import { trainingGemmShapes } from './shapes.js';
import { findTuning, stepKey, type SqlStore } from './store.js';

/** A network as `mlp-energy tune --network` names it; any dataset with the step's input and output widths will do. */
export interface TunedNetwork {
  readonly shape: string;
  readonly size: number;
  readonly depth: number;
  /** The dataset the run trains on, preferred when its widths match the step's. */
  readonly dataset?: string;
}

export interface TunedTilingQuery {
  /** Layer widths, input first, and the batch: they decide the step's GEMM shapes. */
  widths: readonly number[];
  batch: number;
  /** Which objective's tuning (default: the newest of any). */
  objective?: Objective;
  machine?: Machine;
  /** The network the widths are, so that a missing tuning's error gives a `mlp-energy tune` command to paste. */
  network?: TunedNetwork;
  /** The store's path as the caller named it, for that command's --store (left out when it is the default). */
  storePath?: string;
  /** The alternative to tuning in the caller's terms (default: pass an explicit tiling). */
  instead?: string;
}

/** Single quotes for the shell where the text needs them. */
const shellWord = (text: string) => (/^[\w./:@%+=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

/**
 * The `mlp-energy tune` command that stores the missing tuning, or null when no BUTTER dataset has the step's input
 * and output widths (`--network` can then not describe it). The tune command derives widths from the dataset's spec,
 * so the dataset is chosen by those widths, the run's own first.
 */
export function tuneCommandFor(query: Pick<TunedTilingQuery, 'widths' | 'batch' | 'network' | 'storePath' | 'objective'>): string | null {
  const { network, widths } = query;
  if (!network) return null;
  const fits = (name: string) => {
    const spec = datasetSpec(name);
    return spec !== undefined && spec.inputs === widths[0] && spec.outputs === widths[widths.length - 1];
  };
  const dataset = network.dataset !== undefined && fits(network.dataset) ? network.dataset : DATASET_NAMES.find(fits);
  if (dataset === undefined) return null;
  const batch = query.batch === 256 ? '' : `,batch ${query.batch}`; // 256 is tune's default
  const store = query.storePath !== undefined && resolve(query.storePath) !== resolve(DEFAULT_STORE) ? ` --store ${shellWord(query.storePath)}` : '';
  const objective = query.objective ? ` --objective ${query.objective}` : '';
  return `mlp-energy tune --network '${network.shape},${network.size},depth ${network.depth},dataset ${dataset}${batch}' --scope network${objective}${store}`;
}

/** The SDK calls that store the missing tuning, for networks `--network` cannot name (README "Tiling search"). */
function sdkTuning(query: TunedTilingQuery): string {
  const objective = query.objective ? `, objective: '${query.objective}'` : '';
  return `const env = openTuneEnvironment(); const result = await tune({ widths: [${query.widths.join(', ')}], batch: ${query.batch}${objective}, ` +
    `scope: 'network', meter: env.meter, space: env.space, start: env.start }); const store = await ResultStore.open(${JSON.stringify(query.storePath ?? DEFAULT_STORE)}); ` +
    'await saveTunings(store, env.machine, result); store.close(); env.close();';
}

export async function tunedTiling(store: SqlStore, query: TunedTilingQuery): Promise<Tiling> {
  const machine = query.machine ?? thisMachine();
  const target = stepKey(trainingGemmShapes(query.widths, query.batch));
  const found = await findTuning(store, machine, target, query.objective);
  if (!found) {
    const command = tuneCommandFor(query);
    const how = command ? `Run \`${command}\` first` : `No BUTTER dataset has this network's input and output widths, so tune it from the SDK first: \`${sdkTuning(query)}\``;
    throw new MlpEnergyError(
      'TUNING_NOT_FOUND',
      `No tuned tiling for this network (widths ${query.widths.join('→')}, batch ${query.batch}) on this machine ` +
        `(${machine.cpu_model})${query.objective ? ` for objective ${query.objective}` : ''}. ${how}, ` +
        `${query.instead ?? 'or pass an explicit tiling'}.`,
    );
  }
  return found.tiling;
}
