/**
 * Shared by test/flac-*.test.ts: FLAC files made with ffmpeg at test time in a temporary folder, and
 * ffmpeg's own decode of them as the reference (planar integers). Nothing is read outside the repository.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveFfmpeg } from '../src/audio-ffmpeg.js';

/** The ffmpeg the project resolves (TESSERA_FFMPEG, PATH, …), or undefined: the tests needing it skip. */
export const ffmpegPath: string | undefined = (() => {
  try {
    return resolveFfmpeg().path;
  } catch {
    return undefined;
  }
})();
export const NO_FFMPEG = ffmpegPath === undefined;
export const NO_FFMPEG_REASON = 'no ffmpeg found (set TESSERA_FFMPEG or put ffmpeg on PATH): FLAC tests need it to make and decode files';
if (NO_FFMPEG) console.warn(`skipping FLAC tests: ${NO_FFMPEG_REASON}`);

let folder: string | undefined;
let fileCounter = 0;

export function temporaryFolder(): string {
  folder ??= mkdtempSync(join(tmpdir(), 'tessera-flac-test-'));
  return folder;
}

export function removeTemporaryFolder(): void {
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
}

export function ffmpeg(args: readonly string[]): Buffer {
  return execFileSync(ffmpegPath!, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], { maxBuffer: 1 << 30 });
}

/**
 * A FLAC file from ffmpeg: `input` are the input arguments (e.g. ['-f', 'lavfi', '-i', 'sine=…']),
 * `output` the encoder arguments after `-c:a flac`. Returns the file's bytes and path.
 */
export function makeFlac(input: readonly string[], output: readonly string[] = []): { bytes: Uint8Array; path: string } {
  const path = join(temporaryFolder(), `clip-${fileCounter++}.flac`);
  ffmpeg([...input, '-c:a', 'flac', ...output, path]);
  return { bytes: new Uint8Array(readFileSync(path)), path };
}

export function writeTemporary(name: string, bytes: Uint8Array): string {
  const path = join(temporaryFolder(), `${fileCounter++}-${name}`);
  writeFileSync(path, bytes);
  return path;
}

/**
 * ffmpeg's decode of a FLAC file as planar integers at the stream's own bit depth (channel c, sample i
 * at c * samples + i). ffmpeg gives s16 for ≤ 16 bits and s32 above, both left-aligned: shifted back here.
 */
export function referenceDecode(path: string, channels: number, bitsPerSample: number): { samples: number; planar: Int32Array } {
  const wide = bitsPerSample > 16;
  const raw = ffmpeg(['-i', path, '-f', wide ? 's32le' : 's16le', '-acodec', wide ? 'pcm_s32le' : 'pcm_s16le', '-']);
  const copy = new Uint8Array(raw.byteLength);
  copy.set(raw);
  const interleaved = wide ? new Int32Array(copy.buffer) : new Int16Array(copy.buffer);
  const shift = (wide ? 32 : 16) - bitsPerSample;
  const samples = interleaved.length / channels;
  const planar = new Int32Array(interleaved.length);
  for (let index = 0; index < samples; index++) {
    for (let channel = 0; channel < channels; channel++) planar[channel * samples + index] = interleaved[index * channels + channel] >> shift;
  }
  return { samples, planar };
}

/** Deterministic integers in [0, bound) (a 32-bit LCG), for crops and byte flips. */
export function seededRandom(seed: number): (bound: number) => number {
  let state = seed >>> 0;
  return (bound: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * bound);
  };
}

/** The index of the first difference between two integer arrays, or −1. */
export function firstDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Math.min(actual.length, expected.length);
  for (let index = 0; index < actual.length; index++) if (actual[index] !== expected[index]) return index;
  return -1;
}
