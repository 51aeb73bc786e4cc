/**
 * `mlp-energy tune --network 'rectangle,2^18,depth 4,dataset mnist'`: search the GEMM tiling of the network's
 * training shapes for the objective, print default vs tuned with where each block sits, save to the store.
 * With `--grid`: measure a slice of one shape's tiling grid instead (table tuning_grid, the report's grid chart).
 */
import type { Command } from 'commander';
import { MlpEnergyError } from '../../errors.js';
import { datasetSpec, DATASET_NAMES } from '../../datasets/specs.js';
import { networkFor, SHAPES, type Shape } from '../../networks.js';
import { DEFAULT_STORE, ResultStore } from '../../store/store.js';
import { integerIn, numberText, oneOf } from '../../validate.js';
import { openTuneEnvironment, type TuneEnvironment } from '../../tune/environment.js';
import { OBJECTIVES, type Objective } from '../../tune/meter.js';
import { parseNetworkSpec } from '../../tune/network-spec.js';
import { GRID_AXES, gridScan, type GridAxis } from '../../tune/grid-scan.js';
import { saveGridScan, type TilingGridScan } from '../../tune/grid-store.js';
import { selectShape, trainingGemmShapes } from '../../tune/shapes.js';
import { TilingSpace } from '../../tune/space.js';
import { saveTunings } from '../../tune/store.js';
import { formatGridTable, formatTuneTable } from '../../tune/table.js';
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
  /** `--grid [x,series]`: scan a grid slice instead of searching (true: kc across, one line per mc). */
  grid?: boolean | string;
  /** `--grid-shape`: 'largest' (default) or a shape as printed, e.g. 'NN 256x214x784'. */
  gridShape?: string;
}

