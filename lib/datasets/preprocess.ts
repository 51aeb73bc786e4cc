/**
 * BUTTER's preprocessing, decided column by column (framework `_prepare_matrix` / `_dynamic_value_transform`):
 *   1 distinct value            → dropped
 *   2 distinct values           → 0/1 (1 where the value equals the column's first value, as `v == v[0]`)
 *   ≤ 20 values or non-numeric  → one-hot, categories in sorted order (sklearn's OneHotEncoder)
 *   otherwise                   → min-max scaled to [0, 1]
 * The target follows its task: classification is always categorical (0/1 for two classes, else one-hot);
 * regression must be numeric and is min-max scaled (the output is a sigmoid).
 */
import type { Task } from './specs.js';
import { malformed, type RawTable } from './table.js';

export const ONE_HOT_MAX_DISTINCT = 20;

export type ColumnRule =
  | { readonly kind: 'drop' }
  | { readonly kind: 'binary'; readonly positive: string }
  | { readonly kind: 'onehot'; readonly categories: readonly string[] }
  | { readonly kind: 'minmax'; readonly min: number; readonly max: number };

export interface Prepared {
  /** rows × inputs, row-major. */
  readonly x: Float32Array;
  /** rows × outputs, row-major. */
  readonly y: Float32Array;
  readonly rows: number;
  readonly inputs: number;
  readonly outputs: number;
  readonly task: Task;
  readonly rules: readonly ColumnRule[];
}

function isNumeric(value: string): boolean {
  return value !== '' && Number.isFinite(Number(value));
}

/** Distinct values keyed so that "1" and "1.0" are one value in a numeric column. */
function distinct(values: readonly string[], numeric: boolean): string[] {
  const seen = new Map<string | number, string>();
  for (const v of values) {
    const key = numeric ? Number(v) : v;
    if (!seen.has(key)) seen.set(key, v);
  }
  const list = [...seen.values()];
  return numeric ? list.sort((a, b) => Number(a) - Number(b)) : list.sort();
}

/** Classes of a classification target: its distinct values ("1" and "1.0" are one class in a numeric column). */
export function classCount(values: readonly string[]): number {
  return distinct(values, values.every(isNumeric)).length;
}

/**
 * A cell that is not a number in a column of mostly numbers ("x" among measurements, an empty cell) is damage, not a
 * category: PMLB codes every value as a number, and one-hot encoding such a column would turn one continuous
 * feature into as many inputs as it has values.
 */
function checkNumericColumn(values: readonly string[], file: string, header: string, column: number): void {
  let numbers = 0;
  let first = -1;
  for (let r = 0; r < values.length; r++) {
    if (isNumeric(values[r])) numbers++;
    else if (first < 0) first = r;
  }
  if (first >= 0 && numbers >= values.length - numbers) {
    throw malformed(file, first + 2, `column ${column + 1} (${JSON.stringify(header)}): ${JSON.stringify(values[first])} is not a number, though ${numbers} of the column's ${values.length} cells are`,
      `Fix line ${first + 2}: a column of numbers needs a number in every row.`);
  }
}

export function columnRule(values: readonly string[]): ColumnRule {
  const numeric = values.every(isNumeric);
  const categories = distinct(values, numeric);
  if (categories.length <= 1) return { kind: 'drop' };
  if (categories.length === 2) return { kind: 'binary', positive: values[0] };
  if (!numeric || categories.length <= ONE_HOT_MAX_DISTINCT) return { kind: 'onehot', categories };
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    const n = Number(v);
    if (n < min) min = n;
    if (n > max) max = n;
  }
  return { kind: 'minmax', min, max };
}

