/** mlp-energy: the public API. Everything a user imports comes from here. */
export { MlpEnergyError } from './errors.js';
export type { ErrorCode } from './errors.js';
export {
  DATASETS, DATASET_NAMES, BUTTER_DATASET_NAMES, datasetSpec, loadDataset, prepareDataset, prepareTable, readTable, readIdx,
  splitRows, synthesize, DATA_DIR_ENV,
} from './datasets/index.js';
export type { DatasetSpec, DatasetOptions, PreparedDataset, TrainData, Task, SyntheticMode } from './datasets/index.js';
export { ResultStore, DEFAULT_STORE } from './store/store.js';
export { importButterE } from './store/butter-e.js';
export { TABLES as STORE_TABLES } from './store/schema.js';
export { validateSpec, readSpecFile } from './sweep/spec.js';
export type { SweepSpec, SweepSpecInput, TilingChoice, Device } from './sweep/spec.js';
export { PRESETS, PRESET_NAMES, preset } from './sweep/presets.js';
export { makePlan } from './sweep/plan.js';
export type { Plan, PlannedRun } from './sweep/plan.js';
export { runSweep } from './sweep/runner.js';
export type { SweepEvent, SweepSummary, RunSummary } from './sweep/runner.js';
export { defaultBackends } from './sweep/backends.js';
export { normaliseRun, estimateOverhead } from './sweep/normalise.js';
export {
  EAGLE_CPU,
  EAGLE_GPU,
  BUILT_IN_PROFILES,
  loadProfile,
  validateProfile,
  place,
  placeWorkingSets,
  fitEnergyModel,
  nnls,
} from './model/index.js';
export type { HardwareProfile, CacheLevelProfile, DeviceClass, RunRecord, EnergyModelFit, DeviceFit, FitOptions } from './model/index.js';
export { cudaInfo, gpuTilings, validateGpuTiling, requireCuda } from './gpu.js';
export type { CudaInfo, CudaDevice, GpuTiling } from './gpu.js';
export { Meters, openMeters, measure, calibrateIdle, subtractIdle, energySources } from './meters.js';
export type {
  CpuSource, GpuSource, DomainKind, MeterOptions, MeterDomain, SourceStatus, MeterWindow, EnergyMeasurement,
  PollerStats, PowerTrace, IdleOptions, IdleBaseline,
} from './meters.js';
export { gemm, gemmAsync } from './gemm.js';
export type { GemmOptions } from './gemm.js';
export { defaultTiling, defaultTilingDerivation, validateTiling, ISAS } from './tiling.js';
export type { Tiling, TilingOptions, Isa } from './tiling.js';
export { cacheInfo, cpuInfo } from './hardware.js';
export type { CacheInfo, CacheLevel, CpuInfo } from './hardware.js';
export {
  SHAPES,
  BUDGET_TOLERANCE,
  networkFor,
  widthsFor,
  residualLayers,
  roundHalfEven,
  countFreeParameters,
  flopsPerEpoch,
  workingSets,
} from './networks.js';
export type { Shape, Network, NetworkOptions, EpochCostOptions, EpochFlops, WorkingSet, WorkingSets } from './networks.js';
export { trainRun, resolveTrainData, headFor } from './train.js';
export type { TrainData as TrainRunData, TrainRunOptions, TrainRunResult, EpochResult, Head } from './train.js';
