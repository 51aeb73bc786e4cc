import { describe, expect, it } from 'vitest';
import {
  SHAPES,
  countFreeParameters,
  flopsPerEpoch,
  networkFor,
  residualLayers,
  roundHalfEven,
  smallestBudget,
  widthsFor,
  workingSets,
} from '../lib/index.js';

const fashion = { inputs: 784, outputs: 10 };

describe('networkFor rejects bad input', () => {
  it.each([
    [{ ...fashion, shape: 'rectangle', size: 0, depth: 3 }, /size/],
    [{ ...fashion, shape: 'hexagon', size: 1024, depth: 3 }, /shape/],
    [{ ...fashion, shape: 'rectangle', size: 1024, depth: 1 }, /depth/],
    [{ ...fashion, shape: 'rectangle', size: 1.5, depth: 3 }, /size/],
    [{ inputs: 0, outputs: 1, shape: 'rectangle', size: 1024, depth: 3 }, /inputs/],
    [{ ...fashion, shape: 'rectangle', size: 1024, depth: 3, width: 9 }, /Unknown option "width"/],
  ])('%o', (options, message) => {
    expect(() => networkFor(options as never)).toThrow(message);
  });

  it('the exported width and parameter helpers name a bad argument instead of returning NaN widths', () => {
    expect(() => widthsFor('rectangle', -1, 3, 8)).toThrow(/for outputs but received -1/);
    expect(() => widthsFor('rectangle', 1, 3, 0.5)).toThrow(/for w0 but received 0\.5/);
    expect(() => widthsFor('hexagon' as never, 1, 3, 8)).toThrow(/for shape but received "hexagon"/);
    expect(() => residualLayers('rectangle_residual', 1)).toThrow(/for depth but received 1/);
    expect(() => countFreeParameters(4, [8, -1])).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/for widths\[1\] but received -1/) }));
    expect(() => countFreeParameters(4, [1.5])).toThrow(/for widths\[0\]/);
  });

  it('rejects budgets no network of that shape reaches within 20%, naming the smallest feasible size', () => {
    let error: unknown;
    try {
      networkFor({ ...fashion, shape: 'rectangle', size: 32, depth: 3 });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'NETWORK_OFF_BUDGET' });
    // widths [1, 1, 10] = 785·1 + 2·1 + 2·10 = 807 parameters; 807 / 1.2 → 673.
    expect((error as Error).message).toMatch(/\[1, 1, 10\], has 807/);
    expect((error as Error).message).toMatch(/size ≥ 673/);
  });
});

describe('Python arithmetic', () => {
  it('rounds half to even as Python round()', () => {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([0, 2, 2, 4, 0, -2, 2, 3]);
  });

  it('applies it in the width rules', () => {
    // wide_first_4x: round(10 / 4) = round(2.5) = 2, not 3.
    expect(widthsFor('wide_first_4x', 1, 4, 10)).toEqual([10, 2, 2, 1]);
    // trapezoid: beta = (8 − 1) / 2 = 3.5, so the middle width is round(4.5) = 4.
    expect(widthsFor('trapezoid', 1, 3, 8)).toEqual([8, 4, 1]);
    // exponential: beta = (1/16)^(1/4) = 0.5 → 16, 8, 4, 2, 1.
    expect(widthsFor('exponential', 1, 5, 16)).toEqual([16, 8, 4, 2, 1]);
  });
});

describe('residual wiring', () => {
  it('skips only on inner hidden layers of rectangle_residual', () => {
    expect(residualLayers('rectangle_residual', 5)).toEqual([false, true, true, true, false]);
    expect(residualLayers('rectangle_residual', 2)).toEqual([false, false]);
    for (const shape of SHAPES.filter((s) => s !== 'rectangle_residual')) {
      expect(residualLayers(shape, 6).some(Boolean)).toBe(false);
    }
  });
});