function targetRule(values: readonly string[], task: Task, file: string, header: string, column: number): ColumnRule {
  if (task === 'regression') {
    const bad = values.findIndex((v) => !isNumeric(v));
    if (bad >= 0) {
      throw malformed(file, bad + 2, `non-numeric regression target ${JSON.stringify(values[bad])} in column ${JSON.stringify(header)}`,
        'A regression target must be a number on every row; fix the row or treat the dataset as classification.');
    }
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) { const n = Number(v); if (n < min) min = n; if (n > max) max = n; }
    return { kind: 'minmax', min, max };
  }
  checkNumericColumn(values, file, header, column);
  const numeric = values.every(isNumeric);
  const categories = distinct(values, numeric);
  if (categories.length < 2) {
    throw malformed(file, undefined, `the target column ${JSON.stringify(header)} has a single class`, 'A classification target needs at least two classes.');
  }
  return categories.length === 2 ? { kind: 'binary', positive: values[0] } : { kind: 'onehot', categories };
}

export function ruleWidth(rule: ColumnRule): number {
  return rule.kind === 'drop' ? 0 : rule.kind === 'onehot' ? rule.categories.length : 1;
}

/** Write column `values` transformed by `rule` into `out` (row stride `stride`) starting at column `offset`. */
export function applyRule(rule: ColumnRule, values: readonly string[], out: Float32Array, stride: number, offset: number): void {
  switch (rule.kind) {
    case 'drop':
      return;
    case 'binary': {
      const p = rule.positive;
      const pn = Number(p);
      const numeric = isNumeric(p);
      for (let r = 0; r < values.length; r++) {
        const v = values[r];
        out[r * stride + offset] = (numeric ? Number(v) === pn : v === p) ? 1 : 0;
      }
      return;
    }
    case 'onehot': {
      const numeric = rule.categories.every(isNumeric);
      const index = new Map<string | number, number>(rule.categories.map((c, i) => [numeric ? Number(c) : c, i]));
      for (let r = 0; r < values.length; r++) {
        const i = index.get(numeric ? Number(values[r]) : values[r]);
        if (i !== undefined) out[r * stride + offset + i] = 1;
      }
      return;
    }
    case 'minmax': {
      const range = rule.max - rule.min;
      for (let r = 0; r < values.length; r++) {
        out[r * stride + offset] = range === 0 ? 0 : (Number(values[r]) - rule.min) / range;
      }
      return;
    }
  }
}

/** Preprocess a table; the target is the column named `target` (PMLB) or, failing that, the last column. */
/** The target column: the one named `targetColumn` (PMLB's `target`), failing that the last. */
export function targetIndex(table: RawTable, targetColumn = 'target'): number {
  const t = table.header.indexOf(targetColumn);
  return t < 0 ? table.header.length - 1 : t;
}

export function prepareTable(table: RawTable, task: Task, targetColumn = 'target'): Prepared {
  const t = targetIndex(table, targetColumn);
  if (table.header.length < 2) {
    throw malformed(table.file, 1, 'need at least one feature column and a target column', `Add a header naming the features and ${JSON.stringify(targetColumn)}.`);
  }
  table.columns.forEach((values, c) => { if (c !== t) checkNumericColumn(values, table.file, table.header[c], c); });
  const featureColumns = table.columns.filter((_, c) => c !== t);
  const rules = featureColumns.map(columnRule);
  const yRule = targetRule(table.columns[t], task, table.file, table.header[t], t);
  const inputs = rules.reduce((s, r) => s + ruleWidth(r), 0);
  if (inputs === 0) throw malformed(table.file, undefined, 'every feature column is constant', 'A dataset needs at least one varying feature.');
  const outputs = ruleWidth(yRule);
  const x = new Float32Array(table.rows * inputs);
  let offset = 0;
  featureColumns.forEach((values, c) => {
    applyRule(rules[c], values, x, inputs, offset);
    offset += ruleWidth(rules[c]);
  });
  const y = new Float32Array(table.rows * outputs);
  applyRule(yRule, table.columns[t], y, outputs, 0);
  return { x, y, rows: table.rows, inputs, outputs, task, rules: [...rules, yRule] };
}
