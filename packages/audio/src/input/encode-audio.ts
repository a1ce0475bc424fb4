import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError } from '@tessera/core';
import { FfmpegNotFoundError, listEncoders, resolveFfmpeg, runFfmpeg } from '../audio-ffmpeg.js';
import type { Pcm } from './audio-input.js';
import { interleave } from './pcm-remix.js';

export type EncodedAudioFormat = 'flac' | 'opus' | 'mp3';

export interface EncodeAudioOptions {
  format: EncodedAudioFormat;
  /** Opus and MP3: bits per second. Default 32 000 (Opus), 64 000 (MP3). */
  bitrate?: number;
  /** FLAC: samples per frame, a fixed block size (the reader indexes frames). Default 4096. */
  frameSize?: number;
  /** FLAC: 0–12. Default 5. */
  compressionLevel?: number;
  /** FLAC: stored sample width; the float PCM is rounded to it. Default 16. */
  bitsPerSample?: 16 | 24;
  ffmpegPath?: string;
  /** The ffmpeg run is killed after this long. Default 60 000. */
  timeoutMs?: number;
}

/**
 * The rates each format can store. FLAC: any rate from 1 Hz to 655 350 Hz, 1–8 channels. Opus:
 * 8, 12, 16, 24 and 48 kHz (libopus resamples nothing), 1–2 channels. MP3: the MPEG-1/2/2.5 rates
 * (8–48 kHz in the 8, 11.025 and 12 kHz families), 1–2 channels.
 */
export const OPUS_SAMPLE_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000];
export const MP3_SAMPLE_RATES: readonly number[] = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];
const FLAC_MAX_SAMPLE_RATE = 655_350;

const ENCODERS: Readonly<Record<EncodedAudioFormat, string>> = { flac: 'flac', opus: 'libopus', mp3: 'libmp3lame' };

/**
 * Encodes planar float32 PCM with ffmpeg and returns the bytes of a whole file: .flac (STREAMINFO
 * with total samples and MD5, fixed block size `frameSize`), .ogg (Opus, 20 ms frames) or .mp3 (with
 * the Xing/LAME header that carries encoder delay and padding, no ID3 tag). Opus is encoded from 48 kHz
 * (Opus's internal rate; pre-skip and granule positions count 48 kHz samples), so its OpusHead says
 * 48000 whatever the field's rate. The output is written to a
 * temporary file, not a pipe, so the muxers can go back and fill in those headers. Metadata is dropped
 * and ffmpeg runs bit-exact, so equal PCM gives equal bytes with the same ffmpeg.
 * Rates a format cannot store are ArgumentError E_AUDIO_SAMPLE_RATE before ffmpeg runs.
 */
