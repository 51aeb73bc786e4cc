/**
 * IDX files (the MNIST / Fashion-MNIST format): big-endian magic 0x0000TTDD (T = element type, D = number of
 * dimensions), then D big-endian uint32 sizes, then the data. Only unsigned bytes (type 0x08) occur in these sets.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Prepared } from './preprocess.js';
import { malformed, readMaybeGzip } from './table.js';

export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

const UBYTE = 0x08;

export function readIdx(file: string): IdxArray {
  const bytes = readMaybeGzip(file);
  if (bytes.length < 4) throw malformed(file, undefined, 'too short for an IDX header', 'Expected an IDX file (MNIST format).');
  if (bytes[0] !== 0 || bytes[1] !== 0) throw malformed(file, undefined, 'bad IDX magic number', 'Expected an IDX file (MNIST format).');
  if (bytes[2] !== UBYTE) {
    throw malformed(file, undefined, `IDX element type 0x${bytes[2].toString(16)} is not unsigned byte`, 'Only ubyte IDX files (MNIST, Fashion-MNIST) are supported.');
  }
  const nd = bytes[3];
  const dims: number[] = [];
  for (let d = 0; d < nd; d++) dims.push(bytes.readUInt32BE(4 + 4 * d));
  const offset = 4 + 4 * nd;
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - offset !== count) {
    throw malformed(file, undefined, `IDX header promises ${count} bytes of data but the file holds ${bytes.length - offset}`, 'The file is truncated; download it again.');
  }
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + offset, count) };
}

/** The four files of an MNIST-layout directory: train images and labels, t10k images and labels. */
export const IDX_STEMS = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] as const;

/** The four IDX_STEMS files of a directory, each plain or .gz; undefined when any is missing. */
export function findIdxSet(dir: string): { trainImages: string; trainLabels: string; testImages: string; testLabels: string } | undefined {
  const [trainImages, trainLabels, testImages, testLabels] = IDX_STEMS.map((stem) => [join(dir, stem), join(dir, stem + '.gz')].find((f) => existsSync(f)));
  if (!trainImages || !trainLabels || !testImages || !testLabels) return undefined;
  return { trainImages, trainLabels, testImages, testLabels };
}

/** Images and labels of both files joined (70,000 rows for MNIST), as BUTTER's PMLB copy of MNIST is. */
export interface IdxSet {
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
  readonly rows: number;
  readonly width: number;
}

export function readIdxSet(set: NonNullable<ReturnType<typeof findIdxSet>>): IdxSet {
  const parts = [[set.trainImages, set.trainLabels], [set.testImages, set.testLabels]].map(([imagesFile, labelsFile]) => {
    const images = readIdx(imagesFile);
    const labels = readIdx(labelsFile);
    if (images.dims.length < 2) throw malformed(imagesFile, undefined, 'an image file needs at least 2 dimensions', 'Check that the images and labels files are not swapped.');
    if (labels.dims.length !== 1) throw malformed(labelsFile, undefined, 'a label file must have 1 dimension', 'Check that the images and labels files are not swapped.');
    if (images.dims[0] !== labels.dims[0]) {
      throw malformed(labelsFile, undefined, `${labels.dims[0]} labels for ${images.dims[0]} images in ${imagesFile}`, 'Use the labels file that belongs to the images file.');
    }
    return { images, labels };
  });
  const width = parts[0].images.dims.slice(1).reduce((a, b) => a * b, 1);
  const widthTest = parts[1].images.dims.slice(1).reduce((a, b) => a * b, 1);
  if (width !== widthTest) throw malformed(set.testImages, undefined, `images are ${widthTest} pixels, the training images ${width}`, 'Use files from the same data set.');
  const rows = parts[0].labels.dims[0] + parts[1].labels.dims[0];
  const pixels = new Uint8Array(rows * width);
  pixels.set(parts[0].images.data, 0);
  pixels.set(parts[1].images.data, parts[0].images.data.length);
  const labels = new Uint8Array(rows);
  labels.set(parts[0].labels.data, 0);
  labels.set(parts[1].labels.data, parts[0].labels.data.length);
  return { pixels, labels, rows, width };
}

/** Classes as the one-hot encoding numbers them: labels are 0-based class indices. */
export function labelClasses(labels: Uint8Array): number {
  let classes = 0;
  for (const l of labels) classes = Math.max(classes, l + 1);
  return classes;
}

/** MNIST preprocessing in BUTTER: pixels / 255, labels one-hot. */
export function prepareIdx({ pixels, labels, rows, width }: IdxSet): Prepared {
  const classes = labelClasses(labels);
  const x = new Float32Array(rows * width);
  for (let i = 0; i < x.length; i++) x[i] = pixels[i] / 255;
  const y = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) y[r * classes + labels[r]] = 1;
  return { x, y, rows, inputs: width, outputs: classes, task: 'classification', rules: [] };
}
