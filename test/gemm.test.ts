import { describe, expect, it } from 'vitest';
import { cpuInfo, gemm, gemmAsync, type GemmOptions, type Isa } from '../lib/index.js';

// --- helpers -----------------------------------------------------------------------------------
let seed = 42;
function rand(): number {
  // xorshift32: reproducible inputs without a dependency
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return ((seed >>> 0) / 2 ** 32) * 2 - 1;
}
function random(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rand();
  return out;
}

/**
 * Naive float64 reference with the residual bound of native/tests/test_gemm.cpp:
 * |C − C_ref| ≤ γ_{k+4}·(|alpha|·Σ|a_ip b_pj| + |beta·c_ij|), γ_j = j·u/(1 − j·u), u = 2⁻²⁴
 * (a float32 sum of k products in any order, plus the alpha, beta and final-add roundings).
 * Returns the largest error/bound over C (≤ 1 passes).
 */
function worstRatio(o: Required<Pick<GemmOptions, 'a' | 'b' | 'm' | 'n' | 'k'>> & GemmOptions, c0: Float32Array, got: Float32Array): number {
  const { m, n, k, a, b } = o;
  const alpha = o.alpha ?? 1, beta = o.beta ?? 0;
  const lda = o.lda ?? (o.transA ? m : k), ldb = o.ldb ?? (o.transB ? k : n), ldc = o.ldc ?? n;
  const u = 2 ** -24, gamma = ((k + 4) * u) / (1 - (k + 4) * u);
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0, mag = 0;
      for (let p = 0; p < k; p++) {
        const av = o.transA ? a[p * lda + i] : a[i * lda + p];
        const bv = o.transB ? b[j * ldb + p] : b[p * ldb + j];
        sum += av * bv;
        mag += Math.abs(av * bv);
      }
      const cold = beta === 0 ? 0 : c0[i * ldc + j];
      const ref = alpha * sum + beta * cold;
      const bound = gamma * (Math.abs(alpha) * mag + Math.abs(beta * cold)) + 1e-30;
      const v = got[i * ldc + j];
      worst = Math.max(worst, Number.isFinite(v) ? Math.abs(v - ref) / bound : Infinity);
    }
  }
  return worst;
}

function problem(m: number, n: number, k: number, transA = false, transB = false) {
  return { a: random(m * k), b: random(k * n), m, n, k, transA, transB };
}

const isas = cpuInfo().isas as Isa[];

