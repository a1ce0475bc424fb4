/**
 * compressedVideo({ mode: 'encode' }): re-encoding at write time through node-av's encoders.
 *   - h264 with gop 10: a keyframe every 10 frames (presentation order) in read()'s packets, every
 *     frame decodes, close to PyAV's frames; maxSide and fps give the size and rate asked for;
 *   - h265, vp9, av1 (each when this node-av build encodes it) the same way;
 *   - the arguments round trip (conformance: determinism across writer workers, decoders, workers);
 *   - unknown codecs and out-of-range options are E_ARGUMENT, options of the other mode too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset, writeDataset } from '@tessera/core';
import { runFieldConformance } from '@tessera/test-kit';
import { type StoredVideo, type VideoInput, compressedVideo, videoPlugin } from '@tessera/video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, references, sha256 } from './fixture-references.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-video-reencode-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const byFile = new Map(references().map((reference) => [reference.file, reference]));
const slotOf = (length: number) => {
  const bytes = new Uint8Array(length);
  return { bytes, data: bytes, lengths: new Int32Array(0) };
};
const elements = (shape: readonly number[]) => shape.reduce((product, extent) => product * extent, 1);

async function write(name: string, options: Parameters<typeof compressedVideo>[0], video: VideoInput): Promise<string> {
  const path = join(directory, `${name}.beton`);
  await writeDataset(path, { video: compressedVideo(options) }, [{ video }]);
  return path;
}

/** Every frame of sample 0 at native size, and what read() gives. */
function decodeAll(path: string): { stored: StoredVideo; frames: Uint8Array } {
  const dataset = openDataset(path, { plugins: [videoPlugin()] });
  try {
    const stored = dataset.read(0, 'video') as unknown as StoredVideo;
    const decoder = dataset.createDecoder('video', 'frames', { frames: stored.frames, sampler: 'uniform' });
    const slot = slotOf(elements(decoder.output.shape));
    decoder.decode(0, slot);
    return { stored, frames: slot.bytes };
  } finally {
    dataset.close();
  }
}

/** Presentation indices of the keyframes. */
const keyframeIndices = (stored: StoredVideo): number[] => {
  const byPts = [...stored.packets].sort((a, b) => a.pts - b.pts);
  return byPts.flatMap((packet, index) => (packet.key ? [index] : []));
};

let pyav: Uint8Array;
beforeAll(async () => {
  // PyAV's frames of cfr-gop30.mp4: the copied stream's decode, checked against PyAV's hashes.
  const { frames } = decodeAll(await write('copy', {}, fixturePath('cfr-gop30.mp4')));
  const reference = byFile.get('cfr-gop30.mp4')!;
  const frameBytes = 96 * 64 * 3;
  reference.frames.forEach((frame, k) => {
    if (sha256(frames.subarray(k * frameBytes, (k + 1) * frameBytes)) !== frame.sha256) throw new Error(`frame ${k} is not PyAV's`);
  });
  pyav = frames;
});

function worstDifference(frames: Uint8Array, reference: Uint8Array, frameBytes: number): number {
  let worst = 0;
  for (let k = 0; k < frames.length / frameBytes; k++) {
    let sum = 0;
    for (let index = k * frameBytes; index < (k + 1) * frameBytes; index++) sum += Math.abs(frames[index]! - reference[index]!);
    worst = Math.max(worst, sum / frameBytes);
  }
  return worst;
}

