import { describe, expect, it } from 'vitest';
import { cacheInfo, cpuInfo, defaultTiling, defaultTilingDerivation, validateTiling, type Isa } from '../lib/index.js';

describe('validateTiling rejects each broken rule, naming it and the fix', () => {
  const cases: Array<[string, object, string, RegExp]> = [
    ['mc not a multiple of mr', { isa: 'reference', mr: 6, nr: 16, mc: 100 }, 'INVALID_TILING', /mc=100 is not a multiple of mr=6.*use 96 or 102/],
    ['nc not a multiple of nr', { isa: 'reference', mr: 6, nr: 16, nc: 100 }, 'INVALID_TILING', /nc=100 is not a multiple of nr=16.*use 96 or 112/],
    ['tile not offered', { isa: 'reference', mr: 3, nr: 3 }, 'INVALID_TILING', /3x3 is not offered by isa reference; use one of 4x4/],
    ['mc below mr', { isa: 'reference', mr: 6, nr: 16, mc: 1 }, 'INVALID_TILING', /mc must be between mr=6/],
    ['threads 0', { threads: 0 }, 'INVALID_OPTION', /between 1 and 256 for tiling.threads/],
    ['kc too large', { kc: 100_000 }, 'INVALID_OPTION', /tiling.kc/],
    ['sup not boolean', { sup: 1 }, 'INVALID_OPTION', /a boolean for tiling.sup/],
    ['isa unknown', { isa: 'neon' }, 'INVALID_OPTION', /one of "reference", "avx2", "avx512" for tiling.isa/],
    ['unknown field', { mcc: 4 }, 'UNKNOWN_OPTION', /"mcc"/],
    ['not an object', 5 as unknown as object, 'INVALID_OPTION', /object/],
  ];
  for (const [name, tiling, code, message] of cases) {
    it(name, () => {
      expect(() => validateTiling(tiling)).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));
    });
  }
});

describe('tiling defaults', () => {
  it('completes a partial tiling from the defaults of its ISA', () => {
    const t = validateTiling({ isa: 'reference', kc: 64, threads: 1 });
    expect(t).toMatchObject({ isa: 'reference', kc: 64, threads: 1 });
    expect(t.mc % t.mr).toBe(0);
    expect(t.nc % t.nr).toBe(0);
  });

  it('derives a valid default for every available ISA from the caches (Low et al. rules)', () => {
    const l1 = cacheInfo().levels.find((c) => c.level === 1 && c.type !== 'instruction')!;
    const l2 = cacheInfo().levels.find((c) => c.level === 2)!;
    for (const isa of cpuInfo().isas as Isa[]) {
      const t = defaultTiling({ isa, threads: 1 });
      expect(validateTiling(t)).toEqual(t);
      // kc: Low et al.'s L1 bound (the kc×nr micro-panel of B and the kc×mr one of A in L1 together),
      // raised to at least 512 (default_tiling.cpp says why); the mc×kc block of A fits L2.
      expect(t.kc).toBeGreaterThanOrEqual(512);
      expect(t.kc === 512 || t.kc * (t.mr + t.nr) * 4 <= l1.sizeBytes).toBe(true);
      expect(t.mc * t.kc * 4).toBeLessThanOrEqual(l2.sizeBytes);
      expect(defaultTilingDerivation({ isa })).toEqual([
        expect.stringMatching(/^kc=/), expect.stringMatching(/^mc=/), expect.stringMatching(/^nc=/),
      ]);
    }
    expect(defaultTiling().isa).toBe(cpuInfo().bestIsa);
    expect(defaultTiling().threads).toBe(cpuInfo().logicalCores);
    expect(defaultTiling({ threads: 3 }).threads).toBe(3);
  });

  it('rejects options it does not know', () => {
    expect(() => defaultTiling({ isa: 'avx2', mc: 4 } as never)).toThrow(expect.objectContaining({ code: 'UNKNOWN_OPTION' }));
  });
});
