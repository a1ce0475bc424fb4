/**
 * Decoders write only inside their slot: swscale's SIMD paths write past the end of lines whose
 * width is not a multiple of 16 (90 pixels here), which once corrupted the heap. Every decode goes
 * into a slot with canary bytes on both sides, at native size and through crops and resizes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset, writeDataset } from '@tessera/core';
import { compressedVideo, videoPlugin } from '@tessera/video';
import { afterAll, expect, it } from 'vitest';
import { fixturePath } from './fixture-references.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-video-bounds-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

it('writes nothing outside the slot, for odd sizes, crops and layouts', async () => {
  const path = join(directory, 'odd.beton');
  await writeDataset(path, { video: compressedVideo() }, [{ video: fixturePath('odd-size-vp9.webm') }]);
  const dataset = openDataset(path, { plugins: [videoPlugin()] });
  try {
    const cases = [
      { frames: 5, sampler: 'uniform' },
      { frames: 5, size: [31, 45], crop: 'random-resized' },
      { frames: 5, size: [7, 9], crop: 'center', layout: 'CTHW' },
      { frames: 5, size: [62, 90], crop: 'random-resized', flip: 1 },
    ];
    for (const options of cases) {
      const decoder = dataset.createDecoder('video', 'frames', options as never);
      const length = decoder.output.shape.reduce((product, extent) => product * extent, 1);
      const memory = new Uint8Array(length + 2048).fill(0xa5);
      const bytes = memory.subarray(1024, 1024 + length);
      for (let seed = 0; seed < 8; seed++) {
        let state = seed + 1;
        const nextFloat = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
        decoder.decode(0, { bytes, data: bytes, lengths: new Int32Array(0) }, { sampleIndex: 0, epoch: 0, random: { nextFloat, nextInt: (bound) => Math.floor(nextFloat() * bound), nextUint32: () => Math.floor(nextFloat() * 2 ** 32) } });
        expect(memory.subarray(0, 1024).every((value) => value === 0xa5), `${JSON.stringify(options)}: bytes before the slot`).toBe(true);
        expect(memory.subarray(1024 + length).every((value) => value === 0xa5), `${JSON.stringify(options)}: bytes after the slot`).toBe(true);
      }
    }
  } finally {
    dataset.close();
  }
});
