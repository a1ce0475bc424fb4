export { runFieldConformance } from './run-field-conformance.js';
export { createFieldConformance } from './field-conformance.js';
export type { ConformanceCheck, FieldConformance } from './field-conformance.js';
export type { ConformanceCheckId, ConformanceWindow, DecodedSampleContext, FieldConformanceOptions } from './field-conformance-options.js';
export { ConformanceError } from './conformance-error.js';
export { deepEqual, describeDifference, formatValue, withinTolerance } from './deep-equal.js';
export type { EqualityOptions } from './deep-equal.js';
