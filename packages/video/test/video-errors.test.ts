/**
 * Bad input gets a typed error naming the problem and the sample: unreadable or truncated videos,
 * a file without a video stream, a missing file (at write time, and the target file is not
 * created); a corrupted stored index (at read time, in the calling thread and in workers); bad
 * decoder options.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoader, openDataset, writeDataset } from '@tessera/core';
import { compressedVideo, videoPlugin } from '@tessera/video';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath } from './fixture-references.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-video-errors-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function writeError(video: unknown, name: string): Promise<{ code: string; message: string }> {
  const target = join(directory, `${name}.beton`);
  const error = (await writeDataset(target, { video: compressedVideo() }, [{ video: fixturePath('cfr-gop30.mp4') }, { video }]).then(
    () => undefined,
    (caught: unknown) => caught,
  )) as { code: string; message: string } | undefined;
  expect(error, `${name} was written`).toBeDefined();
  expect(existsSync(target)).toBe(false);
  return error!;
}

describe('video inputs that cannot be stored', () => {
  it('a file whose container index is cut off is E_VIDEO_INPUT naming it', async () => {
    const error = await writeError(fixturePath('truncated.mp4'), 'truncated');
    expect(error.code).toBe('E_VIDEO_INPUT');
    expect(error.message).toContain('truncated.mp4');
  });

  it('a file cut in its packets is E_VIDEO_INPUT: the cut packet is flagged corrupt', async () => {
    const error = await writeError(fixturePath('truncated-faststart.mp4'), 'cut');
    expect(error.code).toBe('E_VIDEO_INPUT');
    expect(error.message).toMatch(/truncated-faststart\.mp4: packet \d+ of its h264 stream is corrupt or cut off/);
  });

  it('a file without a video stream is E_VIDEO_INPUT "no video stream"', async () => {
    const error = await writeError(fixturePath('audio-only.m4a'), 'audio-only');
    expect(error.code).toBe('E_VIDEO_INPUT');
    expect(error.message).toMatch(/no video stream \(streams: audio\)/);
  });

  it('a missing file and a wrong value type are typed errors', async () => {
    expect((await writeError(join(directory, 'nope.mp4'), 'missing')).code).toBe('E_VIDEO_INPUT');
    for (const [index, value] of [42, null, { file: 'x.mp4' }, { path: fixturePath('cfr-gop30.mp4'), start: -1 }].entries()) {
      expect((await writeError(value, `value-${index}`)).code).toMatch(/^E_(FIELD_VALUE|ENCODE)$/);
    }
  });

  it('a start/end range keeps the keyframe before start and the frames before end', async () => {
    const target = join(directory, 'range.beton');
    await writeDataset(target, { video: compressedVideo() }, [{ video: { path: fixturePath('cfr-gop30.mp4'), start: 1.5, end: 2.5 } }]);
    const dataset = openDataset(target, { plugins: [videoPlugin()] });
    const stored = dataset.toJSON(0, 'video') as { frames: number; keyframes: number };
    dataset.close();
    // 25 fps, keyframes every 30 frames (0, 1.2 s, 2.4 s): from the keyframe at 1.2 s to the frame before 2.5 s.
    expect(stored.frames).toBe(Math.round((2.5 - 1.2) * 25));
    expect(stored.keyframes).toBe(2);
  });
});

describe('corrupt stored videos', () => {
  const path = join(directory, 'good.beton');

  it('a packet index that points past its payload is E_VIDEO_FORMAT naming the sample, with workers 0 and 2', async () => {
    await writeDataset(path, { video: compressedVideo() }, [{ video: fixturePath('cfr-gop30.mp4') }, { video: fixturePath('cfr-gop30.mp4') }]);
    const dataset = openDataset(path, { plugins: [videoPlugin()] });
    const field = dataset.field('video');
    const pointer = field.readUint64(field.recordOffset(1));
    const frames = field.metadata.getUint32(field.recordOffset(1) + 12, true);
    dataset.close();
    // The packet byte offsets follow the 80-byte header and three f64 columns; offset 10 of 75.
    const bytes = readFileSync(path);
    const offsetAt = pointer + 80 + 24 * frames + 4 * 10;
    bytes.writeUInt32LE(0xfffffff0, offsetAt);
    const corrupt = join(directory, 'corrupt.beton');
    writeFileSync(corrupt, bytes);
    for (const workers of [0, 2]) {
      const loader = createLoader(corrupt, { batchSize: 1, workers, plugins: [videoPlugin()], pipelines: { video: { decoderOptions: { frames: 4 } } } });
      const error = await (async () => {
        for await (const _batch of loader) {
          // sample 0 is intact
        }
      })().then(
        () => undefined,
        (caught: unknown) => caught as { code: string; message: string },
      );
      await loader.close();
      expect(error?.message).toMatch(/sample 1/);
      expect(error?.message).toMatch(/packet index|packet 9|packet 10/);
      expect(['E_VIDEO_FORMAT', 'E_PLUGIN']).toContain(error?.code);
    }
  });

  it('decoder options are checked before anything is decoded', () => {
    const open = (decoderOptions: object) => createLoader(path, { batchSize: 1, plugins: [videoPlugin()], pipelines: { video: { decoderOptions: decoderOptions as never } } });
    expect(() => open({ frame: 8 })).toThrow(/frames/);
    expect(() => open({ frames: 0 })).toThrow(/frames must be an integer/);
    expect(() => open({ crop: 'random-resized' })).toThrow(/needs size/);
    expect(() => open({ fps: 10, stride: 2 })).toThrow(/stride/);
    expect(() => open({ endPolicy: 'loop' })).toThrow(/repeat_last/);
  });
});