// [inputs, outputs, shape, depth, size, widths, numFreeParameters, rejected]: derived from BUTTER's rules
// (binary search over w0 ∈ [1, 2^30), closest probed candidate, 20% rule), checked against an
// independent Python 3 implementation of the same rules on 24,640 cases.
const table: [number, number, string, number, number, number[], number, boolean][] = [
  [11, 7, 'exponential', 6, 128, [7, 7, 7, 7, 7, 7], 364, true],
  [784, 10, 'exponential', 2, 16384, [21, 10], 16705, false],
  [784, 10, 'exponential', 2, 65536, [82, 10], 65200, false],
  [784, 10, 'exponential', 3, 32, [10, 10, 10], 8070, true],
  [784, 10, 'exponential', 6, 65536, [75, 50, 33, 22, 15, 10], 65611, false],
  [8, 1, 'rectangle', 2, 1024, [102, 1], 1021, false],
  [8, 1, 'rectangle', 2, 65536, [6554, 1], 65541, false],
  [8, 1, 'rectangle', 10, 128, [3, 3, 3, 3, 3, 3, 3, 3, 3, 1], 127, false],
  [8, 1, 'rectangle_residual', 3, 128, [7, 7, 1], 127, false],
  [8, 1, 'rectangle_residual', 6, 32, [2, 2, 2, 2, 2, 1], 45, true],
  [8, 1, 'rectangle_residual', 10, 16384, [44, 44, 44, 44, 44, 44, 44, 44, 44, 1], 16281, false],
  [11, 7, 'rectangle_residual', 2, 128, [6, 7], 121, false],
  [11, 7, 'rectangle_residual', 10, 128, [3, 3, 3, 3, 3, 3, 3, 3, 3, 7], 160, true],
  [784, 10, 'rectangle_residual', 10, 1024, [1, 1, 1, 1, 1, 1, 1, 1, 1, 10], 821, false],
  [784, 10, 'trapezoid', 3, 16384, [20, 15, 10], 16175, false],
  [784, 10, 'trapezoid', 6, 1048576, [596, 479, 362, 244, 127, 10], 1048550, false],
  [784, 10, 'trapezoid', 10, 128, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 1169, true],
  [8, 1, 'wide_first_16x', 3, 1048576, [4023, 251, 1], 1046483, false],
  [8, 1, 'wide_first_16x', 6, 32, [2, 1, 1, 1, 1, 1], 29, false],
  [11, 7, 'wide_first_16x', 10, 1048576, [3347, 209, 209, 209, 209, 209, 209, 209, 209, 7], 1048596, false],
  [8, 1, 'wide_first_2x', 10, 1024, [18, 9, 9, 9, 9, 9, 9, 9, 9, 1], 973, false],
  [11, 7, 'wide_first_2x', 6, 1024, [22, 11, 11, 11, 11, 7], 997, false],
  [784, 10, 'wide_first_2x', 3, 128, [1, 1, 10], 807, true],
  [784, 10, 'wide_first_2x', 3, 1048576, [859, 430, 10], 1048425, false],
  [11, 7, 'wide_first_4x', 2, 65536, [3449, 7], 65538, false],
  [11, 7, 'wide_first_4x', 3, 16384, [229, 57, 7], 16264, false],
  [11, 7, 'wide_first_4x', 6, 1048576, [1531, 383, 383, 383, 383, 7], 1049032, false],
  [784, 10, 'wide_first_4x', 6, 32, [1, 1, 1, 1, 1, 10], 813, true],
  [8, 1, 'wide_first_8x', 3, 16384, [326, 41, 1], 16383, false],
  [11, 7, 'wide_first_8x', 2, 1024, [54, 7], 1033, false],
  [11, 7, 'wide_first_8x', 3, 128, [9, 1, 7], 132, false],
  [11, 7, 'wide_first_8x', 3, 65536, [676, 84, 7], 65575, false],
];

