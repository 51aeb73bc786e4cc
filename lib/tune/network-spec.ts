/**
 * The network a tuning is for, as written on the command line: 'rectangle,2^18,depth 4,dataset mnist[,batch 256]'.
 * Shape and size are positional (as BUTTER names runs); depth, dataset and batch are labelled.
 */
import { MlpEnergyError } from '../errors.js';

export interface NetworkSpec {
  shape: string;
  size: number;
  depth: number;
  dataset: string;
  batch: number;
}

const EXAMPLE = "'rectangle,2^18,depth 4,dataset mnist' (optionally ',batch 256')";

function bad(text: string, why: string): MlpEnergyError {
  return new MlpEnergyError('INVALID_OPTION', `Cannot read network ${JSON.stringify(text)}: ${why}. Write it as ${EXAMPLE}.`);
}

/** "2^18", "262144" or "2**18" → 262144. */
export function parseSize(token: string): number | undefined {
  const power = /^(\d+)\s*(?:\^|\*\*)\s*(\d+)$/.exec(token);
  const value = power ? Number(power[1]) ** Number(power[2]) : /^\d+$/.test(token) ? Number(token) : NaN;
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

export function parseNetworkSpec(text: string): NetworkSpec {
  if (typeof text !== 'string' || text.trim() === '') throw bad(String(text), 'it is empty');
  const tokens = text.split(',').map((t) => t.trim()).filter(Boolean);
  const spec: Partial<NetworkSpec> = { batch: 256 };
  for (const token of tokens) {
    const labelled = /^(depth|dataset|batch)\s+(\S+)$/.exec(token);
    if (labelled) {
      const [, key, value] = labelled;
      if (key === 'dataset') spec.dataset = value;
      else {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1) throw bad(text, `${key} must be a positive integer, got ${JSON.stringify(value)}`);
        spec[key as 'depth' | 'batch'] = n;
      }
    } else if (parseSize(token) !== undefined) {
      if (spec.size !== undefined) throw bad(text, 'it names two sizes');
      spec.size = parseSize(token);
    } else if (/^[a-z_0-9]+$/.test(token) && spec.shape === undefined) {
      spec.shape = token;
    } else throw bad(text, `${JSON.stringify(token)} is not a shape, a size, 'depth N', 'dataset NAME' or 'batch N'`);
  }
  for (const key of ['shape', 'size', 'depth', 'dataset'] as const) {
    if (spec[key] === undefined) throw bad(text, `it has no ${key}`);
  }
  return spec as NetworkSpec;
}