type Io = { stdout: { write(text: string): unknown }; stderr?: { write(text: string): unknown } };

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
  io: Io,
  /** Injected in tests (a scripted meter); default: this machine. */
  environment?: TuneEnvironment,
): Promise<TuneResult> {
  if (!options.network) throw new MlpEnergyError('INVALID_OPTION', "Nothing to tune: give --network, e.g. --network 'rectangle,2^18,depth 4,dataset mnist'.");
  const { widths, batch, label } = networkWidths(options.network);
  const objective = options.objective === undefined ? undefined : (oneOf('--objective', options.objective, OBJECTIVES) as Objective);
  const budget = options.budget === undefined ? undefined : integerIn('--budget', numberText('--budget', options.budget), 1, 10_000);
  const scope = options.scope === undefined ? undefined : (oneOf('--scope', options.scope, ['shape', 'network']) as TuneScope);
  const max = options.maxRepetitions === undefined ? undefined : integerIn('--max-repetitions', numberText('--max-repetitions', options.maxRepetitions), 3, 1000);
  await storeReachable(options);
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

/** Opened and closed before measuring, so a store that cannot work fails now rather than after the whole search. */
async function storeReachable(options: TuneCommandOptions): Promise<void> {
  if (options.save !== false) (await ResultStore.open(options.store ?? DEFAULT_STORE)).close();
}

/** `--grid` → the scanned axes: 'kc' (one line) or 'kc,mc' (x, then one line per series value). */
export function gridAxes(value: boolean | string): { x: GridAxis; series?: GridAxis } {
  const parts = typeof value === 'string' ? value.split(',').map((p) => p.trim()) : ['kc', 'mc'];
  if (parts.length < 1 || parts.length > 2 || parts.some((p) => !(GRID_AXES as readonly string[]).includes(p)) || parts[0] === parts[1]) {
    throw new MlpEnergyError(
      'INVALID_OPTION',
      `Cannot read --grid ${JSON.stringify(value)}: give one or two different axes of ${GRID_AXES.join(', ')}, e.g. --grid kc,mc (kc across, a line per mc).`,
    );
  }
  return { x: parts[0] as GridAxis, series: parts[1] as GridAxis | undefined };
}

/**
 * `mlp-energy tune --grid`: J and s per datum of one layer shape across a slice of its tiling grid, printed and saved
 * (table tuning_grid) for the report's chart. The slice goes through the analytical default on the packed path
 * (sup off): where the unpacked small-product path runs, mc and nc would change nothing.
 */
export async function tuneGridCommand(options: TuneCommandOptions, io: Io, environment?: TuneEnvironment): Promise<TilingGridScan> {
  if (!options.network) throw new MlpEnergyError('INVALID_OPTION', "Nothing to scan: give --network, e.g. --network 'rectangle,2^18,depth 4,dataset mnist'.");
  // The scan measures J and s at every point; these steer the search only, and would be ignored without a word.
  const searchOnly = (['objective', 'scope', 'maxRepetitions'] as const).filter((o) => options[o] !== undefined);
  if (searchOnly.length) {
    const flags = searchOnly.map((o) => `--${o.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ');
    throw new MlpEnergyError('INVALID_OPTION', `${flags} ${searchOnly.length > 1 ? 'steer' : 'steers'} the tiling search, which --grid replaces (it measures J and s per datum at every point): drop ${searchOnly.length > 1 ? 'them' : 'it'} or drop --grid.`);
  }
  const { widths, batch, label } = networkWidths(options.network);
  const shape = selectShape(trainingGemmShapes(widths, batch), options.gridShape ?? 'largest', '--grid-shape');
  const axes = gridAxes(options.grid ?? true);
  const budget = integerIn('--budget', numberText('--budget', options.budget ?? '16'), 1, 10_000);
  await storeReachable(options);
  const env = environment ?? openTuneEnvironment();
  try {
    const slice = `${axes.x}${axes.series ? ` × ${axes.series}` : ''}`;
    io.stderr?.write(`scanning ${slice} of ${shape.orientation} ${shape.m}×${shape.n}×${shape.k} (${shape.roles.join(', ')}) in ${label}, at most ${budget} tiling${budget === 1 ? '' : 's'}\n`);
    const base = { ...env.start, sup: false };
    const points = await gridScan(env.meter, shape, new TilingSpace(shape, env.space), base, { ...axes, maxPoints: budget });
    const scan: TilingGridScan = {
      machine: env.machine,
      network: label,
      shape: { orientation: shape.orientation, m: shape.m, n: shape.n, k: shape.k },
      callsPerDatum: shape.count / batch,
      x: axes.x,
      series: axes.series ?? null,
      estimated: env.meter.estimated,
      source: env.meter.source,
      scannedAt: new Date().toISOString(),
      points,
    };
    if (options.save !== false) {
      const store = await ResultStore.open(options.store ?? DEFAULT_STORE);
      try {
        const rows = await saveGridScan(store, scan);
        io.stderr?.write(`saved ${rows} grid point${rows === 1 ? '' : 's'} to ${store.path} (table tuning_grid; \`mlp-energy report\` charts it)\n`);
      } finally {
        store.close();
      }
    }
    io.stdout.write(options.json ? JSON.stringify(scan) + '\n' : formatGridTable(scan) + '\n');
    return scan;
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
    .option('--budget <n>', 'most distinct tilings measured per shape, the default included (with --grid: most tilings in the grid)', '16')
    .option('--scope <scope>', "'shape': a tiling per GEMM shape; 'network': one tiling for the whole step (what --tiling tuned uses) (default: shape)")
    .option('--max-repetitions <n>', 'most paired repetitions per comparison (default: 12)')
    .option('--store <file>', 'results store to save the tunings in', DEFAULT_STORE)
    .option('--no-save', 'do not save the tunings')
    .option('--json', 'print the full result as JSON')
    .option('--grid [axes]', `instead of searching, measure a slice of one shape's tiling grid for the report's chart: x axis and optional series, of ${GRID_AXES.join(', ')} (default kc,mc)`)
    .option('--grid-shape <shape>', "the shape --grid scans: 'largest' (most FLOPs per step) or one as printed, e.g. 'NN 256x214x784'", 'largest')
    .addHelpText('after', "\nEnergy without a hardware counter is a CPU-time estimate; use --objective time or edp there.\nExample: mlp-energy tune --network 'trapezoid,2^16,depth 3,dataset 537_houses' --objective edp --budget 12\n         mlp-energy tune --network 'rectangle,2^18,depth 4,dataset mnist' --grid kc,mc --budget 40")
    .action(async (options: TuneCommandOptions) => {
      const io = { stdout: process.stdout, stderr: process.stderr };
      if (options.grid !== undefined) await tuneGridCommand(options, io);
      else await tuneCommand(options, io);
    });
}
