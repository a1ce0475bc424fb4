/**
 * Backend selection where node-av cannot load: a copy of the built package in which node-av cannot
 * be resolved (as package.test.ts makes it), run in a subprocess per environment. With an ffmpeg,
 * the ffmpeg process backend takes over (writing and decoding bit-exact); with neither, one
 * VideoBackendError lists both attempts; TESSERA_VIDEO_BACKEND forces or refuses.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Reference, fixturePath } from './fixture-references.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const packageJson = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
const root = mkdtempSync(join(tmpdir(), 'tessera-video-fallback-'));
const script = join(root, 'probe.mjs');
const reference = JSON.parse(readFileSync(fixturePath('cfr-gop30.mp4.json'), 'utf8')) as Reference;

beforeAll(() => {
  const modules = join(root, 'node_modules', '@tessera');
  mkdirSync(join(modules, 'video'), { recursive: true });
  cpSync(join(packageRoot, 'dist'), join(modules, 'video', 'dist'), { recursive: true });
  const { 'node-av': _nodeAv, ...dependencies } = packageJson.dependencies as Record<string, string>;
  writeFileSync(join(modules, 'video', 'package.json'), JSON.stringify({ ...packageJson, dependencies }));
  for (const name of ['core', 'image', 'ffmpeg']) symlinkSync(join(packageRoot, '..', name), join(modules, name));
  writeFileSync(
    script,
    `import { createHash } from 'node:crypto';
import { createLoader, writeDataset } from '@tessera/core';
import { compressedVideo, videoBackend, videoFrames, videoPlugin } from '@tessera/video';
import { openDataset } from '@tessera/core';
const result = {};
try { result.backend = videoBackend(); } catch (error) { result.backendError = { code: error.code, message: error.message, attempts: error.attempts }; }
const path = ${JSON.stringify(join(root, 'x.beton'))};
try {
  await writeDataset(path, { video: compressedVideo() }, [{ video: ${JSON.stringify(fixturePath('cfr-gop30.mp4'))} }], { workers: 0 });
  const loader = createLoader(path, { batchSize: 1, workers: 0, plugins: [videoPlugin()], pipelines: { video: { decoderOptions: { frames: 75, sampler: 'uniform' } } } });
  result.hashes = [];
  for await (const batch of loader) {
    const bytes = new Uint8Array(batch.video.data.buffer, batch.video.data.byteOffset, batch.video.data.byteLength);
    for (let k = 0; k < 75; k++) result.hashes.push(createHash('sha256').update(bytes.subarray(k * 18432, (k + 1) * 18432)).digest('hex'));
  }
  result.decoders = loader.stats().decoders;
  await loader.close();
} catch (error) { result.writeError = { code: error.code, message: error.message }; }
try {
  const framesPath = ${JSON.stringify(join(root, 'frames.beton'))};
  await writeDataset(framesPath, { video: videoFrames({ quality: 90, maxSide: 48 }) }, [{ video: ${JSON.stringify(fixturePath('cfr-gop30.mp4'))} }], { workers: 0 });
  const dataset = openDataset(framesPath, { plugins: [videoPlugin()] });
  const stored = dataset.get(0).video;
  result.jpegHashes = stored.jpegs.map((jpeg) => createHash('sha256').update(jpeg).digest('hex'));
  result.framesSize = [stored.width, stored.height];
  dataset.close();
} catch (error) { result.framesError = { code: error.code, message: error.message }; }
console.log(JSON.stringify(result));`,
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Probe {
  backend?: { name: string; version: string; ffmpegVersion: string; description: string };
  backendError?: { code: string; message: string; attempts: Array<{ backend: string; reason: string }> };
  hashes?: string[];
  decoders?: Record<string, string>;
  writeError?: { code: string; message: string };
  jpegHashes?: string[];
  framesSize?: [number, number];
  framesError?: { code: string; message: string };
}

function probe(env: Record<string, string | undefined>): Probe {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete childEnv[name];
  return JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8', env: childEnv as NodeJS.ProcessEnv }).trim()) as Probe;
}

describe('without node-av', () => {
  it('the ffmpeg process backend takes over: writes, and decodes every frame bit-exact; loader.stats() names it', () => {
    const result = probe({ TESSERA_VIDEO_BACKEND: undefined, TESSERA_FFMPEG: undefined });
    expect(result.backendError).toBeUndefined();
    expect(result.backend).toMatchObject({ name: 'ffmpeg', ffmpegVersion: expect.any(String) });
    expect(result.backend!.description).toMatch(/^ffmpeg .+ process \(.+, from (ffmpeg-static|@ffmpeg-installer\/ffmpeg|PATH)\)$/);
    expect(result.writeError).toBeUndefined();
    expect(result.hashes).toEqual(reference.frames.map((frame) => frame.sha256));
    expect(result.decoders!.video).toBe(result.backend!.description);
  });

  it('videoFrames() extracts frames through the ffmpeg process: the same JPEG bytes as through node-av', async () => {
    const result = probe({ TESSERA_VIDEO_BACKEND: undefined, TESSERA_FFMPEG: undefined });
    expect(result.framesError).toBeUndefined();
    expect(result.framesSize).toEqual([48, 32]);
    // The same extraction in this process, through node-av.
    const { openDataset, writeDataset } = await import('@tessera/core');
    const { videoFrames, videoPlugin } = await import('@tessera/video');
    const path = join(root, 'frames-node-av.beton');
    await writeDataset(path, { video: videoFrames({ quality: 90, maxSide: 48 }) }, [{ video: fixturePath('cfr-gop30.mp4') }], { workers: 0 });
    const dataset = openDataset(path, { plugins: [videoPlugin()] });
    try {
      const stored = dataset.get(0).video as unknown as { jpegs: Uint8Array[] };
      const { createHash } = await import('node:crypto');
      expect(result.jpegHashes).toEqual(stored.jpegs.map((jpeg) => createHash('sha256').update(jpeg).digest('hex')));
      expect(result.jpegHashes).toHaveLength(75);
    } finally {
      dataset.close();
    }
  });

  it('and without ffmpeg (TESSERA_FFMPEG at a missing path): one E_VIDEO_BACKEND listing both attempts and the fixes', () => {
    const missing = join(root, 'no-such-ffmpeg');
    const result = probe({ TESSERA_VIDEO_BACKEND: undefined, TESSERA_FFMPEG: missing });
    expect(result.backendError!.code).toBe('E_VIDEO_BACKEND');
    expect(result.backendError!.attempts.map((attempt) => attempt.backend)).toEqual(['node-av', 'ffmpeg process']);
    expect(result.backendError!.attempts[0]!.reason).toBe('node-av is not installed');
    expect(result.backendError!.attempts[1]!.reason).toContain(`TESSERA_FFMPEG (${missing}): no such file`);
    expect(result.backendError!.message).toMatch(/npm install node-av/);
    expect(result.backendError!.message).toMatch(/TESSERA_FFMPEG=\/path\/to\/ffmpeg/);
    expect(result.writeError!.code).toBe('E_VIDEO_BACKEND');
  });

  it('TESSERA_VIDEO_BACKEND=node-av refuses the fallback; an unknown value is E_VIDEO_BACKEND saying what to set', () => {
    const forced = probe({ TESSERA_VIDEO_BACKEND: 'node-av', TESSERA_FFMPEG: undefined });
    expect(forced.backendError!.attempts).toEqual([{ backend: 'node-av', reason: 'node-av is not installed (TESSERA_VIDEO_BACKEND=node-av: no fallback tried)' }]);
    const unknown = probe({ TESSERA_VIDEO_BACKEND: 'gstreamer', TESSERA_FFMPEG: undefined });
    expect(unknown.backendError!.code).toBe('E_VIDEO_BACKEND');
    expect(unknown.backendError!.message).toMatch(/TESSERA_VIDEO_BACKEND: is "gstreamer"; set it to node-av or ffmpeg/);
  });
});