// --- rejected inputs first ---------------------------------------------------------------------
describe('gemm rejects bad input with a clear, coded error', () => {
  const ok = () => problem(2, 3, 4);
  const cases: Array<[string, () => unknown, string, RegExp]> = [
    ['no options', () => gemm(undefined as never), 'INVALID_OPTION', /gemm options/],
    ['unknown option', () => gemm({ ...ok(), transpose: true } as never), 'UNKNOWN_OPTION', /"transpose"/],
    ['negative m', () => gemm({ ...ok(), m: -1 }), 'INVALID_OPTION', /for m/],
    ['fractional k', () => gemm({ ...ok(), k: 1.5 }), 'INVALID_OPTION', /integer.*for k/],
    ['string n', () => gemm({ ...ok(), n: '3' as never }), 'INVALID_OPTION', /for n/],
    ['a too short', () => gemm({ ...ok(), a: new Float32Array(7) }), 'INVALID_OPTION', /length 8 for a \(m×k = 2×4\)/],
    ['b as Float64Array', () => gemm({ ...ok(), b: new Float64Array(12) as never }), 'INVALID_OPTION', /Float32Array for b/],
    ['a as plain array', () => gemm({ ...ok(), a: [1, 2] as never }), 'INVALID_OPTION', /Float32Array/],
    ['c wrong length', () => gemm({ ...ok(), c: new Float32Array(5) }), 'INVALID_OPTION', /length 6 for c/],
    ['lda below columns', () => gemm({ ...ok(), lda: 3 }), 'INVALID_OPTION', /lda/],
    ['alpha NaN', () => gemm({ ...ok(), alpha: NaN }), 'INVALID_OPTION', /alpha/],
    ['transA not boolean', () => gemm({ ...ok(), transA: 1 as never }), 'INVALID_OPTION', /boolean for transA/],
    ['mc not a multiple of mr', () => gemm({ ...ok(), tiling: { isa: 'reference', mr: 4, nr: 4, mc: 6 } }), 'INVALID_TILING', /not a multiple of mr=4.*use 4 or 8/],
    ['tile not offered', () => gemm({ ...ok(), tiling: { isa: 'reference', mr: 5, nr: 5 } }), 'INVALID_TILING', /not offered by isa reference; use one of/],
    ['threads 0', () => gemm({ ...ok(), tiling: { threads: 0 } }), 'INVALID_OPTION', /tiling.threads/],
    ['unknown isa', () => gemm({ ...ok(), tiling: { isa: 'sse' as never } }), 'INVALID_OPTION', /tiling.isa/],
  ];
  for (const [name, call, code, message] of cases) {
    it(name, () => {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Error);
      expect((error as { code: string }).code).toBe(code);
      expect((error as Error).message).toMatch(message);
    });
  }

  it('names the sizes when C is too large to allocate, instead of a bare RangeError', () => {
    const empty = new Float32Array(0);
    expect(() => gemm({ a: empty, b: empty, m: 2 ** 31 - 1, n: 2 ** 31 - 1, k: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/Cannot allocate C for m×n = 2147483647×2147483647/) }),
    );
  });

  it('refuses to write C over its own inputs (native check)', () => {
    const buf = new Float32Array(64);
    const a = buf.subarray(0, 8), c = buf.subarray(4, 10);
    expect(() => gemm({ a, b: random(12), c, m: 2, n: 3, k: 4 })).toThrow(/must not share memory/);
  });

  it('names an ISA the CPU lacks as ISA_UNAVAILABLE, or runs it when present', () => {
    for (const isa of ['avx2', 'avx512'] as const) {
      const p = problem(3, 3, 3);
      if (isas.includes(isa)) expect(gemm({ ...p, tiling: { isa } })).toHaveLength(9);
      else expect(() => gemm({ ...p, tiling: { isa } })).toThrow(expect.objectContaining({ code: 'ISA_UNAVAILABLE' }));
    }
  });

  it('rejects (not throws) from gemmAsync', async () => {
    await expect(gemmAsync({ ...ok(), m: -3 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(gemmAsync({ ...ok(), tiling: { kc: 0 } })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('survives a few hundred random bad calls, sync and async, and still computes', async () => {
    const junk: unknown[] = [undefined, null, -1, 0.5, NaN, Infinity, 2 ** 40, '7', {}, [], true, new Float64Array(4),
      new Int32Array(4), new Float32Array(0), new Float32Array(1), () => 1, Symbol('x'), 10n];
    const keys = ['a', 'b', 'c', 'm', 'n', 'k', 'transA', 'transB', 'alpha', 'beta', 'lda', 'ldb', 'ldc', 'tiling'];
    const tilingKeys = ['mc', 'kc', 'nc', 'mr', 'nr', 'threads', 'isa'];
    let thrown = 0;
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 400; i++) {
      const call: Record<string, unknown> = { ...problem(3, 4, 5) };
      const pick = <T,>(xs: T[]) => xs[Math.floor(((rand() + 1) / 2) * xs.length) % xs.length];
      const edits = 1 + (i % 3);
      for (let e = 0; e < edits; e++) {
        if (i % 4 === 0) call.tiling = { [pick(tilingKeys)]: pick(junk) };
        else call[pick(keys)] = pick(junk);
      }
      // Ensure at least one edit is invalid: a length-mismatched a always is.
      if (i % 7 === 0) call.a = new Float32Array(1);
      if (i % 2 === 0) {
        try {
          gemm(call as never);
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect(typeof (e as { code?: unknown }).code).toBe('string');
          thrown++;
        }
      } else {
        pending.push(gemmAsync(call as never).then(() => undefined, (e) => {
          expect(typeof (e as { code?: unknown }).code).toBe('string');
          thrown++;
        }));
      }
    }
    await Promise.all(pending);
    expect(thrown).toBeGreaterThan(250);
    const p = problem(5, 6, 7);
    expect(worstRatio(p, new Float32Array(30), gemm(p))).toBeLessThanOrEqual(1);
  });
});

// --- correctness -------------------------------------------------------------------------------
describe('gemm matches a float64 reference', () => {
  const shapes: Array<[number, number, number]> = [[1, 1, 1], [1, 7, 13], [13, 1, 2], [2, 3, 1], [17, 31, 5], [64, 33, 97], [301, 19, 317]];

  for (const isa of isas) {
    for (const threads of [1, 2]) {
      it(`${isa}, ${threads} thread(s): every transpose pair, alpha/beta, shapes 1…301, packed and unpacked`, () => {
        for (const [[m, n, k], sup] of shapes.flatMap((s) => [[s, true], [s, false]] as const)) {
          for (let t = 0; t < 4; t++) {
            const p = problem(m, n, k, (t & 1) === 1, (t & 2) === 2);
            const beta = [0, 1, -0.5, 2][t];
            const c0 = beta === 0 ? new Float32Array(m * n).fill(NaN) : random(m * n);
            const c = c0.slice();
            const alpha = t === 3 ? -1.5 : 1;
            const out = gemm({ ...p, c, alpha, beta, tiling: { isa, threads, sup } });
            expect(out).toBe(c);
            expect(worstRatio({ ...p, alpha, beta }, c0, out)).toBeLessThanOrEqual(1);
          }
        }
      });
    }
    it(`${isa}: small explicit blocks cross every loop boundary`, () => {
      const tiles = cpuInfo().microTiles[isa];
      const { mr, nr } = tiles[tiles.length - 1];
      const p = problem(2 * mr + 3, 3 * nr + 5, 45, true, false);
      const out = gemm({ ...p, tiling: { isa, mr, nr, mc: mr, kc: 8, nc: nr, threads: 2, sup: false } });
      expect(worstRatio(p, out, out)).toBeLessThanOrEqual(1);
    });
  }

  it('one 300+ product per transpose pair on the default tiling', () => {
    for (let t = 0; t < 4; t++) {
      const p = problem(307, 23, 331, (t & 1) === 1, (t & 2) === 2);
      expect(worstRatio(p, new Float32Array(0), gemm(p))).toBeLessThanOrEqual(1);
    }
  });

  it('honours leading dimensions and leaves the padding of C alone', () => {
    const m = 5, n = 6, k = 7, lda = 9, ldb = 8, ldc = 11;
    const a = random(m * lda), b = random(k * ldb), c0 = random(m * ldc), c = c0.slice();
    gemm({ a, b, c, m, n, k, lda, ldb, ldc, beta: 1 });
    expect(worstRatio({ a, b, m, n, k, lda, ldb, ldc, beta: 1 }, c0, c)).toBeLessThanOrEqual(1);
    for (let i = 0; i < m; i++) for (let j = n; j < ldc; j++) expect(c[i * ldc + j]).toBe(c0[i * ldc + j]);
  });

  it('k = 0 gives beta·C; m = 0 or n = 0 gives an empty C', () => {
    const c = new Float32Array([1, 2, 3, 4]);
    gemm({ a: new Float32Array(0), b: new Float32Array(0), c, m: 2, n: 2, k: 0, beta: 3 });
    expect(Array.from(c)).toEqual([3, 6, 9, 12]);
    expect(gemm({ a: new Float32Array(0), b: new Float32Array(12), m: 0, n: 3, k: 4 })).toHaveLength(0);
  });

  it('takes arrays on a SharedArrayBuffer or at an offset in place, and still refuses a C over its inputs', async () => {
    const p = problem(33, 17, 9);
    const expected = gemm(p);
    const shared = new Float32Array(new SharedArrayBuffer(4 * (3 + p.a.length + p.b.length + 33 * 17)));
    const a = shared.subarray(3, 3 + p.a.length), b = shared.subarray(a.length + 3, a.length + 3 + p.b.length);
    const c = shared.subarray(a.length + b.length + 3);
    a.set(p.a);
    b.set(p.b);
    expect(gemm({ ...p, a, b, c })).toBe(c);
    expect(c).toEqual(expected);
    c.fill(0);
    expect(await gemmAsync({ ...p, a, b, c })).toBe(c);
    expect(c).toEqual(expected);
    expect(() => gemm({ ...p, a, b, c: shared.subarray(3 + a.length - 1, 3 + a.length - 1 + c.length) })).toThrow(/must not share memory/);
  });

  it('gemmAsync rejects when an input was transferred while it ran, and works in place otherwise', async () => {
    const p = problem(256, 256, 256);
    const c = new Float32Array(256 * 256);
    expect(await gemmAsync({ ...p, c })).toBe(c);  // zero-copy: the product lands in the caller's c
    expect(c).toEqual(gemm(p));
    for (const name of ['a', 'b', 'c'] as const) {
      const arrays = { a: p.a.slice(), b: p.b.slice(), c: new Float32Array(256 * 256) };
      const pending = gemmAsync({ ...p, ...arrays });
      // The clone keeps the moved memory alive, so the kernel's reads stay valid; the result must not count.
      const moved = structuredClone(arrays[name].buffer, { transfer: [arrays[name].buffer] });
      await expect(pending).rejects.toMatchObject({
        code: 'INVALID_OPTION', message: expect.stringContaining(`${name}'s buffer was transferred`),
      });
      expect(moved.byteLength).toBeGreaterThan(0);
    }
  });

  it('gemmAsync gives the same C and keeps its inputs alive', async () => {
    const expected: Float32Array[] = [];
    const promises: Promise<Float32Array>[] = [];
    for (let i = 0; i < 4; i++) {
      const p = problem(200, 150, 180, i % 2 === 1, i >= 2);
      expected.push(gemm(p));
      // The inputs are copies referenced only by the pending call.
      promises.push(gemmAsync({ ...p, a: p.a.slice(), b: p.b.slice(), tiling: { threads: 2 } }));
    }
    const garbage = [];
    for (let i = 0; i < 200; i++) garbage.push(new Float32Array(10_000));
    const results = await Promise.all(promises);
    // Bitwise equal: every C element is summed in the same kc order whatever the thread split.
    results.forEach((r, i) => expect(r.every((v, j) => v === expected[i][j])).toBe(true));
  });
});
