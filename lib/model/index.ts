/** The cache-aware energy model: profiles, working-set placement, features, NNLS fit, CV, baselines. */
export * from './profiles.js';
export * from './placement.js';
export * from './working-sets.js';
export * from './records.js';
export * from './features.js';
export * from './metrics.js';
export { nnls, type NnlsResult } from './nnls.js';
export * from './fit.js';
