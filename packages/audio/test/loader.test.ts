/**
 * Audio fields through the real loader: random crops of FLAC decoded in worker threads are the same
 * for every worker count under one seed and equal windows of the written clips; whole clips padded
 * to the longest of each batch (core's padToLongest); log-mel batches with SpecAugment.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { audioPlugin, flac, logMel, specAugment } from '@tessera/audio';
import { BATCH_INFO, createLoader, int64, padToLongest, writeDataset } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chirp, int16Exact } from './signals.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-audio-loader-'));
const path = join(directory, 'clips.beton');
const lengths = Array.from({ length: 24 }, (_, index) => 16000 + ((index * 7919) % 40000));
const clips = lengths.map((length, index) => int16Exact(chirp(length, 16000, 100, 5000, index + 11)));

async function collect(workers: number, pipeline: object, extra: object = {}): Promise<Array<{ indices: number[]; data: Float32Array; shape: number[]; lengths: number[] }>> {
  const loader = createLoader(path, { batchSize: 5, order: 'random', seed: 99, workers, plugins: [audioPlugin()], pipelines: { audio: pipeline, label: null }, ...extra });
  const batches = [];
  try {
    for await (const batch of loader) {
      const audio = batch.audio!;
      batches.push({ indices: Array.from(batch[BATCH_INFO].sampleIndices), data: Float32Array.from(audio.data as Float32Array), shape: [...audio.shape], lengths: Array.from(audio.lengths ?? []) });
    }
  } finally {
    await loader.close();
  }
  return batches;
}

beforeAll(async () => {
  await writeDataset(path, { audio: flac({ sampleRate: 16000 }), label: int64() }, clips.map((samples, index) => ({ audio: { samples, sampleRate: 16000 }, label: index })));
});

describe('audio through the loader', () => {
  it('random 1-s FLAC crops: exact windows of the clips, identical with workers 0 and 2 under one seed', async () => {
    const pipeline = { decoder: 'waveform', decoderOptions: { seconds: 1, crop: 'random' } };
    const single = await collect(0, pipeline);
    const parallel = await collect(2, pipeline);
    expect(parallel).toEqual(single);
    const starts = new Set<number>();
    for (const batch of single) {
      expect(batch.shape).toEqual([batch.indices.length, 1, 16000]);
      batch.indices.forEach((sampleIndex, row) => {
        const clip = clips[sampleIndex]!;
        const decoded = batch.data.subarray(row * 16000, (row + 1) * 16000);
        expect(batch.lengths[row]).toBe(16000);
        // Find the window (the first 16 samples identify it), then compare all of it.
        let start = -1;
        for (let candidate = 0; candidate <= clip.length - 16000 && start < 0; candidate++) {
          if (clip[candidate] === decoded[0] && clip[candidate + 1] === decoded[1] && clip[candidate + 15] === decoded[15]) start = candidate;
        }
        expect(start).toBeGreaterThanOrEqual(0);
        expect(decoded).toEqual(clip.subarray(start, start + 16000));
        starts.add(start);
      });
    }
    // Random windows, not one fixed offset.
    expect(starts.size).toBeGreaterThan(10);
  });

  it('whole clips, padded to the longest of each batch (padToLongest)', async () => {
    const batches = await collect(2, { decoder: 'waveform' }, { batchOperations: [padToLongest({ field: 'audio' })] });
    for (const batch of batches) {
      const longest = Math.max(...batch.indices.map((sampleIndex) => clips[sampleIndex]!.length));
      expect(batch.shape).toEqual([batch.indices.length, 1, longest]);
      batch.indices.forEach((sampleIndex, row) => {
        const clip = clips[sampleIndex]!;
        expect(batch.data.subarray(row * longest, row * longest + clip.length)).toEqual(clip);
        expect(batch.data.subarray(row * longest + clip.length, (row + 1) * longest).every((sample) => sample === 0)).toBe(true);
      });
    }
  });

  it('log-mel + SpecAugment batches: [B, 1, 80, 101], identical with workers 0 and 2 under one seed', async () => {
    const pipeline = {
      decoder: 'waveform',
      decoderOptions: { seconds: 1, crop: 'random' },
      operations: [logMel({ preset: 'torchaudio', nFft: 400, hopLength: 160, nMels: 80 }), specAugment({ preset: 'lhotse' })],
    };
    const first = await collect(2, pipeline);
    const again = await collect(0, pipeline);
    expect(again).toEqual(first);
    for (const batch of first) {
      expect(batch.shape).toEqual([batch.indices.length, 1, 80, 101]);
      expect(batch.data.every(Number.isFinite)).toBe(true);
      expect(batch.lengths.every((frames) => frames === 101)).toBe(true);
    }
  });
});
