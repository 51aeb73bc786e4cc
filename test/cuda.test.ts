import { describe, expect, it } from 'vitest';
import { cudaInfo, gpuTilings, requireCuda, validateGpuTiling } from '../lib/gpu.js';
import { trainRun } from '../lib/train.js';

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
    expect(() => validateGpuTiling({ bm: 64, bn: 128, bk: 8, wm: 32, wn: 64, tm: 4, tn: 4, stages: 2 })).toThrow(
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

describe("trainRun({ device: 'gpu' })", () => {
  // A small classification problem; the values only need to be learnable and the same for both devices.
  const rows = 300, inputs = 5, outputs = 3;
  const x = new Float32Array(rows * inputs).map((_, i) => Math.sin(i * 12.9898) * 0.5 + 0.5);
  const y = new Float32Array(rows * outputs);
  for (let r = 0; r < rows; r++) y[r * outputs + (x[r * inputs]! > 0.5 ? 1 : 0) + (x[r * inputs + 1]! > 0.7 ? 1 : 0)] = 1;
  const split = 240;
  const data = {
    xTrain: x.subarray(0, split * inputs), yTrain: y.subarray(0, split * outputs),
    xTest: x.subarray(split * inputs), yTest: y.subarray(split * outputs),
    inputs, outputs, task: 'classification' as const,
  };
  const base = { data, shape: 'rectangle' as const, size: 400, depth: 3, epochs: 3, batchSize: 32, learningRate: 1e-2, seed: 5 };

  it('rejects unknown devices and gpu settings on the CPU', async () => {
    await expect(trainRun({ ...base, device: 'tpu' as never })).rejects.toThrow(/one of "cpu", "gpu" for device/);
    await expect(trainRun({ ...base, gpu: { cudaGraph: true } })).rejects.toThrow(/gpu/);
    await expect(trainRun({ ...base, device: 'gpu', gpu: { graph: true } as never })).rejects.toThrow(/Unknown option "graph"/);
  });

  it.skipIf(info.cudaAvailable)('without a usable GPU is CUDA_UNAVAILABLE with the reason, and the CPU still trains', async () => {
    await expect(trainRun({ ...base, device: 'gpu' })).rejects.toThrow(expect.objectContaining({ code: 'CUDA_UNAVAILABLE' }));
    await expect(trainRun({ ...base, device: 'gpu' })).rejects.toThrow(info.reason!);
    const cpu = await trainRun(base);
    expect(cpu.epochs).toHaveLength(3);
  });

  it.skipIf(!!noDevice)(`matches the CPU losses for a fixed seed ${noDevice ? `(skipped: ${noDevice})` : ''}`, async () => {
    const cpu = await trainRun(base);
    for (const gpu of [{}, { cudaGraph: true }, { tiling: gpuTilings().at(-1)! }]) {
      const run = await trainRun({ ...base, device: 'gpu', gpu });
      run.epochs.forEach((e, i) => {
        expect(e.trainLoss).toBeCloseTo(cpu.epochs[i]!.trainLoss, 3);
        expect(e.testLoss).toBeCloseTo(cpu.epochs[i]!.testLoss, 3);
      });
    }
  });
});
