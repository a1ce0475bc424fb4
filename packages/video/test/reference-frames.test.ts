/**
 * Decoded frames against PyAV's (fixtures/*.json): every frame of every fixture at native size,
 * bit-exact RGB24 (CFR, VFR, B-frames, GOP 12/30/250, a non-zero first pts, VP9 at an odd size, a
 * video that is not the first stream, a rotated one); random clips through the loader, whose
 * frames must be the reference frames at the times the "times" output reports.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Batch, createLoader, openDataset, writeDataset } from '@tessera/core';
import { compressedVideo, videoPlugin } from '@tessera/video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Reference, fixturePath, references, sha256 } from './fixture-references.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-video-reference-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const all = references();
const datasetOf = (reference: Reference) => join(directory, `${reference.file}.beton`);

beforeAll(async () => {
  for (const reference of all) await writeDataset(datasetOf(reference), { video: compressedVideo() }, [{ video: fixturePath(reference.file) }]);
});

function frameHashes(batch: Batch, name: string, sample = 0): string[] {
  const column = batch[name]!;
  const [, frames, height, width] = column.shape as number[];
  const frameBytes = height! * width! * 3;
  const bytes = new Uint8Array(column.data.buffer, column.data.byteOffset, column.data.byteLength);
  const base = sample * frames! * frameBytes;
  return Array.from({ length: frames! }, (_, k) => sha256(bytes.subarray(base + k * frameBytes, base + (k + 1) * frameBytes)));
}

describe('frames equal PyAV’s', () => {
  it('has the reference videos', () => {
    expect(all.map((reference) => reference.file)).toEqual(expect.arrayContaining(['cfr-gop30.mp4', 'bframes-gop250.mp4', 'vfr.mp4']));
    expect(all.length).toBeGreaterThanOrEqual(6);
  });

  for (const reference of all) {
    describe(reference.file, () => {
      it('stores the stream’s properties (info decoder)', async () => {
        const dataset = openDataset(datasetOf(reference), { plugins: [videoPlugin()] });
        try {
          const stored = dataset.toJSON(0, 'video') as { frames: number; width: number; height: number; rotation: number; keyframes: number; disposable: number };
          expect(stored.frames).toBe(reference.frames.length);
          expect([stored.width, stored.height]).toEqual([reference.stream.width, reference.stream.height]);
          expect(stored.keyframes).toBe(reference.packets.filter((packet) => packet.key).length);
          // Non-reference B-frames are marked, so clips that do not show them skip decoding them (the random-clip test below then covers that path).
          if (reference.file.startsWith('bframes')) expect(stored.disposable).toBeGreaterThan(0);
          else if (reference.file === 'cfr-gop30.mp4') expect(stored.disposable).toBe(0);
          expect(stored.rotation).toBe(reference.stream.rotation);
          const info = dataset.createDecoder('video', 'info');
          const slot = { bytes: new Uint8Array(56), data: new Float64Array(7), lengths: new Int32Array(0) };
          info.decode(0, slot);
          expect(slot.data[0]).toBe(reference.frames.length);
          expect(slot.data[6]).toBeCloseTo(reference.frames[0]!.time, 9);
        } finally {
          dataset.close();
        }
      });

      it('decodes every frame bit-exactly at native size, in presentation order', async () => {
        const frames = reference.frames.length;
        const loader = createLoader(datasetOf(reference), { batchSize: 1, plugins: [videoPlugin()], pipelines: { video: { decoder: 'frames', decoderOptions: { frames, sampler: 'uniform' } } } });
        try {
          for await (const batch of loader) expect(frameHashes(batch, 'video')).toEqual(reference.frames.map((frame) => frame.sha256));
        } finally {
          await loader.close();
        }
      });

      it('random clips (8 frames, stride 3): the frames PyAV shows at the reported times', async () => {
        const clip = { frames: 8, stride: 3, sampler: 'random' };
        const loader = createLoader(datasetOf(reference), {
          batchSize: 1,
          seed: 7,
          plugins: [videoPlugin()],
          pipelines: { video: { decoder: 'frames', decoderOptions: clip }, 'video.times': { field: 'video', decoder: 'times', decoderOptions: clip } },
        });
        const first = reference.frames[0]!.time;
        const starts = new Set<number>();
        try {
          for (let epoch = 0; epoch < 6; epoch++) {
            for await (const batch of loader) {
              const times = Array.from(batch['video.times']!.data as Float64Array);
              const indices = times.map((time) => reference.frames.findIndex((frame) => Math.abs(frame.time - first - time) < 1e-9));
              expect(indices.every((index) => index >= 0)).toBe(true);
              // Every third frame, or the last one repeated at the end of a short video.
              for (let k = 1; k < indices.length; k++) expect(indices[k]).toBe(Math.min(indices[0]! + 3 * k, reference.frames.length - 1));
              expect(frameHashes(batch, 'video')).toEqual(indices.map((index) => reference.frames[index]!.sha256));
              starts.add(indices[0]!);
            }
          }
        } finally {
          await loader.close();
        }
        if (reference.frames.length > 30) expect(starts.size).toBeGreaterThan(1);
      });
    });
  }

  it('pixel values, not only hashes: frames 0 and 7 of cfr-gop30.mp4 equal PyAV\'s raw RGB24 bytes', async () => {
    const reference = all.find((candidate) => candidate.file === 'cfr-gop30.mp4')!;
    const loader = createLoader(datasetOf(reference), { batchSize: 1, plugins: [videoPlugin()], pipelines: { video: { decoder: 'frames', decoderOptions: { frames: 8, sampler: 'regular' } } } });
    try {
      for await (const batch of loader) {
        const column = batch.video!;
        const bytes = new Uint8Array(column.data.buffer, column.data.byteOffset, column.data.byteLength);
        const frameBytes = 96 * 64 * 3;
        for (const index of [0, 7]) {
          const expected = readFileSync(fixturePath(`cfr-gop30.mp4.frame${index}.rgb`));
          expect(Buffer.from(bytes.subarray(index * frameBytes, (index + 1) * frameBytes)).equals(expected)).toBe(true);
        }
      }
    } finally {
      await loader.close();
    }
  });

  it('samples by time on a variable-frame-rate video: the frame shown at each instant', async () => {
    const reference = all.find((candidate) => candidate.file === 'vfr.mp4')!;
    const clip = { frames: 12, fps: 8, sampler: 'uniform', clips: 3 };
    const loader = createLoader(datasetOf(reference), {
      batchSize: 1,
      plugins: [videoPlugin()],
      pipelines: { video: { decoder: 'frames', decoderOptions: clip }, 'video.times': { field: 'video', decoder: 'times', decoderOptions: clip } },
    });
    const first = reference.frames[0]!.time;
    // The video's duration (first frame to the end of the last), as the sampler sees it.
    const dataset = openDataset(datasetOf(reference), { plugins: [videoPlugin()] });
    const info = { bytes: new Uint8Array(56), data: new Float64Array(7), lengths: new Int32Array(0) };
    dataset.createDecoder('video', 'info').decode(0, info);
    dataset.close();
    const duration = info.data[1]!;
    expect(duration).toBeGreaterThan(reference.frames.at(-1)!.time - first);
    try {
      for await (const batch of loader) {
        expect(batch.video!.shape).toEqual([1, 3, 12, reference.stream.height, reference.stream.width, 3]);
        const times = batch['video.times']!.data as Float64Array;
        const column = batch.video!;
        const bytes = new Uint8Array(column.data.buffer, column.data.byteOffset, column.data.byteLength);
        const frameBytes = reference.stream.height * reference.stream.width * 3;
        const room = Math.max(0, duration - 12 / 8);
        for (let clipIndex = 0; clipIndex < 3; clipIndex++) {
          // uniform: clip c starts at c × room / (clips − 1)
          const start = (clipIndex * room) / 2;
          for (let k = 0; k < 12; k++) {
            const instant = start + k / 8;
            // The frame shown at `instant`: the last whose time is ≤ it (VFR: 25 fps, then 10 fps).
            let expected = 0;
            for (let index = 0; index < reference.frames.length; index++) if (reference.frames[index]!.time - first <= instant + 1e-9) expected = index;
            expect(times[clipIndex * 12 + k]).toBeCloseTo(reference.frames[expected]!.time - first, 9);
            const offset = (clipIndex * 12 + k) * frameBytes;
            expect(sha256(bytes.subarray(offset, offset + frameBytes))).toBe(reference.frames[expected]!.sha256);
          }
        }
      }
    } finally {
      await loader.close();
    }
  });
});