describe('width search reproduces BUTTER', () => {
  it.each(table)('%i→%i %s depth %i size %i', (inputs, outputs, shape, depth, size, widths, params, rejected) => {
    expect(countFreeParameters(inputs, widths)).toBe(params);
    const options = { inputs, outputs, shape: shape as never, size, depth };
    if (rejected) {
      expect(() => networkFor(options)).toThrow(expect.objectContaining({ code: 'NETWORK_OFF_BUDGET' }));
    } else {
      const network = networkFor(options);
      expect(network.widths).toEqual(widths);
      expect(network.numFreeParameters).toBe(params);
      expect(Math.abs(network.budgetError)).toBeLessThanOrEqual(0.2);
    }
  });

  it('is exact at large budgets (parameter counts beyond 2^53 during the search)', () => {
    const network = networkFor({ inputs: 784, outputs: 10, shape: 'rectangle', size: 2 ** 24, depth: 20 });
    expect(network.numFreeParameters).toBe(countFreeParameters(784, network.widths));
    expect(Math.abs(network.budgetError)).toBeLessThan(0.001);
  });
});

describe('FLOPs and working sets (BUTTER-E formulas)', () => {
  // inputs 2, widths [3, 1]: P = 3·3 + 4·1 = 13; full widths [2, 3, 1].
  const network = networkFor({ inputs: 2, outputs: 1, shape: 'rectangle', size: 13, depth: 2 });

  it('counts FLOPs per epoch', () => {
    expect(network.widths).toEqual([3, 1]);
    const flops = flopsPerEpoch(network, { observations: 10, batchSize: 4 });
    // forward per datum (2·3 + 3) + (3·1 + 1) = 13; backward (2·3 + 2·3) + (2·1 + 3·1 + 3·1) = 20.
    expect(flops).toEqual({
      trainBatches: 2, // ceil(0.8·10 / 4)
      testBatches: 1, // ceil(0.2·10 / 4)
      forwardPerBatch: 52,
      backwardPerBatch: 80 + 13 * 5,
      flopsPerEpoch: 2 * (52 + 145) + 52,
    });
  });

  it('sizes the working sets l, f, b, d', () => {
    const sets = workingSets(network, { observations: 10, batchSize: 4 });
    expect(sets.lPerLayerBytes).toEqual([4 * 4 * 5, 4 * 4 * 4]);
    expect(sets.l).toEqual({ replicatedBytes: 0, distributedBytes: 80, bytes: 80 });
    expect(sets.f).toEqual({ replicatedBytes: 52, distributedBytes: 0, bytes: 52 });
    // 8·P replicated; 4·batch·(2+3+1) − l distributed.
    expect(sets.b).toEqual({ replicatedBytes: 104, distributedBytes: 96 - 80, bytes: 120 });
    expect(sets.d).toEqual({ replicatedBytes: 0, distributedBytes: 120, bytes: 120 });
  });

  it('rejects bad epoch options', () => {
    expect(() => flopsPerEpoch(network, { observations: 10, batchSize: 0 })).toThrow(/batchSize/);
    expect(() => workingSets(network, { observations: -1, batchSize: 4 })).toThrow(/observations/);
  });
});

describe('smallestBudget', () => {
  it("is the least size networkFor accepts for a layout, its narrowest network's parameters within 20%", () => {
    for (const [inputs, outputs] of [[784, 10], [287, 3], [4, 1]]) {
      for (const shape of SHAPES) {
        for (const depth of [2, 3, 7, 20]) {
          const { parameters, size } = smallestBudget({ inputs, outputs, shape, depth });
          expect(networkFor({ inputs, outputs, shape, size, depth }).numFreeParameters).toBe(parameters);
          if (size > 1) expect(() => networkFor({ inputs, outputs, shape, size: size - 1, depth })).toThrow(expect.objectContaining({ code: 'NETWORK_OFF_BUDGET' }));
        }
      }
    }
    // splice's one-hidden-layer network [1, 3]: 288·1 + 2·3 = 294 parameters; 294 / 1.2 = 245.
    expect(smallestBudget({ inputs: 287, outputs: 3, shape: 'rectangle', depth: 2 })).toEqual({ parameters: 294, size: 245 });
    expect(() => smallestBudget({ inputs: 287, outputs: 3, shape: 'rectangle', depth: 1 })).toThrow(/for depth but received 1/);
  });
});
