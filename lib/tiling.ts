/**
 * Cache tiling of the blocked GEMM, named as BLIS names it: an mc×kc block of A (sized for L2), a kc×nc
 * panel of B (L3), an mr×nr micro-tile (registers), a team of `threads`, and the micro-kernel `isa`.
 * Every field is optional where a tiling is accepted: missing ones come from `defaultTiling()` for the
 * chosen ISA and thread count.
 */
import { rejectUnknownOptions } from './errors.js';
import { native } from './native.js';
import { booleanOption, integerIn, isPlainObject, oneOf } from './validate.js';
import { invalidOption } from './errors.js';

export const ISAS = ['reference', 'avx2', 'avx512'] as const;
export type Isa = (typeof ISAS)[number];

export interface Tiling {
  /** Rows of the packed A block (L2); a multiple of mr. */
  mc: number;
  /** Depth of the packed panels (L1 holds a kc×nr micro-panel of B and a kc×mr one of A). */
  kc: number;
  /** Columns of the packed B panel (L3); a multiple of nr. */
  nc: number;
  /** Micro-tile rows; with nr one of the tiles the ISA offers (see `cpuInfo().microTiles`). */
  mr: number;
  /** Micro-tile columns. */
  nr: number;
  /** Team size on the persistent thread pool (tiny products use fewer). */
  threads: number;
  /** Micro-kernel family; forcing one the CPU lacks is an ISA_UNAVAILABLE error. */
  isa: Isa;
  /**
   * Allow the unpacked small-product path (BLIS "sup", AVX-512 kernels only) for products up to
   * 256·512·512: there mc and nc have no effect. `false` forces packing so every block size matters.
   */
  sup: boolean;
}

export type TilingOptions = Partial<Tiling>;

const KEYS = ['mc', 'kc', 'nc', 'mr', 'nr', 'threads', 'isa', 'sup'] as const;
// The same bounds native/core/gemm/tiling.hpp enforces (kMaxMc, kMaxKc, kMaxNc, kMaxThreads).
export const TILING_MAX = { mc: 8192, kc: 8192, nc: 65536, mr: 64, nr: 64, threads: 256 } as const;

/** Type and range checks at the SDK boundary; the divisibility and micro-tile rules are checked natively. */
export function checkTilingOptions(name: string, value: unknown): TilingOptions {
  if (!isPlainObject(value)) throw invalidOption(name, 'an object { mc, kc, nc, mr, nr, threads, isa, sup }', value, 'type');
  rejectUnknownOptions(name, value, KEYS);
  const out: TilingOptions = {};
  for (const key of ['mc', 'kc', 'nc', 'mr', 'nr', 'threads'] as const) {
    if (value[key] !== undefined) out[key] = integerIn(`${name}.${key}`, value[key], 1, TILING_MAX[key]);
  }
  if (value.isa !== undefined) out.isa = oneOf(`${name}.isa`, value.isa, ISAS);
  if (value.sup !== undefined) out.sup = booleanOption(`${name}.sup`, value.sup);
  return out;
}

/** The default tiling for an ISA (best available) and thread count (all logical CPUs), from the caches. */
export function defaultTiling(options: { isa?: Isa; threads?: number } = {}): Tiling {
  const checked = checkTilingOptions('defaultTiling options', options);
  rejectUnknownOptions('defaultTiling', options, ['isa', 'threads']);
  return native().defaultTiling(checked);
}

/** Which cache rule produced each default block size, one line per size. */
export function defaultTilingDerivation(options: { isa?: Isa; threads?: number } = {}): string[] {
  const checked = checkTilingOptions('defaultTilingDerivation options', options);
  rejectUnknownOptions('defaultTilingDerivation', options, ['isa', 'threads']);
  return native().defaultTilingDerivation(checked);
}

/**
 * Completes a partial tiling from the defaults and checks every rule (mc a multiple of mr, nc of nr,
 * mr×nr offered by the ISA, the ISA available here, threads ≥ 1). Throws an error with code
 * INVALID_TILING or ISA_UNAVAILABLE naming the rule and the fix.
 */
export function validateTiling(tiling: TilingOptions): Tiling {
  return native().validateTiling(checkTilingOptions('tiling', tiling));
}