describe('re-encoding at write time', () => {
  it('h264, gop 10: a keyframe every 10 frames, the frames at their source times, every frame decodes close to PyAV’s', async () => {
    const path = await write('h264', { mode: 'encode', codec: 'h264', gop: 10 }, fixturePath('cfr-gop30.mp4'));
    const { stored, frames } = decodeAll(path);
    const reference = byFile.get('cfr-gop30.mp4')!;
    expect([stored.frames, stored.width, stored.height, stored.codecId]).toEqual([75, 96, 64, 27]);
    expect(keyframeIndices(stored)).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
    // Timestamps stay in the source's time base, at the source's frame times.
    expect(stored.timeBase).toEqual(reference.stream.timeBase);
    expect([...stored.packets].map((packet) => packet.pts).sort((a, b) => a - b)).toEqual(reference.frames.map((frame) => frame.pts));
    expect(stored.durationSeconds).toBeCloseTo(3, 9);
    // Stated tolerance at the default crf 23 on these noisy 96×64 fixtures: mean abs difference < 12 per frame.
    expect(worstDifference(frames, pyav, 96 * 64 * 3)).toBeLessThan(12);
    const dataset = openDataset(path, { plugins: [videoPlugin()] });
    expect(dataset.fields[0]!.arguments).toEqual({ mode: 'encode', codec: 'h264', gop: 10, crf: 23 });
    dataset.close();
  });

  it('maxSide and fps: the size and the rate asked for (the frame shown at each k / fps instant)', async () => {
    const path = await write('h264-small', { mode: 'encode', codec: 'h264', gop: 5, crf: 18, maxSide: 48, fps: 10 }, fixturePath('vfr.mp4'));
    const { stored } = decodeAll(path);
    expect([stored.width, stored.height]).toEqual([48, 32]);
    expect(stored.timeBase).toEqual([1, 10]);
    expect(stored.averageFrameRate).toEqual([10, 1]);
    // The source's duration (first frame to the end of the last), as the copied stream records it.
    const duration = decodeAll(await write('vfr-copy', {}, fixturePath('vfr.mp4'))).stored.durationSeconds;
    expect(stored.frames).toBe(Math.ceil(duration * 10 - 1e-9));
    expect(keyframeIndices(stored)).toEqual(Array.from({ length: Math.ceil(stored.frames / 5) }, (_, index) => index * 5));
    expect([...stored.packets].map((packet) => packet.pts).sort((a, b) => a - b)).toEqual(Array.from({ length: stored.frames }, (_, k) => k));
  });

  it('odd sizes are rounded down to even for 4:2:0 (maxSide 45 on 90×62 gives 44×30)', async () => {
    const { stored } = decodeAll(await write('h264-odd', { mode: 'encode', codec: 'h264', gop: 8, maxSide: 45 }, fixturePath('odd-size-vp9.webm')));
    expect([stored.width, stored.height, stored.frames]).toEqual([44, 30, 50]);
  });

  for (const codec of ['h265', 'vp9', 'av1'] as const) {
    it(`${codec}, gop 10: keyframes every 10 frames, every frame decodes close to PyAV's`, async () => {
      const path = await write(codec, { mode: 'encode', codec, gop: 10 }, fixturePath('cfr-gop30.mp4'));
      const { stored, frames } = decodeAll(path);
      expect([stored.frames, stored.width, stored.height]).toEqual([75, 96, 64]);
      expect(keyframeIndices(stored)).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
      expect(worstDifference(frames, pyav, 96 * 64 * 3)).toBeLessThan(12);
    });
  }
});

describe('arguments', () => {
  it('unknown codecs, out-of-range options and options of the other mode are E_ARGUMENT', async () => {
    for (const [options, pattern] of [
      [{ mode: 'encode', codec: 'mpeg2' }, /codec must be one of 'h264', 'h265', 'vp9', 'av1', got "mpeg2"/],
      [{ mode: 'encode' }, /codec must be one of/],
      [{ mode: 'encode', codec: 'h264', crf: 60 }, /crf must be an integer from 0 to 51 for h264/],
      [{ mode: 'encode', codec: 'vp9', gop: 0 }, /gop must be an integer from 1/],
      [{ mode: 'encode', codec: 'h264', fps: 0 }, /fps must be a number/],
      [{ mode: 'encode', codec: 'h264', maxSide: 1 }, /maxSide must be an integer from 2/],
      [{ mode: 'encode', codec: 'h264', bitrate: 5 }, /unknown option "bitrate" in mode 'encode'/],
      [{ codec: 'h264' }, /unknown option "codec" in mode 'copy'/],
      [{ mode: 'transcode' }, /mode must be 'copy' or 'encode'/],
    ] as const) {
      const error = await writeDataset(join(directory, 'bad.beton'), { video: compressedVideo(options as never) }, [{ video: fixturePath('cfr-gop30.mp4') }]).then(
        () => undefined,
        (caught: unknown) => caught as { code: string; message: string },
      );
      expect(error?.code, JSON.stringify(options)).toMatch(/^E_(ARGUMENT|FIELD_ARGUMENTS)$/);
      expect(error?.message).toMatch(pattern);
    }
  });
});

const conformanceValues = ['cfr-gop30.mp4', 'vfr.mp4', 'odd-size-vp9.webm'];
runFieldConformance<VideoInput>({
  name: 'video/compressed (mode encode)',
  plugin: () => videoPlugin(),
  field: compressedVideo({ mode: 'encode', codec: 'h264', gop: 12, crf: 30, maxSide: 64 }),
  values: conformanceValues.map(fixturePath),
  edgeValues: [{ path: fixturePath('bframes-gop12.mp4'), start: 1, end: 1.5 }],
  invalidValues: [42, null, fixturePath('no-such-video.mp4'), fixturePath('audio-only.m4a')],
  invalidValueCodes: ['E_VIDEO_INPUT'],
  equals(written, read) {
    const stored = read as unknown as StoredVideo;
    const file = typeof written === 'string' ? written.slice(written.lastIndexOf('/') + 1) : undefined;
    if (stored.width !== 64 || stored.codecId !== 27) throw new Error(`width ${stored.width}, codec ${stored.codecId}`);
    const keys = keyframeIndices(stored);
    if (keys.some((index, rank) => index !== rank * 12)) throw new Error(`keyframes at ${keys}`);
    return file === undefined ? stored.frames === 15 : stored.frames === byFile.get(file)!.frames.length;
  },
  decoders: {
    info: undefined,
    times: { frames: 6, stride: 2, sampler: 'uniform' },
    'frames#resized': { frames: 4, stride: 3, size: [32, 48], crop: 'random-resized', flip: 0.5 },
  },
});
