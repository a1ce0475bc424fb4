/**
 * Test tools shared by the opus-* and mp3-* tests: clips generated with ffmpeg into a temporary
 * folder at test time, ffprobe's packet list and ffmpeg's own decode to compare against.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { resolveFfmpeg } from '../src/audio-ffmpeg.js';

/** The project's ffmpeg (src/audio-ffmpeg.ts: TESSERA_FFMPEG, an installed ffmpeg package, PATH), else 'ffmpeg' (then the tests skip, saying why). */
export const FFMPEG: string = (() => {
  try {
    return resolveFfmpeg().path;
  } catch {
    return 'ffmpeg';
  }
})();
/** TESSERA_FFPROBE, else the ffprobe beside that ffmpeg, else ffprobe on PATH (packet lists only). */
export const FFPROBE: string = (() => {
  if (process.env.TESSERA_FFPROBE !== undefined) return process.env.TESSERA_FFPROBE;
  const sibling = join(dirname(FFMPEG), basename(FFMPEG).replace(/ffmpeg/, 'ffprobe'));
  return FFMPEG.includes('/') && existsSync(sibling) ? sibling : 'ffprobe';
})();

function runs(tool: string, argument: string): boolean {
  const result = spawnSync(tool, [argument], { stdio: 'ignore' });
  return result.status === 0;
}

/** Why the ffmpeg tests are skipped, or undefined when ffmpeg, ffprobe, libopus and libmp3lame are all there. */
export const FFMPEG_MISSING: string | undefined = (() => {
  if (!runs(FFMPEG, '-version')) return `ffmpeg not found (${FFMPEG}); set TESSERA_FFMPEG`;
  if (!runs(FFPROBE, '-version')) return `ffprobe not found (${FFPROBE}); set TESSERA_FFPROBE`;
  const encoders = spawnSync(FFMPEG, ['-hide_banner', '-encoders'], { encoding: 'utf8' }).stdout ?? '';
  if (!encoders.includes('libopus')) return 'this ffmpeg has no libopus encoder';
  if (!encoders.includes('libmp3lame')) return 'this ffmpeg has no libmp3lame encoder';
  return undefined;
})();

export function temporaryFolder(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `tessera-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

function ffmpeg(args: string[]): Buffer {
  const result = spawnSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-nostdin', ...args], { maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${result.stderr?.toString()}`);
  return result.stdout;
}

/**
 * A deterministic, speech-like test signal per channel: a chirp and a tone under a 3–4 Hz
 * syllable envelope, plus pseudo-random noise (ffmpeg's seeded random()). Pure steady tones would be
 * a worst case for Opus's long-term prediction, whose errors after a crop then decay very slowly.
 */
function signal(channel: number): string {
  if (channel === 0) return '(0.4*sin(2*PI*(200+700*t)*t)+0.1*sin(2*PI*2500*t))*(0.55+0.45*sin(2*PI*3*t))+0.08*(random(0)-0.5)';
  if (channel === 1) return '(0.3*sin(2*PI*(900-300*t)*t)+0.15*sin(2*PI*330*t))*(0.55+0.45*sin(2*PI*4*t+1))+0.08*(random(1)-0.5)';
  return `0.3*sin(2*PI*${150 + 230 * channel}*t)*(0.55+0.45*sin(2*PI*${channel}*t))+0.05*(random(${channel})-0.5)`;
}

export interface ClipSpec {
  seconds: number;
  sampleRate: number;
  channels: number;
  codec: 'opus' | 'mp3';
}

/** Encodes the test signal as ffmpeg does at write time (Opus 32k in Ogg, 20 ms; MP3 64k, LAME/Xing header). */
export function encodeClip(folder: string, spec: ClipSpec): Uint8Array {
  const expressions = Array.from({ length: spec.channels }, (_, channel) => signal(channel)).join('|');
  const file = join(folder, `${spec.codec}-${spec.seconds}-${spec.sampleRate}-${spec.channels}.${spec.codec === 'opus' ? 'opus' : 'mp3'}`);
  const codecArgs = spec.codec === 'opus' ? ['-c:a', 'libopus', '-b:a', '32k', '-frame_duration', '20'] : ['-c:a', 'libmp3lame', '-b:a', '64k'];
  ffmpeg(['-f', 'lavfi', '-i', `aevalsrc=${expressions}:s=${spec.sampleRate}:d=${spec.seconds}`, ...codecArgs, '-y', file]);
  return new Uint8Array(readFileSync(file));
}

export function writeTemporary(folder: string, name: string, bytes: Uint8Array): string {
  const file = join(folder, name);
  writeFileSync(file, bytes);
  return file;
}

/** ffprobe's packet sizes for the file. */
export function probePacketSizes(file: string): number[] {
  const result = spawnSync(FFPROBE, ['-v', 'error', '-show_packets', '-of', 'json', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const parsed = JSON.parse(result.stdout) as { packets: { size: string }[] };
  return parsed.packets.map((packet) => Number(packet.size));
}

export function probeStream(file: string): Record<string, string | number> {
  const result = spawnSync(FFPROBE, ['-v', 'error', '-show_streams', '-of', 'json', file], { encoding: 'utf8' });
  return (JSON.parse(result.stdout) as { streams: Record<string, string | number>[] }).streams[0]!;
}

/** ffmpeg's decode as planar rows. `decoder` picks ffmpeg's decoder (e.g. libopus). */
export function ffmpegDecode(file: string, channels: number, decoder?: string, outputRate?: number): Float32Array[] {
  const args = [...(decoder === undefined ? [] : ['-c:a', decoder]), '-i', file, ...(outputRate === undefined ? [] : ['-ar', String(outputRate)]), '-f', 'f32le', '-'];
  const bytes = ffmpeg(args);
  const interleaved = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const length = interleaved.length / channels;
  return Array.from({ length: channels }, (_, channel) => {
    const row = new Float32Array(length);
    for (let index = 0; index < length; index++) row[index] = interleaved[index * channels + channel]!;
    return row;
  });
}

/** Signal-to-noise ratio in dB of `actual` against `expected` over their common length. */
export function snrDb(expected: Float32Array, actual: Float32Array): number {
  let signalPower = 0;
  let noisePower = 0;
  for (let index = 0; index < expected.length; index++) {
    signalPower += expected[index]! ** 2;
    noisePower += (expected[index]! - actual[index]!) ** 2;
  }
  return noisePower === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(signalPower / noisePower);
}

export function maxAbsDifference(expected: Float32Array, actual: Float32Array, from = 0, to = expected.length): number {
  let largest = 0;
  for (let index = from; index < to; index++) largest = Math.max(largest, Math.abs(expected[index]! - actual[index]!));
  return largest;
}

/** Lets vitest's worker answer its runner between long synchronous steps (its RPC times out at 60 s). */
export function breathe(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
