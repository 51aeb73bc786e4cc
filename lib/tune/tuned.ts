/**
 * `--tiling tuned`: the tiling `mlp-energy tune --scope network` found for this network's training step on this
 * machine, read from the store. A run never silently falls back to the default: no tuning is an error with the fix.
 */
import { MlpEnergyError } from '../errors.js';
import type { Tiling } from '../tiling.js';
import { thisMachine } from './environment.js';
import type { Machine } from './machine.js';
import type { Objective } from './meter.js';
import { trainingGemmShapes } from './shapes.js';
import { findTuning, stepKey, type SqlStore } from './store.js';

export interface TunedTilingQuery {
  /** Layer widths, input first, and the batch: they decide the step's GEMM shapes. */
  widths: readonly number[];
  batch: number;
  /** Which objective's tuning (default: the newest of any). */
  objective?: Objective;
  machine?: Machine;
}

export async function tunedTiling(store: SqlStore, query: TunedTilingQuery): Promise<Tiling> {
  const machine = query.machine ?? thisMachine();
  const target = stepKey(trainingGemmShapes(query.widths, query.batch));
  const found = await findTuning(store, machine, target, query.objective);
  if (!found) {
    throw new MlpEnergyError(
      'TUNING_NOT_FOUND',
      `No tuned tiling for this network (widths ${query.widths.join('→')}, batch ${query.batch}) on this machine ` +
        `(${machine.cpu_model})${query.objective ? ` for objective ${query.objective}` : ''}. Run \`mlp-energy tune ` +
        `--network '<shape>,<size>,depth <d>,dataset <name>' --scope network\` first, or use --tiling default.`,
    );
  }
  return found.tiling;
}
