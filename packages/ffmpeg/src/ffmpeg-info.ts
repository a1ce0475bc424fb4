import { type FfmpegOptionSpellings, type FfmpegSource, type ResolveFfmpegOptions, ffmpegOptionSpellings, listDecoders, listEncoders, resolveFfmpeg } from './resolve-ffmpeg.js';

export interface FfmpegInfo {
  /** The binary used. */
  path: string;
  /** Which link of the chain gave it. */
  source: FfmpegSource;
  /** From `ffmpeg -version`: '5.1.6-0+deb12u1', 'N-47683-g0e8eb07980-static', … */
  version: string;
  /** Every encoder and decoder of the build (`ffmpeg -encoders` / `-decoders` names). */
  encoders: readonly string[];
  decoders: readonly string[];
  /** The option spellings this build takes (old builds spell some options differently). */
  spellings: FfmpegOptionSpellings;
}

/** Which ffmpeg Tessera uses (or FfmpegNotFoundError), its version, its codecs and its option spellings. */
export function ffmpegInfo(options: ResolveFfmpegOptions = {}): FfmpegInfo {
  const { path, source, version } = resolveFfmpeg(options);
  return { path, source, version, encoders: listEncoders(path), decoders: listDecoders(path), spellings: ffmpegOptionSpellings(path) };
}
