/**
 * compressedVideo({ mode: 'encode' }) gives the same bytes every time, in one process:
 *   - cfr-gop30.mp4 at maxSide 64 (64×42, a width that is not a multiple of 128 pixels) encoded as
 *     six samples of one dataset: every sample's packets are identical. With x264's macroblock
 *     tree on a CPU with AVX-512 they differed from sample to sample (its AVX-512 propagation reads
 *     past its own arrays into uninitialized heap; node-av-encoder.ts turns the tree off);
 *   - the stream's x264 options (the SEI x264 writes into the first packet) say mbtree=0, so the
 *     option cannot silently go missing on a machine whose CPU has no AVX-512, where the first
 *     check passes either way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset, writeDataset } from '@tessera/core';
import { type StoredVideo, compressedVideo, videoPlugin } from '@tessera/video';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath, sha256 } from './fixture-references.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-video-reencode-determinism-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const SAMPLES = 6;

describe('re-encoding is deterministic', () => {
  it('h264 at 64×42: six encodes of one video in one process give identical packets, written with mbtree=0', async () => {
    const path = join(directory, 'h264-64x42.beton');
    const field = compressedVideo({ mode: 'encode', codec: 'h264', gop: 12, crf: 30, maxSide: 64 });
    await writeDataset(path, { video: field }, Array.from({ length: SAMPLES }, () => ({ video: fixturePath('cfr-gop30.mp4') })), { workers: 0 });
    const dataset = openDataset(path, { plugins: [videoPlugin()] });
    try {
      const streams: string[] = [];
      let first: StoredVideo | undefined;
      for (let sample = 0; sample < SAMPLES; sample++) {
        const stored = dataset.read(sample, 'video') as unknown as StoredVideo;
        first ??= stored;
        streams.push(stored.packets.map((packet) => `${packet.pts}:${packet.key ? 'K' : ''}${sha256(packet.data)}`).join(' '));
      }
      expect([first!.width, first!.height, first!.frames]).toEqual([64, 42, 75]);
      expect(new Set(streams).size).toBe(1);
      const options = Buffer.from(first!.packets[0]!.data).toString('latin1');
      expect(options).toContain('x264 - core');
      expect(options).toMatch(/ mbtree=0 /);
    } finally {
      dataset.close();
    }
  });
});
