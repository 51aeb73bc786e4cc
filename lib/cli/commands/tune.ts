/**
 * `mlp-energy tune --network 'rectangle,2^18,depth 4,dataset mnist'`: search the GEMM tiling of the network's
 * training shapes for the objective, print default vs tuned with where each block sits, save to the store.
 */
import type { Command } from 'commander';
import { MlpEnergyError } from '../../errors.js';
import { datasetSpec, DATASET_NAMES } from '../../datasets/specs.js';
import { networkFor, SHAPES, type Shape } from '../../networks.js';
import { DEFAULT_STORE, ResultStore } from '../../store/store.js';
import { integerIn, oneOf } from '../../validate.js';
import { openTuneEnvironment, type TuneEnvironment } from '../../tune/environment.js';
import { OBJECTIVES, type Objective } from '../../tune/meter.js';
import { parseNetworkSpec } from '../../tune/network-spec.js';
import { saveTunings } from '../../tune/store.js';
import { formatTuneTable } from '../../tune/table.js';
import { tune, type TuneResult, type TuneScope } from '../../tune/tune.js';

export interface TuneCommandOptions {
  network: string;
  objective?: string;
  budget?: string | number;
  scope?: string;
  maxRepetitions?: string | number;
  store?: string;
  save?: boolean;
  json?: boolean;
}

/** The network's layer widths, input first, for a parsed spec. */
export function networkWidths(text: string): { widths: number[]; batch: number; label: string } {
  const spec = parseNetworkSpec(text);
  const dataset = datasetSpec(spec.dataset);
  if (!dataset) {
    throw new MlpEnergyError('INVALID_OPTION', `Unknown dataset ${JSON.stringify(spec.dataset)} in --network; known: ${DATASET_NAMES.join(', ')}`);
  }
  const shape = oneOf('network shape', spec.shape, SHAPES) as Shape;
  const network = networkFor({ inputs: dataset.inputs, outputs: dataset.outputs, shape, size: spec.size, depth: spec.depth });
  return {
    widths: [network.inputs, ...network.widths],
    batch: spec.batch,
    label: `${shape} size ${spec.size} depth ${spec.depth} on ${dataset.name} (widths ${network.inputs}→${network.widths.join('→')}, batch ${spec.batch})`,
  };
}

export async function tuneCommand(
  options: TuneCommandOptions,
  io: { stdout: { write(text: string): unknown }; stderr?: { write(text: string): unknown } },
  /** Injected in tests (a scripted meter); default: this machine. */
  environment?: TuneEnvironment,
): Promise<TuneResult> {
  if (!options.network) throw new MlpEnergyError('INVALID_OPTION', "Nothing to tune: give --network, e.g. --network 'rectangle,2^18,depth 4,dataset mnist'.");
  const { widths, batch, label } = networkWidths(options.network);
  const objective = options.objective === undefined ? undefined : (oneOf('--objective', options.objective, OBJECTIVES) as Objective);
  const budget = options.budget === undefined ? undefined : integerIn('--budget', Number(options.budget), 1, 10_000);
  const scope = options.scope === undefined ? undefined : (oneOf('--scope', options.scope, ['shape', 'network']) as TuneScope);
  const max = options.maxRepetitions === undefined ? undefined : integerIn('--max-repetitions', Number(options.maxRepetitions), 3, 1000);
  const env = environment ?? openTuneEnvironment();
  try {
    io.stderr?.write(`tuning ${label}\n`);
    const result = await tune({
      widths,
      batch,
      objective,
      budget,
      scope,
      repetitions: max === undefined ? undefined : { max },
      meter: env.meter,
      space: env.space,
      start: env.start,
      onShape: (i, n, s) => io.stderr?.write(`  shape ${i + 1}/${n}: ${s.orientation} ${s.m}×${s.n}×${s.k}\n`),
    });
    if (options.save !== false) {
      const store = await ResultStore.open(options.store ?? DEFAULT_STORE);
      try {
        const rows = await saveTunings(store, env.machine, result);
        io.stderr?.write(`saved ${rows} tuning${rows === 1 ? '' : 's'} to ${store.path} (table tunings)\n`);
      } finally {
        store.close();
      }
    }
    io.stdout.write(options.json ? JSON.stringify(result) + '\n' : `${label}\n${formatTuneTable(result, env.caches)}\n`);
    return result;
  } finally {
    env.close();
  }
}

export function register(program: Command): void {
  program
    .command('tune')
    .description('Search the GEMM cache tiling of a network\'s training shapes for the least energy, time or EDP per datum.')
    .requiredOption('--network <spec>', "BUTTER network, e.g. 'rectangle,2^18,depth 4,dataset mnist' (optional ',batch 256')")
    .option('--objective <name>', `what to minimise: ${OBJECTIVES.join(', ')} (default: energy with a hardware counter, else time)`)
    .option('--budget <n>', 'most distinct tilings measured per shape, the default included', '16')
    .option('--scope <scope>', "'shape': a tiling per GEMM shape; 'network': one tiling for the whole step (what --tiling tuned uses)", 'shape')
    .option('--max-repetitions <n>', 'most paired repetitions per comparison', '12')
    .option('--store <file>', 'results store to save the tunings in', DEFAULT_STORE)
    .option('--no-save', 'do not save the tunings')
    .option('--json', 'print the full result as JSON')
    .addHelpText('after', "\nEnergy without a hardware counter is a CPU-time estimate; use --objective time or edp there.\nExample: mlp-energy tune --network 'trapezoid,2^16,depth 3,dataset 537_houses' --objective edp --budget 12")
    .action(async (options: TuneCommandOptions) => {
      await tuneCommand(options, { stdout: process.stdout, stderr: process.stderr });
    });
}
