/**
 * `@tessera/core/internals`: building blocks for Tessera's own packages (the test-kit, the CLI,
 * first-party plugins). Not part of the public API described in the docs: names here may change in
 * any minor release. Applications import from `@tessera/core` only.
 */
export { wrapPluginError } from './errors.js';
export { OPTIONAL_CODEC_ID, createOptionalCodec } from './fields/optional-field.js';
export * as spec from './spec/index.js';
export { ORDER_RANDOM_STREAM, createOrderContext } from './loader/orders/index.js';
export { checkKnownOptions, editDistance, nearestName } from './util/check-options.js';
export { crc32, crc32Implementation } from './util/crc32.js';
export type { Crc32Implementation } from './util/crc32.js';
export { ioError, isSystemError } from './util/io-error.js';
export { startWorker, workerExecArgv } from './util/worker-exec-argv.js';
export { listClassFolder } from './util/class-folder.js';
export type { ClassFolderEntry, ClassFolderListing, ClassFolderOptions } from './util/class-folder.js';
export { encodeBmp } from './util/bmp-image.js';
export { parseCsv } from './util/csv-rows.js';
export type { CsvRecord } from './util/csv-rows.js';
export { loadAhead } from './util/load-ahead.js';
export type { Loaded } from './util/load-ahead.js';
export { manifestLabel, manifestLabels, manifestPath, manifestRange, manifestSeconds, manifestString, readManifestRows } from './util/manifest-rows.js';
export type { ManifestFormat, ManifestRow, ManifestRows } from './util/manifest-rows.js';
