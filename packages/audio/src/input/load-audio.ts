import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFfmpeg } from '../audio-ffmpeg.js';
import { AudioInputError } from './audio-input-error.js';
import type { AudioInput, AudioTarget, Pcm } from './audio-input.js';
import { probeContainerAudioStart } from './container-start.js';
import { FFMPEG_LAYOUT_CHANNELS, deinterleave, interleave, remixChannels } from './pcm-remix.js';
import { type WavLayout, isWav, parseWavLayout, readWavPcm } from './wav-reader.js';

/** Bytes read first from a file to find a WAV's data chunk (headers with LIST/bext chunks fit). */
const WAV_HEAD_BYTES = 1 << 20;

interface Crop {
  start: number;
  end: number | undefined;
}

/**
 * Loads an audio input as planar float32 PCM at `target.sampleRate` with `target.channels`.
 *
 * - PCM WAV files and bytes (8/16/24/32-bit integer, 32/64-bit float, WAVE_FORMAT_EXTENSIBLE) are read
 *   in JS; a crop reads only its frames. At the target rate no ffmpeg runs at all.
 * - Other formats, and every rate conversion, go through ffmpeg (`-f f32le` to a pipe).
 * - Crops: `{ path, start, end }` in seconds keep frames `round(start·rate) … round(end·rate)` of the
 *   file (exact for WAV; for other formats ffmpeg seeks with `-ss`/`-t` and the result is cut to that
 *   count when ffmpeg gives more).
 * - Channels: N → 1 is the mean, 1 → N repeats the channel, other counts (up to 8) use ffmpeg's
 *   default layouts; anything else is E_AUDIO_INPUT.
 * - PCM values at the target rate and channel count are returned as given (no copy).
 * - `startTime` (seconds, or `'container'` for paths) is returned as `Pcm.startTime`; see `AudioInput`.
 *   `'container'` decodes the stream from its first presented sample without padding or shifting,
 *   and a crop is cut by sample count (ffmpeg's `atrim=start_sample/end_sample`, exact), not by
 *   seeking: the part of the stream before the crop is decoded and dropped.
 * Failures are AudioInputError naming the input (E_AUDIO_INPUT; E_AUDIO_SAMPLE_RATE for PCM at
 * another rate with `resample: false`); a missing ffmpeg is FfmpegNotFoundError.
 */
export async function loadAudio(input: AudioInput, target: AudioTarget): Promise<Pcm> {
  checkTarget(target);
  if (typeof input === 'string') return loadFile(input, { start: 0, end: undefined }, target);
  if (input instanceof Uint8Array) return loadBytes(input, target);
  if (input !== null && typeof input === 'object') {
    if ('samples' in input) {
      const startTime = checkStartTime(input.startTime, 'PCM', false) as number | undefined;
      const pcm = await loadPcm(input, target);
      return startTime === undefined ? pcm : { ...pcm, startTime };
    }
    if ('path' in input && typeof input.path === 'string') {
      const startTime = checkStartTime(input.startTime, input.path, true);
      if (startTime === 'container') return loadContainerAudio(input.path, checkCrop(input), input.start !== undefined, target);
      const pcm = await loadFile(input.path, checkCrop(input), target);
      return startTime === undefined ? pcm : { ...pcm, startTime };
    }
  }
  throw new AudioInputError('E_AUDIO_INPUT', `an audio value must be a path, { path, start?, end? }, the bytes of an audio file or { samples, sampleRate }, got ${describe(input)}`);
}

function checkTarget(target: AudioTarget): void {
  const { sampleRate, channels } = target ?? ({} as AudioTarget);
  if (!Number.isInteger(sampleRate) || sampleRate < 1) throw new RangeError(`loadAudio: target.sampleRate must be a positive integer (Hz), got ${String(sampleRate)}`);
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`loadAudio: target.channels must be a positive integer, got ${String(channels)}`);
}

/**
 * A value's `startTime`: undefined, a finite number of seconds, or (paths only) 'container'. Shared
 * with the fields' direct PCM path, so both reject the same values.
 */
export function checkStartTime(startTime: unknown, input: string, container: boolean): number | 'container' | undefined {
  if (startTime === undefined || (typeof startTime === 'number' && Number.isFinite(startTime))) return startTime;
  if (startTime === 'container' && container) return startTime;
  const allowed = container ? "a finite number of seconds or 'container'" : "a finite number of seconds ('container' applies to paths)";
  throw new AudioInputError('E_AUDIO_INPUT', `startTime must be ${allowed}, got ${JSON.stringify(startTime) ?? String(startTime)}`, { input });
}

function checkCrop(input: { path: string; start?: number; end?: number }): Crop {
  const { start = 0, end } = input;
  const bad = (message: string) => new AudioInputError('E_AUDIO_INPUT', message, { input: input.path });
  if (typeof start !== 'number' || !Number.isFinite(start) || start < 0) throw bad(`start must be a non-negative number of seconds, got ${String(start)}`);
  if (end !== undefined && (typeof end !== 'number' || !Number.isFinite(end) || end < start)) {
    throw bad(`end must be a number of seconds at or after start (${start}), got ${String(end)}`);
  }
  return { start, end };
}

