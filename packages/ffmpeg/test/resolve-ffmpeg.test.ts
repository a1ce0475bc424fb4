import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TesseraError } from '@tessera/core';
import { afterAll, describe, expect, it } from 'vitest';
import { type FfmpegFailure, FfmpegNotFoundError, ffmpegInfo, ffmpegOptionSpellings, resolveFfmpeg, runFfmpeg, runFfmpegSync } from '../src/index.js';

/** The ffmpeg the tests use (the chain itself), or undefined: tests needing it skip, saying why. */
const testFfmpeg: string | undefined = (() => {
  try {
    return resolveFfmpeg().path;
  } catch {
    return undefined;
  }
})();
const NO_FFMPEG_REASON = 'no ffmpeg found (set TESSERA_FFMPEG, install @ffmpeg-installer/ffmpeg or put ffmpeg on PATH)';

/** The error the runner's callers make: here a plain one carrying the failure. */
class RunError extends Error {
  constructor(readonly failure: FfmpegFailure) {
    super(`${failure.input}: ${failure.message}`);
  }
}
const createError = (failure: FfmpegFailure) => new RunError(failure);

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
    const purposeful = caught(() => resolveFfmpeg({ ffmpegPath: join(folder, 'absent'), purpose: 'to decode video without node-av' })) as FfmpegNotFoundError;
    expect(purposeful.message.startsWith('ffmpeg is needed to decode video without node-av, and none was found')).toBe(true);
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
  it('is used when no option, env or PATH ffmpeg exists and its build has what the caller requires; ffmpeg-static without its download is skipped', () => {
    const found = resolveFfmpeg({ env: { PATH: '' }, requiredEncoders: ['flac', 'libopus', 'libmp3lame'], requiredDecoders: ['h264', 'hevc', 'vp9'] });
    expect(found.source).toBe('@ffmpeg-installer/ffmpeg');
    expect(found.path).toBe(installerPath);
    const info = ffmpegInfo({ env: { PATH: '' } });
    expect(info.encoders).toEqual(expect.arrayContaining(['flac', 'libopus', 'libmp3lame']));
    expect(info.decoders).toEqual(expect.arrayContaining(['h264', 'hevc', 'vp9']));
    // The 2018 build spells frame passthrough `-vsync 0` (no -fps_mode yet).
    expect(info.spellings.passthrough).toEqual(['-vsync', '0']);
  });

  it('is skipped, saying what it lacks, when the caller requires a codec its build does not have', () => {
    const error = caught(() => resolveFfmpeg({ env: { PATH: '' }, requiredDecoders: ['no-such-decoder'] })) as FfmpegNotFoundError;
    expect(error.attempts.find((attempt) => attempt.link === '@ffmpeg-installer/ffmpeg')!.reason).toMatch(/^its build \(N-47683-g0e8eb07980-static\) lacks the no-such-decoder decoder$/);
  });
});

describe.skipIf(testFfmpeg === undefined)('ffmpegInfo', () => {
  it(`reports the binary, its version and its encoders (${testFfmpeg === undefined ? NO_FFMPEG_REASON : testFfmpeg})`, () => {
    const info = ffmpegInfo({ ffmpegPath: testFfmpeg });
    expect(info.path).toBe(testFfmpeg);
    expect(info.source).toBe('option');
    expect(info.version.length).toBeGreaterThan(0);
    expect(info.encoders).toContain('flac');
    expect(info.decoders).toContain('h264');
  });

  it('detects the passthrough spelling once per binary (-fps_mode from 5.1 on)', () => {
    const spelling = ffmpegOptionSpellings(testFfmpeg!).passthrough;
    expect([['-fps_mode', 'passthrough'], ['-vsync', '0']]).toContainEqual(spelling);
    expect(ffmpegOptionSpellings(testFfmpeg!)).toBe(ffmpegOptionSpellings(testFfmpeg!));
  });
});

