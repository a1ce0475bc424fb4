import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as video from '@tessera/video';
import { describe, expect, it } from 'vitest';
import { fixturePath } from './fixture-references.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const packageJson = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));

describe('package hygiene', () => {
  it('is ESM with types first, built to one bundled file (the plugin origin)', () => {
    expect(packageJson.type).toBe('module');
    expect(packageJson.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(readdirSync(join(packageRoot, 'dist')).filter((name) => name.endsWith('.js'))).toEqual(['index.js']);
    expect(video.videoPlugin().origin).toEqual({ module: expect.stringMatching(/\/dist\/index\.js$/), exportName: 'videoPlugin', options: {} });
  });

  it('peer-depends on core and image; node-av (FFmpeg) and @tessera/ffmpeg (the fallback) are its dependencies, node-av touched by one module', () => {
    expect(packageJson.peerDependencies).toEqual({ '@tessera/core': 'workspace:^', '@tessera/image': 'workspace:^' });
    expect(Object.keys(packageJson.dependencies)).toEqual(['@tessera/ffmpeg', 'node-av']);
    const sources = (folder: string): string[] => readdirSync(folder, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sources(join(folder, entry.name)) : [join(folder, entry.name)]));
    const importers = sources(join(packageRoot, 'src')).filter((file) => /(from |require\()['"]node-av/.test(readFileSync(file, 'utf8')));
    expect(importers.map((file) => file.slice(packageRoot.length))).toEqual(['src/backend/node-av-backend.ts']);
  });

  it('reports its backend', () => {
    expect(video.videoBackend()).toMatchObject({ name: 'node-av', version: packageJson.dependencies['node-av'], ffmpegVersion: expect.any(String) });
  });

  it('without node-av and without ffmpeg: importing works, writing and creating a loader are E_VIDEO_BACKEND listing what was tried', () => {
    // A copy of the built package where node-av cannot be resolved (core is linked in).
    const root = mkdtempSync(join(tmpdir(), 'tessera-video-no-backend-'));
    try {
      const modules = join(root, 'node_modules', '@tessera');
      mkdirSync(join(modules, 'video'), { recursive: true });
      cpSync(join(packageRoot, 'dist'), join(modules, 'video', 'dist'), { recursive: true });
      writeFileSync(join(modules, 'video', 'package.json'), JSON.stringify({ ...packageJson, dependencies: {} }));
      for (const name of ['core', 'image', 'ffmpeg']) symlinkSync(join(packageRoot, '..', name), join(modules, name));
      const script = join(root, 'probe.mjs');
      writeFileSync(
        script,
        `import { writeDataset } from '@tessera/core';
import { compressedVideo, videoBackend } from '@tessera/video';
const codes = [];
try { videoBackend(); } catch (error) { codes.push([error.code, error.message]); }
await writeDataset(${JSON.stringify(join(root, 'x.beton'))}, { video: compressedVideo() }, [{ video: ${JSON.stringify(fixturePath('cfr-gop30.mp4'))} }], { workers: 0 }).catch((error) => codes.push([error.code, error.message]));
console.log(JSON.stringify(codes));`,
      );
      // No ffmpeg either (the fallback backend): see ffmpeg-backend-fallback.test.ts for the fallback itself.
      const env: NodeJS.ProcessEnv = { ...process.env, TESSERA_FFMPEG: join(root, 'no-ffmpeg') };
      delete env.TESSERA_VIDEO_BACKEND;
      const [backend, write] = JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8', env }).trim()) as Array<[string, string]>;
      expect(backend![0]).toBe('E_VIDEO_BACKEND');
      expect(backend![1]).toMatch(/node-av: node-av is not installed/);
      expect(backend![1]).toMatch(/npm install node-av/);
      expect(write![1]).toMatch(/E_VIDEO_BACKEND|no video decoding backend/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
