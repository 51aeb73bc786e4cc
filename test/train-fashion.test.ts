// Learning on real data: Fashion-MNIST from Debian's dataset-fashion-mnist (IDX files, gzip).
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { trainRun } from '../lib/index.js';

const DIR = '/usr/share/datasets/fashion-mnist';
const present = existsSync(`${DIR}/train-images-idx3-ubyte.gz`) && existsSync(`${DIR}/t10k-labels-idx1-ubyte.gz`);

/** Minimal IDX reader (magic 0x00000803 images / 0x00000801 labels, big-endian dims, uint8 data). */
function readIdx(path: string): { dims: number[]; data: Uint8Array } {
  const bytes = gunzipSync(readFileSync(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0 || view.getUint8(2) !== 0x08) throw new Error(`${path}: not an unsigned-byte IDX file`);
  const rank = view.getUint8(3);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  return { dims, data: bytes.subarray(4 + 4 * rank) };
}

/** The first `rows` examples: pixels / 255 (BUTTER's MNIST preprocessing), labels one-hot. */
function load(split: 'train' | 't10k', rows: number) {
  const images = readIdx(`${DIR}/${split}-images-idx3-ubyte.gz`);
  const labels = readIdx(`${DIR}/${split}-labels-idx1-ubyte.gz`);
  const pixels = images.dims[1]! * images.dims[2]!;
  const x = new Float32Array(rows * pixels);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i]! / 255;
  const y = new Float32Array(rows * 10);
  for (let r = 0; r < rows; r++) y[r * 10 + labels.data[r]!] = 1;
  return { x, y, pixels };
}

describe.skipIf(!present)(`Fashion-MNIST (${present ? DIR : 'apt-get install dataset-fashion-mnist to run'})`, () => {
  it('a rectangle net of ~2^16 parameters reaches ≥ 80% test accuracy on a 10k subset in a few epochs', async () => {
    const train = load('train', 10_000);
    const test = load('t10k', 2_000);
    const run = await trainRun({
      data: { xTrain: train.x, yTrain: train.y, xTest: test.x, yTest: test.y, inputs: train.pixels, outputs: 10, task: 'classification' },
      shape: 'rectangle', size: 2 ** 16, depth: 3, epochs: 5, learningRate: 1e-3, seed: 1, threads: 2,
    });
    expect(run.widths).toEqual([75, 75, 10]);
    const accuracy = run.epochs.map((e) => e.testAccuracy);
    expect(Math.max(...accuracy)).toBeGreaterThanOrEqual(0.8);
    expect(run.epochs.at(-1)!.trainLoss).toBeLessThan(run.epochs[0]!.trainLoss);
  });
});
