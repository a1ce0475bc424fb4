export { FfmpegNotFoundError, FFMPEG_FIXES } from './ffmpeg-not-found-error.js';
export type { FfmpegAttempt } from './ffmpeg-not-found-error.js';
export { ffmpegOptionSpellings, listDecoders, listEncoders, resolveFfmpeg } from './resolve-ffmpeg.js';
export type { FfmpegOptionSpellings, FfmpegSource, ResolveFfmpegOptions, ResolvedFfmpeg } from './resolve-ffmpeg.js';
export { DEFAULT_FFMPEG_TIMEOUT_MS, runFfmpeg, runFfmpegSync } from './run-ffmpeg.js';
export type { FfmpegFailure, FfmpegSyncRun, RunFfmpegOptions, RunFfmpegSyncOptions } from './run-ffmpeg.js';
export { ffmpegInfo } from './ffmpeg-info.js';
export type { FfmpegInfo } from './ffmpeg-info.js';
