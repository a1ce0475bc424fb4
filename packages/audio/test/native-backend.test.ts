/**
 * The native audio backend (native/tessera-audio.c) against the JavaScript FLAC decoder and the
 * WebAssembly mpg123 decoder, on the same bytes in one process. (The FLAC and MP3 suites also run
 * whole under TESSERA_AUDIO_BACKEND=js: see vitest.config.ts.)
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { audioBackend, nativeAudio } from '../src/audio-backend.js';
import { createFlacDecoder, createJsFlacDecoder, parseFlacFile } from '../src/flac/index.js';
import { createMp3Decoder, createWasmMp3Decoder, parseMp3 } from '../src/mp3/index.js';
import { NO_FFMPEG, NO_FFMPEG_REASON, firstDifference, makeFlac, removeTemporaryFolder, seededRandom } from './flac-test-support.js';
import { FFMPEG_MISSING, encodeClip, maxAbsDifference, temporaryFolder } from './opus-ffmpeg-tools.js';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const addonBuilt = existsSync(join(packageRoot, 'build', 'Release', 'tessera_audio.node'));
const minimp3Installed = (() => {
  try {
    createRequire(join(packageRoot, 'package.json')).resolve('minimp3/package.json');
    return true;
  } catch {
    return false;
  }
})();
const forcedJs = process.env.TESSERA_AUDIO_BACKEND === 'js';
const native = nativeAudio();

describe('audioBackend()', () => {
  it('reports the native addon when it is built (FLAC in C, MP3 by minimp3 when installed), the JavaScript path otherwise, with why', () => {
    const backend = audioBackend();
    if (addonBuilt && !forcedJs) {
      expect(backend.flac).toBe('native');
      expect(backend.mp3).toBe(minimp3Installed ? 'native' : 'wasm');
      expect(backend.description).toContain('tessera_audio.node');
      expect(native).toBeDefined();
    } else {
      expect(backend).toMatchObject({ flac: 'js', mp3: 'wasm' });
      expect(backend.reason).toMatch(forcedJs ? /TESSERA_AUDIO_BACKEND=js/ : /native addon is unavailable/);
      expect(native).toBeUndefined();
    }
  });

  it('a wrong TESSERA_AUDIO_BACKEND is a typed E_ARGUMENT naming the variable', async () => {
    vi.stubEnv('TESSERA_AUDIO_BACKEND', 'fast');
    vi.resetModules();
    try {
      const fresh = await import('../src/audio-backend.js');
      expect(() => fresh.audioBackend()).toThrow(expect.objectContaining({ code: 'E_ARGUMENT', message: 'TESSERA_AUDIO_BACKEND is "fast"; use "native", "js" or leave it unset' }));
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});

const skipFlac = NO_FFMPEG || native === undefined;
describe.skipIf(skipFlac)(`native FLAC decoder = JavaScript decoder${skipFlac ? ` (skipped: ${NO_FFMPEG ? NO_FFMPEG_REASON : 'the native addon is not active'})` : ''}`, () => {
  afterAll(removeTemporaryFolder);
  const lavfi = (source: string) => ['-f', 'lavfi', '-i', source];

  it('every output type, 300 seeded windows over LPC-coded 16-bit stereo and 24-bit mono: identical samples and counts', () => {
    const files = [
      makeFlac([...lavfi('anoisesrc=color=pink:sample_rate=16000:amplitude=0.4:duration=3:seed=3'), '-ac', '2'], ['-sample_fmt', 's16', '-frame_size', '1152']),
      makeFlac([...lavfi('sine=frequency=440:sample_rate=48000:duration=2'), '-af', 'volume=0.7'], ['-sample_fmt', 's32', '-bits_per_raw_sample', '24', '-frame_size', '4096', '-compression_level', '12']),
    ];
    const random = seededRandom(7);
    const nativeDecoder = createFlacDecoder();
    const jsDecoder = createJsFlacDecoder();
    for (const { bytes } of files) {
      const stream = parseFlacFile(bytes);
      const { info } = stream;
      const total = info.totalSamples;
      for (let trial = 0; trial < 150; trial++) {
        const start = random(total);
        const count = Math.min(total - start + 50, 1 + random(20_000)); // sometimes past the end
        const first = stream.frameFirstSamples.findLastIndex((sample) => sample <= start);
        const frames = stream.frames.subarray(stream.frameByteOffsets[first]);
        for (const Type of info.bitsPerSample <= 16 ? [Float32Array, Int16Array, Int32Array] : [Float32Array, Int32Array]) {
          const stride = count + 3;
          const a = new Type(info.channels * stride + 5).fill(-7);
          const b = new Type(info.channels * stride + 5).fill(-7);
          const written = nativeDecoder.decode(frames, info, stream.frameFirstSamples[first]!, start, count, a, 2, stride);
          expect(written).toBe(Math.min(count, total - start));
          expect(jsDecoder.decode(frames, info, stream.frameFirstSamples[first]!, start, count, b, 2, stride)).toBe(written);
          expect(firstDifference(a, b)).toBe(-1);
        }
      }
    }
  });

  it('the C decoder itself (not its JavaScript fallback) rejects exactly the byte flips the JavaScript decoder rejects', () => {
    const { bytes } = makeFlac([...lavfi('sine=frequency=300:sample_rate=8000:duration=0.3'), '-ac', '2'], ['-sample_fmt', 's16', '-frame_size', '576']);
    const stream = parseFlacFile(bytes);
    const { info } = stream;
    const total = info.totalSamples;
    const jsDecoder = createJsFlacDecoder();
    let rejected = 0;
    for (let index = 0; index < stream.frames.length; index++) {
      for (const mask of [0x01, 0x80]) {
        const frames = stream.frames.slice();
        frames[index] ^= mask;
        const a = new Int32Array(2 * total);
        const b = new Int32Array(2 * total);
        const written = native!.flacDecode(frames, info.channels, info.bitsPerSample, 0, 0, total, a, 0, total);
        let jsError: unknown;
        try {
          jsDecoder.decode(frames, info, 0, 0, total, b, 0, total);
        } catch (error) {
          jsError = error;
        }
        const where = `byte ${index} ^ 0x${mask.toString(16)}`;
        if (jsError === undefined) {
          expect(written, where).toBe(total);
          expect(firstDifference(a, b), where).toBe(-1);
        } else {
          expect(written, `${where}: JavaScript threw ${String(jsError)}`).toBe(-1);
          expect(native!.lastError().length, where).toBeGreaterThan(0);
          rejected++;
        }
      }
    }
    expect(rejected).toBeGreaterThan(stream.frames.length); // CRCs catch nearly every flip
  });
});

const skipMp3 = FFMPEG_MISSING !== undefined || native?.hasMp3 !== true;
describe.skipIf(skipMp3)(`minimp3 (native) ≈ mpg123 (WebAssembly)${skipMp3 ? ` (skipped: ${FFMPEG_MISSING ?? 'minimp3 is not active'})` : ''}`, () => {
  const folder = temporaryFolder('native-mp3');
  afterAll(() => folder.remove());

  it('whole clips and 200 seeded crops: the same sample counts, within 1e-4 of each other, mono and stereo, 16 and 44.1 kHz', () => {
    const random = seededRandom(11);
    const minimp3 = createMp3Decoder();
    const mpg123 = createWasmMp3Decoder();
    for (const [sampleRate, channels] of [
      [16_000, 1],
      [44_100, 2],
    ] as const) {
      const stream = parseMp3(encodeClip(folder.path, { seconds: 2.3, sampleRate, channels, codec: 'mp3' }));
      const total = stream.totalSamples;
      for (let trial = 0; trial < 100; trial++) {
        const start = trial === 0 ? 0 : random(total);
        const count = trial === 0 ? total : 1 + random(total);
        const a = new Float32Array(channels * count);
        const b = new Float32Array(channels * count);
        const written = minimp3.decode(stream, start, count, a, 0, count);
        expect(written).toBe(Math.min(count, total - start));
        expect(mpg123.decode(stream, start, count, b, 0, count)).toBe(written);
        expect(maxAbsDifference(b, a), `${sampleRate} Hz ×${channels} [${start}, +${count})`).toBeLessThan(1e-4);
      }
    }
    minimp3.free();
    mpg123.free();
  });
});
