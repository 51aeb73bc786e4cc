/**
 * Single-precision GEMM on the native blocked kernel: C = alpha·op(A)·op(B) + beta·C, row-major.
 * `a` is m×k (k×m when transA), `b` is k×n (n×k when transB), C is m×n; lda/ldb/ldc are row strides
 * (default: packed rows). Inputs are used in place (zero-copy); `c` is updated in place when given,
 * otherwise a new zeroed array is returned.
 */
import { rejectUnknownOptions } from './errors.js';
import { invalidOption, withCode } from './errors.js';
import { native } from './native.js';
import { checkTilingOptions, type TilingOptions } from './tiling.js';
import { booleanOption, finiteNumber, float32Array, integerIn, isPlainObject } from './validate.js';

export interface GemmOptions {
  a: Float32Array;
  b: Float32Array;
  /** Updated in place when given (beta·C is added); a new m×n array otherwise. */
  c?: Float32Array;
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  /** Default 1. */
  alpha?: number;
  /** Default 0; with beta 0, C is never read (it may hold NaN). */
  beta?: number;
  lda?: number;
  ldb?: number;
  ldc?: number;
  /** Partial tilings are completed from `defaultTiling()`. */
  tiling?: TilingOptions;
}

const KEYS = ['a', 'b', 'c', 'm', 'n', 'k', 'transA', 'transB', 'alpha', 'beta', 'lda', 'ldb', 'ldc', 'tiling'] as const;
const MAX_DIM = 2 ** 31 - 1;

function checkedMatrix(name: string, value: unknown, rows: number, cols: number, ld: number | undefined, shape: string) {
  if (ld === undefined) return float32Array(`${name} (${shape} = ${rows}×${cols})`, value, rows * cols);
  const arr = float32Array(name, value);
  const need = rows > 0 && cols > 0 ? (rows - 1) * ld + cols : 0;
  if (arr.length < need) {
    throw invalidOption(`${name} (${shape} = ${rows}×${cols}, row stride ${ld})`, `a Float32Array of at least ${need} elements`, arr);
  }
  return arr;
}

function checkedStride(name: string, value: unknown, min: number): number | undefined {
  return value === undefined ? undefined : integerIn(name, value, min, MAX_DIM);
}

/** A zeroed m×n C; one too large for a typed array (or for memory) is the caller's sizes, so it is an INVALID_OPTION. */
function newC(m: number, n: number): Float32Array {
  try {
    return new Float32Array(m * n);
  } catch (error) {
    const message = `Cannot allocate C for m×n = ${m}×${n} (${m * n} floats): split the product into smaller blocks`;
    throw Object.assign(withCode(new RangeError(message), 'INVALID_OPTION'), { cause: error });
  }
}

/** Validates every option; returns what the native call takes (c allocated when absent). */
function prepare(options: unknown) {
  if (!isPlainObject(options)) throw invalidOption('gemm options', 'an object { a, b, m, n, k, ... }', options, 'type');
  rejectUnknownOptions('gemm', options, KEYS);
  const m = integerIn('m', options.m, 0, MAX_DIM);
  const n = integerIn('n', options.n, 0, MAX_DIM);
  const k = integerIn('k', options.k, 0, MAX_DIM);
  const transA = options.transA === undefined ? false : booleanOption('transA', options.transA);
  const transB = options.transB === undefined ? false : booleanOption('transB', options.transB);
  const alpha = options.alpha === undefined ? 1 : finiteNumber('alpha', options.alpha);
  const beta = options.beta === undefined ? 0 : finiteNumber('beta', options.beta);
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const lda = checkedStride('lda', options.lda, aCols);
  const ldb = checkedStride('ldb', options.ldb, bCols);
  const ldc = checkedStride('ldc', options.ldc, n);
  const a = checkedMatrix('a', options.a, aRows, aCols, lda, transA ? 'k×m since transA' : 'm×k');
  const b = checkedMatrix('b', options.b, bRows, bCols, ldb, transB ? 'n×k since transB' : 'k×n');
  let c: Float32Array;
  if (options.c === undefined) {
    if (ldc !== undefined && ldc !== n) throw invalidOption('ldc', `${n} (n) when c is not given`, ldc);
    c = newC(m, n);
  } else {
    c = checkedMatrix('c', options.c, m, n, ldc, 'm×n');
  }
  const tiling = options.tiling === undefined ? undefined : checkTilingOptions('tiling', options.tiling);
  return { a, b, c, m, n, k, transA, transB, alpha, beta, lda, ldb, ldc, tiling };
}

/** C = alpha·op(A)·op(B) + beta·C on the calling thread (blocks the event loop for the call). */
export function gemm(options: GemmOptions): Float32Array {
  return native().gemm(prepare(options));
}

/**
 * Same as `gemm`, on a libuv worker thread, zero-copy: the arrays are kept alive until it settles. Do not
 * transfer their buffers (postMessage, structuredClone) before then: the kernel works in them; a transfer it
 * notices at the end rejects with INVALID_OPTION. Share SharedArrayBuffer-backed arrays with workers instead.
 */
export async function gemmAsync(options: GemmOptions): Promise<Float32Array> {
  return native().gemmAsync(prepare(options));
}
