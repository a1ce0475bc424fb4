export { createViewer } from './create-viewer.js';
export type { Viewer, ViewerOptions } from './create-viewer.js';
export type { DatasetSummary, FieldSummary } from './dataset-summary.js';
export type { FieldStatistics, HistogramBin, StatisticSummary, ValueCount } from './field-statistics.js';
export type { VerifyState } from './verify-job.js';