async function loadFile(path: string, crop: Crop, target: AudioTarget): Promise<Pcm> {
  const wav = readWavFile(path, crop);
  if (wav !== undefined) return convert(wav, target, path);
  const pcm = await decodeWithFfmpeg(path, crop, target, path);
  return pcm;
}

/**
 * `{ path, start?, end?, startTime: 'container' }`: the audio with its container start time. A WAV
 * has no timestamps (it starts at 0) and is read in JS; other files are probed once, then decoded
 * whole from their first presented sample, a crop cut by sample count at the source rate.
 */
async function loadContainerAudio(path: string, crop: Crop, cropped: boolean, target: AudioTarget): Promise<Pcm> {
  const wav = readWavFile(path, crop);
  if (wav !== undefined) return { ...(await convert(wav, target, path)), startTime: crop.start };
  const first = await probeContainerAudioStart(path, target);
  if (!cropped && crop.end === undefined) return { ...(await decodeWithFfmpeg(path, crop, target, path)), startTime: first.seconds };
  const rate = first.sampleRate;
  // Source samples [from, to) counted from the stream's first presented sample.
  const from = cropped ? Math.max(0, Math.round(crop.start * rate) - first.samples) : 0;
  const to = crop.end === undefined ? undefined : Math.round(crop.end * rate) - first.samples;
  const startTime = from === 0 ? first.seconds : (first.samples + from) / rate;
  if (to !== undefined && to <= from) {
    return { channels: Array.from({ length: target.channels }, () => new Float32Array(0)), sampleRate: target.sampleRate, length: 0, startTime: Math.max(startTime, crop.start) };
  }
  const filter = `atrim=start_sample=${from}${to === undefined ? '' : `:end_sample=${to}`}`;
  const pcm = await decodeWithFfmpeg(path, { start: 0, end: undefined }, target, path, filter);
  if (crop.end !== undefined) {
    // Resampling may give a sample more than the crop holds at the field's rate.
    const expected = Math.max(0, Math.round(crop.end * target.sampleRate) - Math.round(startTime * target.sampleRate));
    if (pcm.length > expected) return { channels: pcm.channels.map((row) => row.subarray(0, expected)), sampleRate: pcm.sampleRate, length: expected, startTime };
  }
  return { ...pcm, startTime };
}

