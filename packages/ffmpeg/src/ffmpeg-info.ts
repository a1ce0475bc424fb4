import { listEncoders, resolveFfmpeg, type FfmpegSource, type ResolveFfmpegOptions } from './resolve-ffmpeg.js';

export interface FfmpegInfo {
  /** The binary used. */
  path: string;
  /** Which link of the chain gave it. */
  source: FfmpegSource;
  version: string;
  /** Whether it has each encoder Tessera uses at write time. */
  encoders: { flac: boolean; libopus: boolean; libmp3lame: boolean };
}

/** Which ffmpeg Tessera uses (or FfmpegNotFoundError), its version and its audio encoders. */
export function ffmpegInfo(options: ResolveFfmpegOptions = {}): FfmpegInfo {
  const { path, source, version } = resolveFfmpeg(options);
  const encoders = listEncoders(path);
  return { path, source, version, encoders: { flac: encoders.includes('flac'), libopus: encoders.includes('libopus'), libmp3lame: encoders.includes('libmp3lame') } };
}
