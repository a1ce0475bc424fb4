// Modules with side effects on import are left out: tessera-core.mjs (loads @tessera/core) and
// cached-datasets.mjs (loads lmdb); import them by path.
export { allocatePageAligned, alignedStride } from './aligned-memory.mjs';
export { createBenchRun } from './bench-run.mjs';
export { benchDataPath, chooseWriteDirectory, removePath, repositoryRoot } from './data-directory.mjs';
export { parseBenchOptions } from './options.mjs';
export { createByteStream, mulberry32, randomIndices } from './random.mjs';
export { emitResult, environmentMetrics, formatCount, formatRatio, printTable, progress, roundMetrics } from './report.mjs';
export { measure, measureInterleaved, nowMs, summarize } from './timing.mjs';
