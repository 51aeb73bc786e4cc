/**
 * A real file must be the dataset its name says. Without this check a 2-row `splice.csv` was trained on and recorded
 * as splice (synthetic: false).
 *
 * Rows, raw features and classes are compared exactly: they are PMLB's counts as BUTTER's pmlb.csv lists them
 * (reference butter-e.md §2), the counts of the very files pmlb.fetch_data returns, and BUTTER's preprocessing drops
 * or expands columns but never rows, so no tolerance is needed. The width after preprocessing is not compared: the
 * spec's `inputs` is an estimate for the PMLB tables (one-hot widths depend on values the spec does not list: PMLB's
 * splice has columns of 4, 5 and 6 codes where the spec assumes 4, and 22 of 201_pol's 48 features are
 * categorical), so it would reject the real files. For IDX data (pixels / 255) the raw width is the input width.
 */
import { malformed } from './table.js';
import type { DatasetSpec } from './specs.js';

/** What a file holds, before preprocessing. `classes`: distinct target values, counted for classification only. */
export interface FileShape {
  readonly rows: number;
  readonly features: number;
  readonly classes?: number;
}

export type ShapeSpec = Pick<DatasetSpec, 'name' | 'task' | 'rows' | 'rawFeatures' | 'classes' | 'butter'>;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function describe(shape: FileShape, task: DatasetSpec['task']): string {
  const size = `${plural(shape.rows, 'row')} × ${plural(shape.features, 'feature')}`;
  if (task === 'regression') return `${size}, a regression target`;
  return shape.classes === undefined ? size : `${size}, ${plural(shape.classes, 'class', 'classes')}`;
}

/** DATASET_MALFORMED naming `source`, what the spec expects (and where that comes from) and what was found. */
export function checkShape(spec: ShapeSpec, found: FileShape, source: string): void {
  const expected: FileShape = { rows: spec.rows, features: spec.rawFeatures, classes: spec.classes };
  const same = found.rows === expected.rows && found.features === expected.features &&
    (spec.task === 'regression' || found.classes === expected.classes);
  if (same) return;
  const origin = spec.butter ? "PMLB's counts in BUTTER's pmlb.csv, lib/datasets/specs.ts" : 'the published dataset, lib/datasets/specs.ts';
  throw malformed(source, undefined,
    `this is not the ${spec.name} dataset${spec.butter ? ' BUTTER used' : ''}: expected ${describe(expected, spec.task)} (${origin}); ` +
    `found ${describe(found, spec.task)}`,
    'Replace it with the real file (README "Datasets" says where to get each) or remove it to use shape-true synthetic data.');
}
