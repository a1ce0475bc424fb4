/**
 * @tessera/audio's view of the shared ffmpeg resolver (@tessera/ffmpeg): the one module here that
 * reaches ffmpeg. It binds what audio needs — the write-time encoders an @ffmpeg-installer/ffmpeg
 * build must have, AudioInputError for failed runs — and keeps audio's public names and shapes
 * (resolveFfmpeg, ffmpegInfo with encoder booleans, FfmpegNotFoundError).
 */
import {
  type FfmpegFailure,
  type FfmpegSource,
  type ResolveFfmpegOptions,
  type ResolvedFfmpeg,
  type RunFfmpegOptions,
  listEncoders,
  resolveFfmpeg as resolveSharedFfmpeg,
  runFfmpeg as runSharedFfmpeg,
} from '@tessera/ffmpeg';
import { AudioInputError } from './input/audio-input-error.js';

export { FfmpegNotFoundError, listEncoders } from '@tessera/ffmpeg';
export type { FfmpegAttempt, FfmpegSource, ResolveFfmpegOptions, ResolvedFfmpeg } from '@tessera/ffmpeg';

/** Write-time encoders Tessera's audio fields use: @ffmpeg-installer/ffmpeg's build is skipped without them. */
export const REQUIRED_ENCODERS: readonly string[] = ['flac', 'libopus', 'libmp3lame'];
const PURPOSE = 'to decode, resample and encode audio';

/** Finds the ffmpeg audio uses (see @tessera/ffmpeg for the chain), or throws FfmpegNotFoundError listing every link tried. */
export function resolveFfmpeg(options: ResolveFfmpegOptions = {}): ResolvedFfmpeg {
  return resolveSharedFfmpeg({ requiredEncoders: REQUIRED_ENCODERS, purpose: PURPOSE, ...options });
}

export interface FfmpegInfo {
  /** The binary used. */
  path: string;
  /** Which link of the chain gave it. */
  source: FfmpegSource;
  version: string;
  /** Whether it has each encoder Tessera uses at write time. */
  encoders: { flac: boolean; libopus: boolean; libmp3lame: boolean };
}

/** Which ffmpeg Tessera uses for audio (or FfmpegNotFoundError), its version and its audio encoders. */
export function ffmpegInfo(options: ResolveFfmpegOptions = {}): FfmpegInfo {
  const { path, source, version } = resolveFfmpeg(options);
  const encoders = listEncoders(path);
  return { path, source, version, encoders: { flac: encoders.includes('flac'), libopus: encoders.includes('libopus'), libmp3lame: encoders.includes('libmp3lame') } };
}

const audioInputError = (failure: FfmpegFailure): AudioInputError => new AudioInputError('E_AUDIO_INPUT', failure.message, { input: failure.input, stderr: failure.stderr, cause: failure.cause });

/** Runs ffmpeg (found as resolveFfmpeg does); a failed run is AudioInputError E_AUDIO_INPUT naming the input and quoting ffmpeg. */
export function runFfmpeg(args: readonly string[], options: Omit<RunFfmpegOptions, 'createError'>): Promise<Uint8Array> {
  return runSharedFfmpeg(args, { ...options, ffmpegPath: resolveFfmpeg({ ffmpegPath: options.ffmpegPath }).path, createError: audioInputError });
}
