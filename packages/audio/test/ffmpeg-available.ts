import { execFileSync } from 'node:child_process';
import { resolveFfmpeg } from '../src/audio-ffmpeg.js';

/** The ffmpeg the tests use (the project's own chain), or undefined: tests needing it skip, saying why. */
export const testFfmpeg: string | undefined = (() => {
  try {
    return resolveFfmpeg().path;
  } catch {
    return undefined;
  }
})();

export const NO_FFMPEG_REASON = 'no ffmpeg found (set TESSERA_FFMPEG, install @ffmpeg-installer/ffmpeg or put ffmpeg on PATH)';
if (testFfmpeg === undefined) console.warn(`skipping ffmpeg tests: ${NO_FFMPEG_REASON}`);

/** Runs the test ffmpeg synchronously (generating inputs with lavfi, decoding references). */
export function ffmpegSync(args: readonly string[], input?: Uint8Array): Uint8Array {
  const output = execFileSync(testFfmpeg!, ['-hide_banner', '-v', 'error', ...args], { input, maxBuffer: 1 << 28 });
  return new Uint8Array(output.buffer, output.byteOffset, output.byteLength);
}

/** f32le bytes → Float32Array (copied, so aligned). */
export function float32Of(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes.byteLength - (bytes.byteLength % 4));
  copy.set(bytes.subarray(0, copy.byteLength));
  return new Float32Array(copy.buffer);
}
