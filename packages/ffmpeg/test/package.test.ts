import { readFileSync, readdirSync } from 'node:fs';
import * as ffmpeg from '@tessera/ffmpeg';
import { describe, expect, it } from 'vitest';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

describe('package hygiene', () => {
  it('is ESM with types first, built to one file', () => {
    expect(packageJson.type).toBe('module');
    expect(packageJson.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(packageJson.files).toContain('dist');
    expect(readdirSync(new URL('../dist/', import.meta.url)).filter((name) => name.endsWith('.js'))).toEqual(['index.js']);
  });

  it('peer-depends on @tessera/core; both ffmpeg binary packages are optional (an install never fails for want of one)', () => {
    expect(packageJson.peerDependencies).toEqual({ '@tessera/core': 'workspace:^' });
    expect(packageJson.dependencies).toBeUndefined();
    expect(Object.keys(packageJson.optionalDependencies).sort()).toEqual(['@ffmpeg-installer/ffmpeg', 'ffmpeg-static']);
    // ffmpeg-static's install script downloads a binary, which fails offline: pnpm never runs it here.
    const workspace = readFileSync(new URL('../../../pnpm-workspace.yaml', import.meta.url), 'utf8');
    expect(workspace).toMatch(/ignoredBuiltDependencies:[\s\S]*- "ffmpeg-static"/);
  });

  it('exports the public API', () => {
    expect(Object.keys(ffmpeg).sort()).toEqual(
      ['DEFAULT_FFMPEG_TIMEOUT_MS', 'FFMPEG_FIXES', 'FfmpegNotFoundError', 'ffmpegInfo', 'ffmpegOptionSpellings', 'listDecoders', 'listEncoders', 'resolveFfmpeg', 'runFfmpeg', 'runFfmpegSync'].sort(),
    );
  });
});
