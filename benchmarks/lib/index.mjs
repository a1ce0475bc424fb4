export { allocatePageAligned, alignedStride } from './aligned-memory.mjs';
export { benchDataPath, removePath, repositoryRoot } from './data-directory.mjs';
export { parseBenchOptions } from './options.mjs';
export { createByteStream, mulberry32, randomIndices } from './random.mjs';
export { emitResult, environmentMetrics, formatCount, formatRatio, printTable, progress, roundMetrics } from './report.mjs';
export { measure, measureInterleaved, nowMs, summarize } from './timing.mjs';
