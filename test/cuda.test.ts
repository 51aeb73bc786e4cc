import { describe, expect, it } from 'vitest';
import { cudaInfo, gpuTilings, requireCuda, validateGpuTiling } from '../lib/gpu.js';

const info = cudaInfo();
const noCudaBuild = !info.compiled ? `addon built without CUDA (${info.reason})` : '';
const noDevice = !info.cudaAvailable ? `no usable GPU here: ${info.reason}` : '';
const good = { bm: 128, bn: 128, bk: 8, wm: 32, wn: 64, tm: 4, tn: 4, stages: 2 };

describe('GPU tiling validation', () => {
  it('rejects non-objects, unknown and missing fields before reaching native code', () => {
    expect(() => validateGpuTiling(null)).toThrow(/Expected an object/);
    expect(() => validateGpuTiling({ ...good, mc: 96 })).toThrow(/Unknown option "mc"/);
    const { bk: _omitted, ...missing } = good;
    expect(() => validateGpuTiling(missing)).toThrow(/tiling\.bk/);
    expect(() => validateGpuTiling({ ...good, tm: 4.5 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });

  it.skipIf(!!noCudaBuild)(`names the broken rule and the compiled set ${noCudaBuild ? `(skipped: ${noCudaBuild})` : ''}`, () => {
    expect(() => validateGpuTiling({ ...good, tm: 6 })).toThrow(/tm and tn must be multiples of 4/);
    expect(() => validateGpuTiling({ ...good, wm: 48 })).toThrow(expect.objectContaining({ code: 'INVALID_TILING' }));
    expect(() => validateGpuTiling({ ...good, stages: 3 })).toThrow(/stages must be 1/);
    // Obeys every rule but is not one of the compiled instances: the error lists them.
    expect(() => validateGpuTiling({ bm: 256, bn: 128, bk: 8, wm: 64, wn: 64, tm: 4, tn: 4, stages: 2 })).toThrow(
      /not compiled into this build; use one of:[\s\S]*bm=128 bn=128 bk=8/,
    );
    const tilings = gpuTilings();
    expect(tilings.length).toBeGreaterThan(0);
    for (const t of tilings) {
      const checked = validateGpuTiling(t);
      expect(checked.threads).toBe((t.bm / t.wm) * (t.bn / t.wn) * 32);
      expect(checked.sharedBytes).toBe(t.stages * t.bk * (t.bm + 4 + t.bn + 4) * 4);
    }
  });

  it.skipIf(!noCudaBuild)('without the CUDA build, validation says CUDA is unavailable', () => {
    expect(gpuTilings()).toEqual([]);
    expect(() => validateGpuTiling(good)).toThrow(expect.objectContaining({ code: 'CUDA_UNAVAILABLE' }));
  });
});

describe('cudaInfo', () => {
  it('reports availability with a reason when false, never throwing', () => {
    expect(typeof info.cudaAvailable).toBe('boolean');
    if (info.cudaAvailable) {
      expect(info.reason).toBeNull();
      expect(info.devices.length).toBeGreaterThan(0);
    } else {
      expect(info.reason).toMatch(/\S{10,}/);
      expect(() => requireCuda()).toThrow(expect.objectContaining({ code: 'CUDA_UNAVAILABLE' }));
      expect(() => requireCuda()).toThrow(info.reason!);
    }
  });

  it.skipIf(!info.compiled || info.cudaAvailable)('a CUDA build on a machine without a GPU names the missing driver or device', () => {
    expect(info.reason).toMatch(/driver|device/i);
    expect(info.runtimeVersion).toBeGreaterThanOrEqual(11000);
  });

  it.skipIf(!!noDevice)(`lists device properties the energy model needs ${noDevice ? `(skipped: ${noDevice})` : ''}`, () => {
    const d = info.devices[0]!;
    expect(d.smCount).toBeGreaterThan(0);
    expect(d.l2Bytes).toBeGreaterThan(1 << 20);
    expect(d.name.length).toBeGreaterThan(0);
    expect(d.pciBusId).toMatch(/^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-9]$/i);
  });
});