export async function encodeAudio(pcm: Pcm, options: EncodeAudioOptions): Promise<Uint8Array> {
  const format = options?.format;
  if (format !== 'flac' && format !== 'opus' && format !== 'mp3') throw new ArgumentError('format', `must be flac, opus or mp3, got ${JSON.stringify(format)}`);
  const channels = pcm.channels.length;
  const { sampleRate } = pcm;
  checkPcm(pcm);
  const maxChannels = format === 'flac' ? 8 : 2;
  if (channels < 1 || channels > maxChannels) throw new ArgumentError('channels', `${format} stores 1–${maxChannels} channels, got ${channels}`);
  if (format === 'flac' && (sampleRate < 1 || sampleRate > FLAC_MAX_SAMPLE_RATE)) {
    throw new ArgumentError('sampleRate', `FLAC stores 1–${FLAC_MAX_SAMPLE_RATE} Hz, got ${sampleRate}`, 'E_AUDIO_SAMPLE_RATE');
  }
  const rates = format === 'opus' ? OPUS_SAMPLE_RATES : format === 'mp3' ? MP3_SAMPLE_RATES : undefined;
  if (rates !== undefined && !rates.includes(sampleRate)) {
    throw new ArgumentError('sampleRate', `${format === 'opus' ? 'Opus' : 'MP3'} exists at ${rates.join(', ')} Hz only, got ${sampleRate} Hz; resample to one of them`, 'E_AUDIO_SAMPLE_RATE');
  }
  const codecArgs = format === 'flac' ? flacArgs(options) : format === 'opus' ? opusArgs(options) : mp3Args(options);

  const ffmpeg = resolveFfmpeg({ ffmpegPath: options.ffmpegPath });
  const encoder = ENCODERS[format];
  if (!listEncoders(ffmpeg.path).includes(encoder)) {
    throw new FfmpegNotFoundError([{ link: ffmpeg.source, path: ffmpeg.path, reason: `found, but this build has no ${encoder} encoder` }], `encoding ${format} needs ${encoder}`);
  }
  const interleaved = interleave(pcm);
  const stdin = new Uint8Array(interleaved.buffer, interleaved.byteOffset, interleaved.byteLength);
  const folder = await mkdtemp(join(tmpdir(), 'tessera-encode-'));
  try {
    const output = join(folder, `audio.${format === 'opus' ? 'ogg' : format}`);
    const args = [
      '-f', 'f32le', '-ar', String(sampleRate), '-ac', String(channels), '-i', 'pipe:0',
      '-map_metadata', '-1', '-fflags', '+bitexact', '-flags:a', '+bitexact',
      ...codecArgs, '-y', output,
    ];
    await runFfmpeg(args, {
      ffmpegPath: ffmpeg.path,
      timeoutMs: options.timeoutMs,
      stdin,
      input: `PCM (${pcm.length} samples × ${channels} at ${sampleRate} Hz)`,
      action: `encode ${format}`,
    });
    const bytes = await readFile(output);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function checkPcm(pcm: Pcm): void {
  if (pcm === null || typeof pcm !== 'object' || !Array.isArray(pcm.channels)) throw new ArgumentError('pcm', 'must be { channels: Float32Array[], sampleRate, length }');
  if (!Number.isInteger(pcm.sampleRate) || pcm.sampleRate < 1) throw new ArgumentError('pcm.sampleRate', `must be a positive integer (Hz), got ${String(pcm.sampleRate)}`);
  for (const [index, row] of pcm.channels.entries()) {
    if (!(row instanceof Float32Array) || row.length < pcm.length) throw new ArgumentError(`pcm.channels[${index}]`, `must be a Float32Array of at least ${pcm.length} samples`);
  }
}

function integerOption(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const chosen = value ?? fallback;
  if (!Number.isInteger(chosen) || chosen < min || chosen > max) throw new ArgumentError(name, `must be an integer from ${min} to ${max}, got ${String(value)}`);
  return chosen;
}

function flacArgs(options: EncodeAudioOptions): string[] {
  const frameSize = integerOption('frameSize', options.frameSize, 4096, 16, 65535);
  const compressionLevel = integerOption('compressionLevel', options.compressionLevel, 5, 0, 12);
  const bits = options.bitsPerSample ?? 16;
  if (bits !== 16 && bits !== 24) throw new ArgumentError('bitsPerSample', `must be 16 or 24, got ${String(bits)}`);
  const width = bits === 16 ? ['-sample_fmt', 's16'] : ['-sample_fmt', 's32', '-bits_per_raw_sample', '24'];
  return ['-c:a', 'flac', ...width, '-frame_size', String(frameSize), '-compression_level', String(compressionLevel), '-f', 'flac'];
}

function opusArgs(options: EncodeAudioOptions): string[] {
  const bitrate = integerOption('bitrate', options.bitrate, 32_000, 6_000, 512_000);
  // libopus is fed 48 kHz (Opus's own rate; ffmpeg resamples other rates first): ffmpeg 4.1's
  // libopus wrapper writes the pre-skip in input-rate units for other rates, so lengths would be off.
  return ['-ar', '48000', '-c:a', 'libopus', '-b:a', String(bitrate), '-frame_duration', '20', '-f', 'ogg'];
}

function mp3Args(options: EncodeAudioOptions): string[] {
  const bitrate = integerOption('bitrate', options.bitrate, 64_000, 8_000, 320_000);
  return ['-c:a', 'libmp3lame', '-b:a', String(bitrate), '-id3v2_version', '0', '-write_xing', '1', '-f', 'mp3'];
}
