import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TesseraError } from '@tessera/core';
import { afterAll, describe, expect, it } from 'vitest';
import { FfmpegNotFoundError, ffmpegInfo, resolveFfmpeg, runFfmpeg } from '../src/ffmpeg/index.js';
import { AudioInputError } from '../src/input/audio-input-error.js';
import { NO_FFMPEG_REASON, testFfmpeg } from './ffmpeg-available.js';

const folder = mkdtempSync(join(tmpdir(), 'tessera-ffmpeg-test-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const NO_PACKAGES = ['@tessera/no-such-ffmpeg-package'];

/** A shell script standing in for ffmpeg: answers -version like ffmpeg, then runs `body`. */
function fakeFfmpeg(name: string, body: string, version = 'echo "ffmpeg version 9.9-fake Copyright"'): string {
  const path = join(folder, name);
  writeFileSync(path, `#!/bin/sh\nfor a in "$@"; do if [ "$a" = "-version" ]; then ${version}; exit 0; fi; done\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const caught = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
};

describe.skipIf(process.platform === 'win32')('ffmpeg resolution chain', () => {
  it('a missing ffmpegPath is E_FFMPEG_NOT_FOUND naming it, without falling back to the rest of the chain', () => {
    const error = caught(() => resolveFfmpeg({ ffmpegPath: join(folder, 'absent'), env: { PATH: '/usr/bin:/bin' } })) as FfmpegNotFoundError;
    expect(error).toBeInstanceOf(FfmpegNotFoundError);
    expect(TesseraError.is(error, 'E_FFMPEG_NOT_FOUND')).toBe(true);
    expect(error.attempts).toEqual([{ link: 'ffmpegPath option', path: join(folder, 'absent'), reason: 'no such file' }]);
    expect(error.message).toContain('the rest of the chain was not tried');
    expect(error.message).toContain('TESSERA_FFMPEG=/path/to/ffmpeg');
    expect(error.message).toContain('npm i @ffmpeg-installer/ffmpeg');
    expect(error.message).toContain('apt install ffmpeg');
  });

  it('TESSERA_FFMPEG pointing at a non-existent path with PATH emptied lists the links tried', () => {
    const error = caught(() => resolveFfmpeg({ env: { TESSERA_FFMPEG: '/nonexistent/ffmpeg', PATH: '' } })) as FfmpegNotFoundError;
    expect(error.code).toBe('E_FFMPEG_NOT_FOUND');
    expect(error.attempts.map((attempt) => attempt.link)).toEqual(['ffmpegPath option', 'TESSERA_FFMPEG']);
    expect(error.attempts[1]).toEqual({ link: 'TESSERA_FFMPEG', path: '/nonexistent/ffmpeg', reason: 'no such file' });
    expect(error.message).toMatch(/- ffmpegPath option: not given\n {2}- TESSERA_FFMPEG \(\/nonexistent\/ffmpeg\): no such file/);
  });

  it('with every link failing, the error lists each link in order and why', () => {
    const error = caught(() => resolveFfmpeg({ env: { PATH: '' }, packages: NO_PACKAGES })) as FfmpegNotFoundError;
    expect(error.attempts).toEqual([
      { link: 'ffmpegPath option', reason: 'not given' },
      { link: 'TESSERA_FFMPEG', reason: 'not set' },
      { link: NO_PACKAGES[0], reason: 'not installed (optional dependency)' },
      { link: 'PATH', reason: 'PATH is empty' },
    ]);
    const onPath = caught(() => resolveFfmpeg({ env: { PATH: folder }, packages: NO_PACKAGES })) as FfmpegNotFoundError;
    expect(onPath.attempts.at(-1)).toEqual({ link: 'PATH', reason: `no executable ffmpeg in ${folder}` });
  });

  it('a file that is not executable, or not ffmpeg, is refused with the reason', () => {
    const plain = join(folder, 'plain');
    writeFileSync(plain, 'not a program');
    chmodSync(plain, 0o644);
    expect((caught(() => resolveFfmpeg({ ffmpegPath: plain })) as FfmpegNotFoundError).attempts[0]!.reason).toBe('not executable');
    const impostor = fakeFfmpeg('impostor', 'exit 0', 'echo "hello"');
    expect((caught(() => resolveFfmpeg({ ffmpegPath: impostor })) as FfmpegNotFoundError).attempts[0]!.reason).toContain('is not ffmpeg');
    const broken = fakeFfmpeg('broken', 'exit 0', 'exit 3');
    expect((caught(() => resolveFfmpeg({ ffmpegPath: broken })) as FfmpegNotFoundError).attempts[0]!.reason).toBe('`ffmpeg -version` exited with 3');
  });

  it('ffmpeg on PATH is found when nothing earlier is, and the result names its source and version', () => {
    const bin = join(folder, 'bin');
    rmSync(bin, { recursive: true, force: true });
    mkdirSync(bin);
    const fake = fakeFfmpeg('bin/ffmpeg', 'exit 0');
    expect(resolveFfmpeg({ env: { PATH: `/nonexistent:${bin}` }, packages: NO_PACKAGES })).toEqual({ path: fake, source: 'PATH', version: '9.9-fake' });
    expect(resolveFfmpeg({ env: { TESSERA_FFMPEG: fake, PATH: '' }, packages: NO_PACKAGES }).source).toBe('env');
  });
});

const require = createRequire(import.meta.url);
const installerPath = (() => {
  try {
    return (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  } catch {
    return undefined;
  }
})();

describe.skipIf(installerPath === undefined)('@ffmpeg-installer/ffmpeg link', () => {
  it('is used when no option, env or PATH ffmpeg exists and its build has flac, libopus and libmp3lame; ffmpeg-static without its download is skipped', () => {
    const found = resolveFfmpeg({ env: { PATH: '' } });
    expect(found.source).toBe('@ffmpeg-installer/ffmpeg');
    expect(found.path).toBe(installerPath);
    const info = ffmpegInfo({ env: { PATH: '' } });
    expect(info.encoders).toEqual({ flac: true, libopus: true, libmp3lame: true });
  });
});

describe.skipIf(testFfmpeg === undefined)('ffmpegInfo', () => {
  it(`reports the binary, its version and its encoders (${testFfmpeg === undefined ? NO_FFMPEG_REASON : testFfmpeg})`, () => {
    const info = ffmpegInfo({ ffmpegPath: testFfmpeg });
    expect(info.path).toBe(testFfmpeg);
    expect(info.source).toBe('option');
    expect(info.version.length).toBeGreaterThan(0);
    expect(info.encoders.flac).toBe(true);
  });
});

describe.skipIf(process.platform === 'win32')('runFfmpeg never hangs and reports failures', () => {
  it('a run past its timeout is killed: E_AUDIO_INPUT naming the input', async () => {
    const sleeper = fakeFfmpeg('sleeper', 'exec sleep 30');
    const error = (await runFfmpeg(['-i', 'x'], { ffmpegPath: sleeper, timeoutMs: 300, input: 'clip.flac', action: 'decode the audio' }).catch((caughtError) => caughtError)) as AudioInputError;
    expect(error).toBeInstanceOf(AudioInputError);
    expect(error.code).toBe('E_AUDIO_INPUT');
    expect(error.input).toBe('clip.flac');
    expect(error.message).toContain('did not finish within 300 ms');
  });

  it('a failed run quotes the last stderr lines (stderr always consumed, also when large)', async () => {
    const failing = fakeFfmpeg('failing', 'i=0; while [ $i -lt 2000 ]; do echo "noise line $i" >&2; i=$((i+1)); done; echo "Invalid data found when processing input" >&2; exit 1');
    const error = (await runFfmpeg([], { ffmpegPath: failing, input: 'bad.mp3', action: 'decode the audio' }).catch((caughtError) => caughtError)) as AudioInputError;
    expect(error.code).toBe('E_AUDIO_INPUT');
    expect(error.message.startsWith('bad.mp3: ffmpeg failed to decode the audio (exit 1)')).toBe(true);
    expect(error.stderr!.split('\n')).toHaveLength(8);
    expect(error.stderr!.endsWith('Invalid data found when processing input')).toBe(true);
    expect(error.stderr).toContain('noise line 1999');
  });

  it('ffmpeg quitting without reading stdin (EPIPE) is reported by its exit status, not a crash', async () => {
    const quitter = fakeFfmpeg('quitter', 'echo "pipe:0: Invalid argument" >&2; exit 1');
    const stdin = new Uint8Array(8 << 20);
    const error = (await runFfmpeg(['-i', 'pipe:0'], { ffmpegPath: quitter, stdin, input: 'PCM', action: 'encode flac' }).catch((caughtError) => caughtError)) as AudioInputError;
    expect(error.code).toBe('E_AUDIO_INPUT');
    expect(error.stderr).toBe('pipe:0: Invalid argument');
  });

  it('stdout is returned whole', async () => {
    const writer = fakeFfmpeg('writer', 'head -c 300000 /dev/zero');
    const output = await runFfmpeg([], { ffmpegPath: writer, input: 'x', action: 'decode' });
    expect(output.byteLength).toBe(300000);
    expect(output.byteOffset).toBe(0);
  });
});
