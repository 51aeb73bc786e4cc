/**
 * The 13 BUTTER datasets (all from PMLB; rows, raw features and classes from the framework's pmlb.csv, see
 * reference butter-e.md §2) plus Fashion-MNIST, which is not a BUTTER dataset but ships with Debian and lets a
 * fresh machine train on real data.
 *
 * `inputs`/`outputs` are the widths after BUTTER preprocessing (one-hot expands categorical columns). They are what
 * synthetic stand-ins use when the file is absent; when the file is present the loaded data's own widths win.
 * For datasets whose column cardinalities are known (connect_4: 42 ternary columns, nursery, adult) they are
 * computed from those; for purely continuous ones they equal the raw feature count.
 */
export const TASKS = ['classification', 'regression'] as const;
export type Task = (typeof TASKS)[number];

export interface DatasetSpec {
  readonly name: string;
  readonly task: Task;
  readonly rows: number;
  readonly rawFeatures: number;
  /** Number of classes for classification, undefined for regression. */
  readonly classes?: number;
  /** Network input width after preprocessing. */
  readonly inputs: number;
  /** Network output width: 1 for regression and binary classification, else the class count (one-hot). */
  readonly outputs: number;
  /** One of BUTTER's 7 core datasets. */
  readonly core: boolean;
  /** In the BUTTER / BUTTER-E grids (false for the extra Fashion-MNIST). */
  readonly butter: boolean;
  /** Stored as IDX files (MNIST layout) rather than a PMLB table. */
  readonly format: 'pmlb' | 'idx';
}

function outputsFor(task: Task, classes?: number): number {
  return task === 'regression' || classes === 2 ? 1 : (classes as number);
}

function spec(
  name: string, task: Task, rows: number, rawFeatures: number, classes: number | undefined, inputs: number,
  core: boolean, format: 'pmlb' | 'idx' = 'pmlb', butter = true,
): DatasetSpec {
  return { name, task, rows, rawFeatures, classes, inputs, outputs: outputsFor(task, classes), core, butter, format };
}

export const DATASETS: readonly DatasetSpec[] = [
  spec('529_pollen', 'regression', 3848, 4, undefined, 4, true),
  spec('connect_4', 'classification', 67557, 42, 3, 42 * 3, true),
  spec('537_houses', 'regression', 20640, 8, undefined, 8, true),
  spec('mnist', 'classification', 70000, 784, 10, 784, true, 'idx'),
  // pmlb.csv says regression; BUTTER's loader forces classification (its target has ≤ 20 values → one-hot).
  spec('201_pol', 'classification', 15000, 48, 11, 48, true),
  spec('sleep', 'classification', 105908, 13, 5, 13, true),
  spec('wine_quality_white', 'classification', 4898, 11, 7, 11, true),
  // 8 categorical columns with 3,5,4,4,3,2,3,3 values: one-hot except the binary one.
  spec('nursery', 'classification', 12958, 8, 4, 3 + 5 + 4 + 4 + 3 + 1 + 3 + 3, false),
  // 5 continuous + sex (binary) + native-country (> 20 values, min-max) + 7 categorical columns one-hot (9+16+16+7+15+6+5).
  spec('adult', 'classification', 48842, 14, 2, 5 + 1 + 1 + 9 + 16 + 16 + 7 + 15 + 6 + 5, false),
  spec('505_tecator', 'regression', 240, 124, undefined, 124, false),
  spec('294_satellite_image', 'regression', 6435, 36, undefined, 36, false),
  // 60 nucleotide columns (A, C, G, T) one-hot.
  spec('splice', 'classification', 3188, 60, 3, 60 * 4, false),
  spec('banana', 'regression', 5300, 2, undefined, 2, false),
  spec('fashion_mnist', 'classification', 70000, 784, 10, 784, false, 'idx', false),
];

export const DATASET_NAMES: readonly string[] = DATASETS.map((d) => d.name);
export const BUTTER_DATASET_NAMES: readonly string[] = DATASETS.filter((d) => d.butter).map((d) => d.name);

export function datasetSpec(name: string): DatasetSpec | undefined {
  return DATASETS.find((d) => d.name === name);
}
