/**
 * Video clips as items of interleaved documents: each clip item is stored by @tessera/video's
 * compressedVideo codec (the H.264 packets as written by ffmpeg) and decoded by its own `frames`
 * decoder — asynchronous (node-av) or an ffmpeg process — one clip after another into the stacked
 * slot, in the loader's workers too. The clips are solid colours made by ffmpeg's lavfi, so the
 * decoded pixels say which clip landed where.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Batch, createLoader, writeDataset } from '@tessera/core';
import { resolveFfmpeg } from '@tessera/ffmpeg';
import { interleaved, interleavedPipelines, multimodalPlugin } from '@tessera/multimodal';
import { textPlugin, tokens } from '@tessera/text';
import { compressedVideo, videoPlugin } from '@tessera/video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENIZER, idsOf } from './helpers/documents.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-interleaved-clips-'));
const path = join(directory, 'clips.beton');
const COLOURS: Record<string, [number, number, number]> = { red: [230, 20, 20], green: [20, 200, 40], blue: [30, 40, 230] };
const WIDTH = 32;
const HEIGHT = 24;
const FRAMES = 4;
const plugins = [multimodalPlugin(), videoPlugin(), textPlugin()];

function makeClip(colour: string): string {
  const file = join(directory, `${colour}.mp4`);
  const hex = COLOURS[colour]!.map((value) => value.toString(16).padStart(2, '0')).join('');
  const run = spawnSync(
    resolveFfmpeg().path,
    ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=0x${hex}:s=${WIDTH}x${HEIGHT}:r=10:d=1`, '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv444p', file],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`ffmpeg failed: ${run.stderr}`);
  return file;
}

const documents: Array<{ text: string; clips: string[] }> = [
  { text: 'A red clip, then a blue one.', clips: ['red', 'blue'] },
  { text: 'Only green.', clips: ['green'] },
  { text: 'No clip here.', clips: [] },
  { text: 'Blue, green, red: the last one does not fit.', clips: ['blue', 'green', 'red'] },
];

beforeAll(async () => {
  const files = Object.fromEntries(Object.keys(COLOURS).map((colour) => [colour, makeClip(colour)]));
  await writeDataset(
    path,
    { document: interleaved({ items: { text: tokens({ tokenizer: TOKENIZER }), clip: compressedVideo() } }) },
    documents.map((document) => ({ document: [{ text: document.text }, ...document.clips.map((colour) => ({ clip: files[colour] }))] })),
    { workers: 0 },
  );
}, 60_000);
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('interleaved documents with video clips', () => {
  it('decodes each clip item with the video plugin\'s frames decoder, stacked in document order (0 and 2 workers)', async () => {
    for (const workers of [0, 2]) {
      const loader = createLoader(path, {
        batchSize: 4,
        workers,
        plugins,
        pipelines: interleavedPipelines('document', ['clip'], { maxTokens: 32, media: { clip: { max: 2, placeholder: -7, decoder: 'frames', decoderOptions: { frames: FRAMES, sampler: 'uniform', size: [HEIGHT, WIDTH] } } } }),
      });
      try {
        for await (const raw of loader) {
          const batch = raw as Batch;
          const clips = batch['document.clip']!;
          expect(clips.shape).toEqual([4, 2, FRAMES, HEIGHT, WIDTH, 3]);
          const clipBytes = FRAMES * HEIGHT * WIDTH * 3;
          for (const [row, document] of documents.entries()) {
            const kept = document.clips.slice(0, 2);
            expect(clips.lengths![row]).toBe(kept.length);
            const expectedTokens = [...idsOf(document.text), ...kept.map(() => -7)];
            expect(Array.from((batch.document!.data as Int32Array).subarray(row * 32, row * 32 + batch.document!.lengths![row]!))).toEqual(expectedTokens);
            const data = clips.data as Uint8Array;
            for (const [index, colour] of kept.entries()) {
              const start = (row * 2 + index) * clipBytes;
              const [red, green, blue] = COLOURS[colour]!;
              // lossless H.264 in 4:4:4: every pixel of every frame within the RGB↔YUV rounding of its colour
              for (let at = start; at < start + clipBytes; at += 3) {
                if (Math.abs(data[at]! - red) > 3 || Math.abs(data[at + 1]! - green) > 3 || Math.abs(data[at + 2]! - blue) > 3) {
                  throw new Error(`workers ${workers}, row ${row}, clip ${index} (${colour}): pixel ${data[at]},${data[at + 1]},${data[at + 2]} at byte ${at - start}`);
                }
              }
            }
            const padding = data.subarray((row * 2 + kept.length) * clipBytes, (row + 1) * 2 * clipBytes);
            expect(padding.every((byte) => byte === 0)).toBe(true);
          }
        }
      } finally {
        await loader.close();
      }
    }
  }, 60_000);
});