describe.skipIf(process.platform === 'win32')('runFfmpeg never hangs and reports failures', () => {
  it("a run past its timeout is killed: the caller's error naming the input", async () => {
    const sleeper = fakeFfmpeg('sleeper', 'exec sleep 30');
    const error = (await runFfmpeg(['-i', 'x'], { ffmpegPath: sleeper, timeoutMs: 300, input: 'clip.flac', action: 'decode the audio', createError }).catch((caughtError) => caughtError)) as RunError;
    expect(error).toBeInstanceOf(RunError);
    expect(error.failure.input).toBe('clip.flac');
    expect(error.message).toContain('did not finish within 300 ms');
    const sync = caught(() => runFfmpegSync(['-i', 'x'], { ffmpegPath: sleeper, timeoutMs: 300, input: 'clip.mp4', action: 'decode the video', createError })) as RunError;
    expect(sync.message).toBe('clip.mp4: ffmpeg did not finish within 300 ms (decode the video) and was killed; raise the timeout for long inputs');
  });

  it('a failed run quotes the last stderr lines (stderr always consumed, also when large)', async () => {
    const failing = fakeFfmpeg('failing', 'i=0; while [ $i -lt 2000 ]; do echo "noise line $i" >&2; i=$((i+1)); done; echo "Invalid data found when processing input" >&2; exit 1');
    for (const error of [
      (await runFfmpeg([], { ffmpegPath: failing, input: 'bad.mp3', action: 'decode the audio', createError }).catch((caughtError) => caughtError)) as RunError,
      caught(() => runFfmpegSync([], { ffmpegPath: failing, input: 'bad.mp3', action: 'decode the audio', createError })) as RunError,
    ]) {
      expect(error.message.startsWith('bad.mp3: ffmpeg failed to decode the audio (exit 1)')).toBe(true);
      expect(error.failure.stderr.split('\n')).toHaveLength(8);
      expect(error.failure.stderr.endsWith('Invalid data found when processing input')).toBe(true);
      expect(error.failure.stderr).toContain('noise line 1999');
    }
  });

  it('ffmpeg quitting without reading stdin (EPIPE) is reported by its exit status, not a crash', async () => {
    const quitter = fakeFfmpeg('quitter', 'echo "pipe:0: Invalid argument" >&2; exit 1');
    const stdin = new Uint8Array(8 << 20);
    const error = (await runFfmpeg(['-i', 'pipe:0'], { ffmpegPath: quitter, stdin, input: 'PCM', action: 'encode flac', createError }).catch((caughtError) => caughtError)) as RunError;
    expect(error.failure.stderr).toBe('pipe:0: Invalid argument');
    const sync = caught(() => runFfmpegSync(['-i', 'pipe:0'], { ffmpegPath: quitter, stdin, input: 'PCM', action: 'encode flac', createError })) as RunError;
    expect(sync.failure.stderr).toBe('pipe:0: Invalid argument');
  });

  it('stdout is returned whole', async () => {
    const writer = fakeFfmpeg('writer', 'head -c 300000 /dev/zero');
    const output = await runFfmpeg([], { ffmpegPath: writer, input: 'x', action: 'decode', createError });
    expect(output.byteLength).toBe(300000);
    expect(output.byteOffset).toBe(0);
    expect(runFfmpegSync([], { ffmpegPath: writer, input: 'x', action: 'decode', createError }).stdout.byteLength).toBe(300000);
    const twoPipes = fakeFfmpeg('two-pipes', 'head -c 1000 /dev/zero; head -c 7 /dev/zero >&3; echo said >&2');
    const run = runFfmpegSync([], { ffmpegPath: twoPipes, input: 'x', action: 'demux', createError, extraPipes: 1 });
    expect([run.stdout.byteLength, run.pipes[0]!.byteLength, run.stderr]).toEqual([1000, 7, 'said\n']);
  });
});
