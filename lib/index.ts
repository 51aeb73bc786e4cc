/** mlp-energy: the public API. Everything a user imports comes from here. */
export { MlpEnergyError } from './errors.js';
export type { ErrorCode } from './errors.js';
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
