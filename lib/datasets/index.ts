/** Datasets: the 13 BUTTER specs (+ Fashion-MNIST), loaders, BUTTER preprocessing, seeded split, synthetic stand-ins. */
export { DATASETS, DATASET_NAMES, BUTTER_DATASET_NAMES, datasetSpec, type DatasetSpec, type Task } from './specs.js';
export { loadDataset, prepareDataset, findDatasetFile, dataDirectory, DATA_DIR_ENV, DatasetNotFoundError, type DatasetOptions, type PreparedDataset, type TrainData, type SyntheticMode } from './load.js';
export { prepareTable, columnRule, type ColumnRule, type Prepared } from './preprocess.js';
export { readTable, parseDelimited, type RawTable } from './table.js';
export { readIdx } from './idx.js';
export { checkShape, type FileShape, type ShapeSpec } from './conformance.js';
export { splitRows, testRowsFor } from './split.js';
export { synthesize } from './synthetic.js';
