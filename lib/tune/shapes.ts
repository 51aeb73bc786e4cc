/**
 * The distinct GEMM shapes one training step of a dense network runs, with how often each occurs.
 * Layer i maps w_i → w_{i+1} on a batch of b rows (row-major, W stored w_i × w_{i+1}):
 *   forward        Y  = X·W     NN  m = b,   n = w_{i+1}, k = w_i
 *   input gradient dX = dY·Wᵀ   NT  m = b,   n = w_i,     k = w_{i+1}   (not for the first layer: no dX needed)
 *   weight grad.   dW = Xᵀ·dY   TN  m = w_i, n = w_{i+1}, k = b
 */
import { integerIn } from '../validate.js';
import { invalidOption } from '../errors.js';

export type Orientation = 'NN' | 'NT' | 'TN';

export interface GemmShape {
  orientation: Orientation;
  m: number;
  n: number;
  k: number;
}

export interface CountedShape extends GemmShape {
  /** Calls of this shape per training step (one batch). */
  count: number;
  /** What the calls are, e.g. "forward L1, L2". */
  roles: string[];
}

export function shapeKey(shape: GemmShape): string {
  return `${shape.orientation} ${shape.m}×${shape.n}×${shape.k}`;
}

export function transposes(orientation: Orientation): { transA: boolean; transB: boolean } {
  return { transA: orientation === 'TN', transB: orientation === 'NT' };
}

/** Multiply-adds ×2 of one call. */
export function flops(shape: GemmShape): number {
  return 2 * shape.m * shape.n * shape.k;
}

/** The distinct GEMM shapes of one training step of a network with these layer widths (input first). */
export function trainingGemmShapes(widths: readonly number[], batch: number): CountedShape[] {
  if (!Array.isArray(widths) || widths.length < 2) {
    throw invalidOption('widths', 'an array of at least 2 layer widths (input and output)', widths, 'type');
  }
  widths.forEach((w, i) => integerIn(`widths[${i}]`, w, 1));
  integerIn('batch', batch, 1);
  const byKey = new Map<string, CountedShape>();
  const add = (shape: GemmShape, role: string) => {
    const key = shapeKey(shape);
    const seen = byKey.get(key);
    if (seen) {
      seen.count += 1;
      seen.roles.push(role);
    } else byKey.set(key, { ...shape, count: 1, roles: [role] });
  };
  for (let i = 0; i + 1 < widths.length; i++) {
    const [input, output] = [widths[i], widths[i + 1]];
    add({ orientation: 'NN', m: batch, n: output, k: input }, `forward L${i + 1}`);
    if (i > 0) add({ orientation: 'NT', m: batch, n: input, k: output }, `dX L${i + 1}`);
    add({ orientation: 'TN', m: input, n: output, k: batch }, `dW L${i + 1}`);
  }
  return [...byKey.values()];
}

/** Validates a user-given list of shapes (the `gemmShapes` option); each gets count 1 unless given. */
export function checkGemmShapes(value: unknown): CountedShape[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidOption('gemmShapes', 'a non-empty array of { orientation, m, n, k }', value, 'type');
  }
  return value.map((s: unknown, i) => {
    const shape = s as Partial<CountedShape>;
    if (typeof s !== 'object' || s === null) throw invalidOption(`gemmShapes[${i}]`, 'an object { orientation, m, n, k }', s, 'type');
    const orientation = shape.orientation ?? 'NN';
    if (!['NN', 'NT', 'TN'].includes(orientation)) {
      throw invalidOption(`gemmShapes[${i}].orientation`, 'one of "NN", "NT", "TN"', orientation);
    }
    return {
      orientation,
      m: integerIn(`gemmShapes[${i}].m`, shape.m, 1),
      n: integerIn(`gemmShapes[${i}].n`, shape.n, 1),
      k: integerIn(`gemmShapes[${i}].k`, shape.k, 1),
      count: shape.count === undefined ? 1 : integerIn(`gemmShapes[${i}].count`, shape.count, 1),
      roles: shape.roles ?? [`shape ${i + 1}`],
    };
  });
}

/** The shape that does the most work per step (FLOPs × calls); the first of a tie. */
export function heaviestShape(shapes: readonly CountedShape[]): CountedShape {
  return shapes.reduce((best, s) => (flops(s) * s.count > flops(best) * best.count ? s : best));
}

/**
 * One shape of a step, named as shapeKey() prints it ('NN 256×214×784'; 'x' for '×' is fine) or 'largest' for
 * heaviestShape(). An unknown name lists the step's shapes.
 */
export function selectShape(shapes: readonly CountedShape[], name: string, option = 'shape'): CountedShape {
  if (name.trim().toLowerCase() === 'largest') return heaviestShape(shapes);
  const normal = (text: string) => text.trim().replace(/\s*[x×*]\s*/gi, '×').replace(/\s+/g, ' ').toUpperCase();
  const found = shapes.find((s) => normal(shapeKey(s)) === normal(name));
  if (!found) {
    const known = shapes.map((s) => `'${shapeKey(s)}' (${s.roles.join(', ')})`).join(', ');
    throw invalidOption(option, `'largest' or one of this network's GEMM shapes: ${known}`, name);
  }
  return found;
}
