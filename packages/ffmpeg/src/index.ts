export { FfmpegNotFoundError, FFMPEG_FIXES } from './ffmpeg-not-found-error.js';
export type { FfmpegAttempt } from './ffmpeg-not-found-error.js';
export { REQUIRED_ENCODERS, listEncoders, resolveFfmpeg } from './resolve-ffmpeg.js';
export type { FfmpegSource, ResolveFfmpegOptions, ResolvedFfmpeg } from './resolve-ffmpeg.js';
export { DEFAULT_FFMPEG_TIMEOUT_MS, runFfmpeg } from './run-ffmpeg.js';
export type { RunFfmpegOptions } from './run-ffmpeg.js';
export { ffmpegInfo } from './ffmpeg-info.js';
export type { FfmpegInfo } from './ffmpeg-info.js';
