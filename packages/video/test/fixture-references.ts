/**
 * The shipped test videos and PyAV's decoding of them (fixtures/*.json, made by
 * fixtures/make-references.py with Debian's python3-av: RGB24 at native size, sha256 per frame).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export interface ReferenceFrame {
  pts: number;
  time: number;
  key: boolean;
  sha256: string;
}

export interface Reference {
  file: string;
  generator: string;
  stream: { index: number; codec: string; width: number; height: number; timeBase: [number, number]; startPts: number; frames: number; rotation: number; /** PyAV's stream duration × time base (seconds, rounded to 1e-6). */ durationSeconds: number };
  frames: ReferenceFrame[];
  packets: Array<{ pts: number; dts: number; size: number; key: boolean }>;
}

/** Every fixture video that has a reference twin, by file name. */
export function references(): Reference[] {
  return readdirSync(FIXTURES)
    .filter((name) => !name.endsWith('.json') && existsSync(join(FIXTURES, `${name}.json`)))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Reference);
}

export const fixturePath = (name: string): string => join(FIXTURES, name);

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Throws unless decoded pixels span at least 64 levels (testsrc2 frames are never nearly flat). */
export function assertNotFlat(data: Uint8Array): void {
  let low = 255;
  let high = 0;
  for (const value of data) {
    low = Math.min(low, value);
    high = Math.max(high, value);
  }
  if (high - low < 64) throw new Error(`the frames are nearly flat (${low}–${high})`);
}
