/**
 * Named sweeps. `quick` is the default main job (a few minutes on 2 cores); `butter-e-cpu` / `butter-e-gpu` are the
 * study's full grids (reference §3: sizes 2^5…2^24, 14 depths, 8 shapes, the 12 analysed datasets, Adam 1e-4, batch
 * 256, 3000 epochs); `tiling` holds one network fixed and varies the GEMM blocking.
 */
import { MlpEnergyError } from '../errors.js';
import { BUTTER_DATASET_NAMES } from '../datasets/specs.js';
import { SHAPES } from '../networks.js';
import { validateSpec, type SweepSpec, type SweepSpecInput } from './spec.js';

const pow2 = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => 2 ** (from + i));
const BUTTER_E_DEPTHS = [2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 20];
// 505_tecator is the overhead reference and was dropped from the analysis (reference §3, §5).
const BUTTER_E_DATASETS = BUTTER_DATASET_NAMES.filter((d) => d !== '505_tecator');

export const PRESETS: Readonly<Record<string, SweepSpecInput>> = {
  quick: {
    name: 'quick',
    datasets: ['529_pollen', 'wine_quality_white', 'banana'],
    shapes: [...SHAPES],
    sizes: [2 ** 10, 2 ** 13, 2 ** 16],
    depths: [3, 4, 6],
    tilings: ['default', { name: 'kc64', kc: 64 }],
    epochs: 2,
    repetitions: 1,
    idleSeconds: 3,
    overhead: { sizes: [2 ** 7, 2 ** 8, 2 ** 9, 2 ** 10], repetitions: 2 },
  },
  'butter-e-cpu': {
    name: 'butter-e-cpu',
    datasets: BUTTER_E_DATASETS,
    shapes: [...SHAPES],
    sizes: pow2(5, 24),
    depths: BUTTER_E_DEPTHS,
    devices: ['cpu'],
    epochs: 3000,
    batchSize: 256,
    learningRate: 1e-4,
    idleSeconds: 60,
    overhead: { sizes: pow2(5, 10) },
  },
  'butter-e-gpu': {
    name: 'butter-e-gpu',
    datasets: BUTTER_E_DATASETS,
    shapes: [...SHAPES],
    sizes: pow2(5, 24),
    depths: BUTTER_E_DEPTHS,
    devices: ['gpu'],
    epochs: 3000,
    batchSize: 256,
    learningRate: 1e-4,
    idleSeconds: 60,
    overhead: { sizes: pow2(5, 10) },
  },
  tiling: {
    name: 'tiling',
    datasets: ['wine_quality_white'],
    shapes: ['rectangle'],
    sizes: [2 ** 18],
    depths: [4],
    tilings: [
      'default',
      ...[32, 64, 128, 256, 512].flatMap((kc) => [1, 2].map((threads) => ({ name: `kc${kc}-t${threads}`, kc, threads }))),
    ],
    epochs: 3,
    repetitions: 3,
    idleSeconds: 5,
  },
};

export const PRESET_NAMES = Object.keys(PRESETS);

export function preset(name: string): SweepSpec {
  const input = PRESETS[name];
  if (!input) throw new MlpEnergyError('INVALID_OPTION', `Unknown preset ${JSON.stringify(name)}; presets: ${PRESET_NAMES.join(', ')}. Or pass your own with --spec FILE.`);
  return validateSpec(input, `preset ${name}`);
}
