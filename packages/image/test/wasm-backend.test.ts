/**
 * The WebAssembly fallback: forced with TESSERA_IMAGE_JPEG_BACKEND=wasm before @tessera/image loads
 * (vitest runs each test file in its own process). FFCV's pixels again, and agreement with the
 * native backend when that is available (checked in a child process).
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeFfcvImageFixtures } from './helpers/ffcv-fixtures.js';

process.env.TESSERA_IMAGE_JPEG_BACKEND = 'wasm';
let image: typeof import('@tessera/image');
beforeAll(async () => {
  image = await import('@tessera/image');
});

describeFfcvImageFixtures('FFCV image fixtures (wasm backend)', () => image.imagePlugin(), () => image.jpegBackend().name);

describe('backend selection', () => {
  it('reports the forced backend and why', () => {
    const status = image.jpegBackendStatus();
    expect(status.backend.name).toBe('wasm');
    expect(status.reason).toContain('TESSERA_IMAGE_JPEG_BACKEND=wasm');
    expect(status.backend.encode).toBeUndefined();
  });

  it('refuses an unknown TESSERA_IMAGE_JPEG_BACKEND in one clear error', () => {
    const script = "import('@tessera/image').then((m) => m.jpegBackend()).catch((error) => { console.log(error.message); })";
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, TESSERA_IMAGE_JPEG_BACKEND: 'fast' }, encoding: 'utf8', cwd: new URL('..', import.meta.url).pathname });
    expect(result.stdout).toContain('TESSERA_IMAGE_JPEG_BACKEND is "fast"; use "native", "wasm" or leave it unset');
  });

  it('decodes crops (with DCT scaling) like the native backend, within 2 levels on average', async () => {
    const script = `
      const { jpegBackend } = await import('@tessera/image');
      const sharp = (await import('sharp')).default;
      const width = 300, height = 200;
      const pixels = Buffer.alloc(width * height * 3);
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) { const i = (y * width + x) * 3; pixels[i] = x % 256; pixels[i + 1] = (y * 3) % 256; pixels[i + 2] = (x * y) % 256; }
      const jpeg = await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
      const out = new Uint8Array(32 * 32 * 3 + 64 * 48 * 3);
      jpegBackend().decode(jpeg, 3, 10, 20, 200, 150, out.subarray(0, 32 * 32 * 3), 32, 32, 3);
      jpegBackend().decode(jpeg, 3, 0, 0, 300, 200, out.subarray(32 * 32 * 3), 64, 48, 1);
      process.stdout.write(jpegBackend().name + ' ' + Buffer.from(out).toString('base64'));`;
    const run = (backend: string) => {
      const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, TESSERA_IMAGE_JPEG_BACKEND: backend }, encoding: 'utf8', cwd: new URL('..', import.meta.url).pathname });
      return result.stdout.trim().split(' ');
    };
    const [wasmName, wasmPixels] = run('wasm');
    expect(wasmName).toBe('wasm');
    const [nativeName, nativePixels] = run('');
    if (nativeName !== 'native') return; // no native backend on this machine: nothing to compare
    const a = Buffer.from(wasmPixels!, 'base64');
    const b = Buffer.from(nativePixels!, 'base64');
    let sum = 0;
    for (let index = 0; index < a.length; index++) sum += Math.abs(a[index]! - b[index]!);
    expect(sum / a.length).toBeLessThan(2);
  });
});