async function loadBytes(bytes: Uint8Array, target: AudioTarget): Promise<Pcm> {
  const label = `audio bytes (${bytes.byteLength} bytes)`;
  const layout = parseWavLayout(bytes);
  if (layout !== undefined) return convert(readWavPcm(bytes, layout), target, label);
  // A file, not a pipe: containers such as MP4 need to seek.
  const folder = await mkdtemp(join(tmpdir(), 'tessera-audio-'));
  try {
    const file = join(folder, 'input');
    await writeFile(file, bytes);
    return await decodeWithFfmpeg(file, { start: 0, end: undefined }, target, label);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function loadPcm(input: { samples: Float32Array | readonly Float32Array[]; sampleRate: number }, target: AudioTarget): Promise<Pcm> | Pcm {
  const { samples, sampleRate } = input;
  const rows = samples instanceof Float32Array ? [samples] : Array.isArray(samples) ? (samples as readonly unknown[]) : [];
  const label = `PCM (${rows.length} channel(s) at ${String(sampleRate)} Hz)`;
  if (rows.length === 0 || !rows.every((row) => row instanceof Float32Array)) {
    throw new AudioInputError('E_AUDIO_INPUT', `samples must be a Float32Array or an array of them (planar channels), got ${describe(samples)}`, { input: 'PCM' });
  }
  if (!Number.isInteger(sampleRate) || sampleRate < 1) throw new AudioInputError('E_AUDIO_INPUT', `sampleRate must be a positive integer (Hz), got ${String(sampleRate)}`, { input: label });
  const channels = rows as Float32Array[];
  const length = channels[0]!.length;
  for (const [index, row] of channels.entries()) {
    if (row.length !== length) throw new AudioInputError('E_AUDIO_INPUT', `channel ${index} has ${row.length} samples, channel 0 has ${length}: planar channels must have equal lengths`, { input: label });
  }
  if (sampleRate !== target.sampleRate && target.resample === false) {
    throw new AudioInputError('E_AUDIO_SAMPLE_RATE', `the audio is ${sampleRate} Hz, the field is ${target.sampleRate} Hz; resample, or set resample: true`, { input: label });
  }
  return convert({ channels: [...channels], sampleRate, length }, target, label);
}

/** Remixes and resamples PCM to the target: in JS where possible, ffmpeg for rates and unusual layouts. */
function convert(pcm: Pcm, target: AudioTarget, label: string): Pcm | Promise<Pcm> {
  const remixed = remixChannels(pcm, target.channels);
  if (remixed !== undefined && pcm.sampleRate === target.sampleRate) return remixed;
  const source = remixed ?? pcm;
  if (remixed === undefined && (pcm.channels.length > FFMPEG_LAYOUT_CHANNELS || target.channels > FFMPEG_LAYOUT_CHANNELS)) {
    throw new AudioInputError(
      'E_AUDIO_INPUT',
      `cannot remix ${pcm.channels.length} channels to ${target.channels}: only N → 1 (mean), 1 → N (repeat) and ffmpeg's default layouts (up to ${FFMPEG_LAYOUT_CHANNELS} channels) are defined`,
      { input: label },
    );
  }
  if (source.length === 0) return { channels: Array.from({ length: target.channels }, () => new Float32Array(0)), sampleRate: target.sampleRate, length: 0 };
  return resampleWithFfmpeg(source, target, label);
}

async function resampleWithFfmpeg(pcm: Pcm, target: AudioTarget, label: string): Promise<Pcm> {
  const interleaved = interleave(pcm);
  const stdin = new Uint8Array(interleaved.buffer, interleaved.byteOffset, interleaved.byteLength);
  const args = ['-f', 'f32le', '-ar', String(pcm.sampleRate), '-ac', String(pcm.channels.length), '-i', 'pipe:0', ...outputArgs(target)];
  const output = await runFfmpeg(args, { ffmpegPath: target.ffmpegPath, timeoutMs: target.timeoutMs, stdin, input: label, action: `convert ${pcm.sampleRate} Hz × ${pcm.channels.length} to ${target.sampleRate} Hz × ${target.channels}` });
  return deinterleave(new Float32Array(output.buffer, output.byteOffset, output.byteLength >> 2), target.channels, target.sampleRate);
}

async function decodeWithFfmpeg(path: string, crop: Crop, target: AudioTarget, label: string, filter?: string): Promise<Pcm> {
  const seek = crop.start > 0 ? ['-ss', seconds(crop.start)] : [];
  const duration = crop.end === undefined ? [] : ['-t', seconds(crop.end - crop.start)];
  // Before the resampler (-ar adds it last), at the source rate.
  const filters = filter === undefined ? [] : ['-af', filter];
  // -xerror: a damaged input (a truncated FLAC, a corrupt frame) fails instead of giving the part ffmpeg could decode.
  const args = ['-xerror', ...seek, ...duration, '-i', path, '-map', '0:a:0', ...filters, ...outputArgs(target)];
  const output = await runFfmpeg(args, { ffmpegPath: target.ffmpegPath, timeoutMs: target.timeoutMs, input: label, action: 'decode the audio' });
  const pcm = deinterleave(new Float32Array(output.buffer, output.byteOffset, output.byteLength >> 2), target.channels, target.sampleRate);
  if (crop.end === undefined) return pcm;
  const expected = Math.round(crop.end * target.sampleRate) - Math.round(crop.start * target.sampleRate);
  if (pcm.length <= expected) return pcm;
  return { channels: pcm.channels.map((row) => row.subarray(0, expected)), sampleRate: pcm.sampleRate, length: expected };
}

const outputArgs = (target: AudioTarget): string[] => ['-ar', String(target.sampleRate), '-ac', String(target.channels), '-c:a', 'pcm_f32le', '-f', 'f32le', 'pipe:1'];

/** Seconds for ffmpeg's command line, exact to the microsecond. */
const seconds = (value: number): string => value.toFixed(6);

/**
 * A WAV file JS can read, cropped, reading only the head and the crop's frames; undefined when the
 * file is not a PCM WAV (ffmpeg reads it). Unreadable files are AudioInputError.
 */
function readWavFile(path: string, crop: Crop): Pcm | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw unreadable(path, error);
  }
  try {
    const fileByteLength = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(fileByteLength, WAV_HEAD_BYTES));
    readFully(fd, head, 0);
    if (!isWav(head)) return undefined;
    const layout = parseWavLayout(head, fileByteLength);
    if (layout === undefined) return undefined;
    const startFrame = Math.min(layout.frames, Math.round(crop.start * layout.sampleRate));
    const endFrame = crop.end === undefined ? layout.frames : Math.min(layout.frames, Math.round(crop.end * layout.sampleRate));
    const frames = Math.max(0, endFrame - startFrame);
    const blockAlign = layout.channels * (layout.bitsPerSample / 8);
    const data = new Uint8Array(frames * blockAlign);
    readFully(fd, data, layout.dataOffset + startFrame * blockAlign);
    const dataLayout: WavLayout = { ...layout, dataOffset: 0, frames };
    return readWavPcm(data, dataLayout);
  } catch (error) {
    if (error instanceof AudioInputError) throw error;
    throw unreadable(path, error);
  } finally {
    closeSync(fd);
  }
}

function readFully(fd: number, target: Uint8Array, position: number): void {
  let done = 0;
  while (done < target.byteLength) {
    const read = readSync(fd, target, done, target.byteLength - done, position + done);
    if (read === 0) throw new Error(`the file ended after ${position + done} bytes (it shrank while being read)`);
    done += read;
  }
}

function unreadable(path: string, error: unknown): AudioInputError {
  const code = (error as { code?: string }).code;
  const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
  return new AudioInputError('E_AUDIO_INPUT', `cannot be read: ${reason}`, { input: path, cause: error });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value === 'object' ? `an object with keys ${Object.keys(value as object).join(', ') || '(none)'}` : typeof value;
}
