import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A mono int16 WAV written byte by byte (no ffmpeg needed), its folders created. */
export function writeWav(path: string, samples: Int16Array, sampleRate = 16000): void {
  mkdirSync(dirname(path), { recursive: true });
  const bytes = Buffer.alloc(44 + samples.byteLength);
  bytes.write('RIFF', 0, 'latin1');
  bytes.writeUInt32LE(36 + samples.byteLength, 4);
  bytes.write('WAVEfmt ', 8, 'latin1');
  bytes.writeUInt32LE(16, 16);
  bytes.writeUInt16LE(1, 20);
  bytes.writeUInt16LE(1, 22);
  bytes.writeUInt32LE(sampleRate, 24);
  bytes.writeUInt32LE(sampleRate * 2, 28);
  bytes.writeUInt16LE(2, 32);
  bytes.writeUInt16LE(16, 34);
  bytes.write('data', 36, 'latin1');
  bytes.writeUInt32LE(samples.byteLength, 40);
  for (let index = 0; index < samples.length; index++) bytes.writeInt16LE(samples[index]!, 44 + 2 * index);
  writeFileSync(path, bytes);
}

/** A deterministic int16 signal of `length` samples. */
export const testSignal = (length: number, seed: number) => Int16Array.from({ length }, (_, index) => ((index * 7919 + seed * 104_729) % 40_000) - 20_000);
