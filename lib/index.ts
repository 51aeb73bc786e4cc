/** mlp-energy: the public API. Everything a user imports comes from here. */
export { MlpEnergyError } from './errors.js';
export type { ErrorCode } from './errors.js';
export {
  DATASETS, DATASET_NAMES, BUTTER_DATASET_NAMES, datasetSpec, loadDataset, prepareDataset, prepareTable, readTable, readIdx,
  splitRows, synthesize, DATA_DIR_ENV, DatasetNotFoundError,
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
export type { BackendOptions } from './sweep/backends.js';
export { normaliseRun, estimateOverhead } from './sweep/normalise.js';
export { isLongRuntime } from './sweep/normalise.js';
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
export { RAPL_DOMAINS } from './meters.js';
export type { RaplDomain } from './meters.js';
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
  smallestBudget,
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
export { assignShards, selectShard, parseShard, formatShard } from './cluster/shard.js';
export type { ShardSpec, ShardingRules } from './cluster/shard.js';
export { sbatchScript } from './cluster/sbatch.js';
export type { SbatchOptions } from './cluster/sbatch.js';
export { mergeStores } from './cluster/merge.js';
export type { MergeReport, ShardMergeReport } from './cluster/merge.js';
export { prepareJob, submitJob, statusOfJob, resubmitMissing, mergeJob, loadJob } from './cluster/job.js';
export type { JobMergeReport, LoadedJob } from './cluster/job.js';
export type { JobStatus, ShardStatus, ShardState } from './cluster/status.js';
export { tune } from './tune/tune.js';
export type { TuneOptions, TuneResult, TuneScope, ShapeTuning, Totals } from './tune/tune.js';
export type { TuneMeter, Sample, Objective } from './tune/meter.js';
export { trainingGemmShapes } from './tune/shapes.js';
export type { GemmShape, CountedShape, Orientation } from './tune/shapes.js';
export { openTuneEnvironment, thisMachine } from './tune/environment.js';
export type { TuneEnvironment } from './tune/environment.js';
export { saveTunings, loadTunings, findTuning } from './tune/store.js';
export { tunedTiling } from './tune/tuned.js';
export { gridScan } from './tune/grid-scan.js';
export { tilingGridChart } from './tune/chart.js';
export { gridTilings } from './tune/grid-scan.js';
export type { GridAxis, GridPoint, GridScanOptions } from './tune/grid-scan.js';
export { saveGridScan, loadGridScans } from './tune/grid-store.js';
export type { TilingGridScan } from './tune/grid-store.js';
export { selectShape, heaviestShape } from './tune/shapes.js';
