/**
 * The one module that touches a JPEG library (STYLE.md: one boundary module per native dependency).
 *
 * Backends, in order of preference:
 *   native  libjpeg-turbo 3 through this package's small N-API addon (native/tessera-jpeg.c, built
 *           at install by scripts/build-native.mjs), which opens the libturbojpeg that the npm
 *           package @julusian/jpeg-turbo ships prebuilt (an optional dependency). Decodes only the
 *           crop (TurboJPEG cropping region), scales in the DCT domain (1/2, 1/4, 1/8) when the crop
 *           is at least twice the output, resizes in C, and encodes.
 *   wasm    libjpeg-turbo compiled to WebAssembly (@cwasm/jpeg-turbo, a dependency): full decode with
 *           DCT scaling, then the same area resize in JavaScript (area-resize.ts). Always available.
 *
 * Both are synchronous (decoders run them in the loader's decode workers) and both use the fast
 * integer IDCT when asked (FFCV's choice, so FFCV's decoded pixels are matched). `jpegBackend()`
 * reports which one is active and why; TESSERA_IMAGE_JPEG_BACKEND=native|wasm forces one (forcing
 * native where it cannot load throws one error listing what was tried and the fixes).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TesseraError } from '@tessera/core';
import { areaResize } from './area-resize.js';

/** Larger JPEG headers are refused before any allocation (sharp's default limitInputPixels). */
export const MAX_JPEG_PIXELS = 0x3fff * 0x3fff;

/** `decode` flags. */
export const JPEG_FAST_DCT = 1;
export const JPEG_DCT_SCALING = 2;

export interface JpegHeader {
  width: number;
  height: number;
  /** TurboJPEG subsampling: 0 4:4:4, 1 4:2:2, 2 4:2:0, 3 gray, 4 4:4:0, 5 4:1:1, 6 4:4:1, −1 unknown */
  subsampling: number;
  /** TurboJPEG colorspace: 0 RGB, 1 YCbCr, 2 gray, 3 CMYK, 4 YCCK */
  colorspace: number;
  /** bits per sample (8 for the JPEGs this package writes; 12-bit JPEGs need sharp) */
  precision: number;
}

export interface JpegBackend {
  readonly name: 'native' | 'wasm';
  /** What was loaded, e.g. "libjpeg-turbo 3 (native addon + @julusian/jpeg-turbo's libturbojpeg.so.0)". */
  readonly description: string;
  /** The header of a JPEG, or undefined when the bytes are not one this backend can read. */
  readHeader(jpeg: Uint8Array): JpegHeader | undefined;
  /**
   * Decodes the crop (cropX, cropY, cropWidth, cropHeight) of `jpeg`, in image pixels, resized (area)
   * to outWidth × outHeight, into `out` (HWC uint8, `channels` 1 or 3). Throws on corrupt data.
   */
  decode(
    jpeg: Uint8Array,
    channels: 1 | 3,
    cropX: number,
    cropY: number,
    cropWidth: number,
    cropHeight: number,
    out: Uint8Array,
    outWidth: number,
    outHeight: number,
    flags: number,
  ): void;
  /** Area-resizes a (fractional) crop of raw HWC pixels into `out`. */
  resize(
    source: Uint8Array,
    width: number,
    height: number,
    channels: number,
    cropX: number,
    cropY: number,
    cropWidth: number,
    cropHeight: number,
    out: Uint8Array,
    outWidth: number,
    outHeight: number,
  ): void;
  /** Baseline JPEG (4:2:0 for 3 channels, grayscale for 1), or undefined when this backend cannot encode (use sharp). */
  readonly encode: ((pixels: Uint8Array, width: number, height: number, channels: 1 | 3, quality: number) => Uint8Array) | undefined;
}

export interface JpegBackendStatus {
  backend: JpegBackend;
  /** Why this backend is active. */
  reason: string;
  /** Every backend tried before it, with why it could not be used. */
  tried: Array<{ backend: string; error: string }>;
}

const require = createRequire(import.meta.url);
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

let status: JpegBackendStatus | undefined;

/** The active backend (loaded once per thread). */
export function jpegBackend(): JpegBackend {
  return jpegBackendStatus().backend;
}

/** The active backend, why, and what was tried before it. */
export function jpegBackendStatus(): JpegBackendStatus {
  if (status !== undefined) return status;
  const forced = process.env.TESSERA_IMAGE_JPEG_BACKEND;
  if (forced !== undefined && forced !== '' && forced !== 'native' && forced !== 'wasm') {
    throw new TesseraError('E_ARGUMENT', `TESSERA_IMAGE_JPEG_BACKEND is ${JSON.stringify(forced)}; use "native", "wasm" or leave it unset`);
  }
  const tried: JpegBackendStatus['tried'] = [];
  if (forced !== 'wasm') {
    try {
      const backend = loadNative();
      status = { backend, reason: forced === 'native' ? 'forced by TESSERA_IMAGE_JPEG_BACKEND=native' : 'the native addon and libturbojpeg loaded', tried };
      return status;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (forced === 'native') {
        throw new TesseraError(
          'E_PLUGIN',
          `TESSERA_IMAGE_JPEG_BACKEND=native, but the native JPEG backend cannot load: ${message}. Fixes: install a C compiler and Node's headers, then rebuild it (npm rebuild @tessera/image, or pnpm rebuild @tessera/image with @tessera/image in pnpm.onlyBuiltDependencies); make sure the optional dependency @julusian/jpeg-turbo is installed (it ships libturbojpeg for ${process.platform}-${process.arch}); or point TESSERA_IMAGE_LIBTURBOJPEG at a libturbojpeg.so of libjpeg-turbo 3.`,
        );
      }
      tried.push({ backend: 'native', error: message });
    }
  }
  status = { backend: loadWasm(), reason: forced === 'wasm' ? 'forced by TESSERA_IMAGE_JPEG_BACKEND=wasm' : 'fallback: the native backend is unavailable', tried };
  return status;
}

// ── native ──────────────────────────────────────────────────────────────────────────────────

interface NativeAddon {
  loadLibrary(path: string): void;
  header(jpeg: Uint8Array, out: Int32Array): boolean;
  decode(...args: [Uint8Array, number, number, number, number, number, Uint8Array, number, number, number]): number;
  resize(...args: [Uint8Array, number, number, number, number, number, number, number, Uint8Array, number, number]): void;
  encode(pixels: Uint8Array, width: number, height: number, channels: number, quality: number): Uint8Array;
}

function libturbojpegPath(): string {
  const override = process.env.TESSERA_IMAGE_LIBTURBOJPEG;
  if (override) return override;
  let packageJson: string;
  try {
    packageJson = require.resolve('@julusian/jpeg-turbo/package.json');
  } catch {
    throw new Error('the optional dependency @julusian/jpeg-turbo (which ships libturbojpeg) is not installed');
  }
  if (process.platform !== 'linux') throw new Error(`@julusian/jpeg-turbo ships libturbojpeg as a shared library only on Linux, not on ${process.platform}`);
  const musl = isMusl() ? '-musl' : '';
  const path = join(dirname(packageJson), 'prebuilds', `jpeg-turbo-linux-${process.arch}${musl}`, 'libturbojpeg.so.0');
  if (!existsSync(path)) throw new Error(`@julusian/jpeg-turbo has no libturbojpeg for linux-${process.arch}${musl} (${path})`);
  return path;
}

function isMusl(): boolean {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime === undefined;
}

function loadNative(): JpegBackend {
  const addonPath = join(packageRoot, 'build', 'Release', 'tessera_jpeg.node');
  if (!existsSync(addonPath)) throw new Error(`the addon was not built (${addonPath} is missing; its install script did not run or found no compiler)`);
  const library = libturbojpegPath();
  const addon = require(addonPath) as NativeAddon;
  addon.loadLibrary(library);
  const header = new Int32Array(6);
  return {
    name: 'native',
    description: `libjpeg-turbo 3, native (${library})`,
    readHeader(jpeg) {
      if (!addon.header(jpeg, header)) return undefined;
      return { width: header[0]!, height: header[1]!, subsampling: header[2]!, colorspace: header[3]!, precision: header[4]! };
    },
    decode(jpeg, channels, cropX, cropY, cropWidth, cropHeight, out, outWidth, outHeight, flags) {
      addon.decode(jpeg, channels, cropX, cropY, cropWidth, cropHeight, out, outWidth, outHeight, flags);
    },
    resize(source, width, height, channels, cropX, cropY, cropWidth, cropHeight, out, outWidth, outHeight) {
      addon.resize(source, width, height, channels, cropX, cropY, cropWidth, cropHeight, out, outWidth, outHeight);
    },
    encode: (pixels, width, height, channels, quality) => addon.encode(pixels, width, height, channels, quality),
  };
}

// ── WebAssembly ─────────────────────────────────────────────────────────────────────────────

// The few WebAssembly APIs used here (TypeScript's ES lib has no WebAssembly namespace).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

interface WasmExports {
  memory: { buffer: ArrayBuffer };
  malloc(size: number): number;
  free(pointer: number): void;
  tjInitDecompress(): number;
  tjDestroy(handle: number): number;
  tjDecompressHeader3(handle: number, jpeg: number, size: number, width: number, height: number, subsampling: number, colorspace: number): number;
  tjDecompress2(handle: number, jpeg: number, size: number, out: number, width: number, pitch: number, height: number, pixelFormat: number, flags: number): number;
}

const TJPF_RGB = 0;
const TJPF_GRAY = 6;
const TJFLAG_FASTDCT = 2048;
const TJFLAG_STOPONWARNING = 8192;

class WasmError extends Error {}

function loadWasm(): JpegBackend {
  const wasmPath = require.resolve('@cwasm/jpeg-turbo/jpeg-turbo.wasm');
  const abort = () => {
    throw new WasmError('corrupt or unsupported JPEG data');
  };
  const imports = {
    env: { setjmp: () => 0, longjmp: abort },
    wasi_snapshot_preview1: { proc_exit: abort, environ_sizes_get: () => 0, environ_get: abort, fd_close: abort, fd_seek: abort, fd_write: () => 0 },
  };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmPath)), imports);
  const wasm = instance.exports as unknown as WasmExports;
  let handle = wasm.tjInitDecompress();
  const fields = wasm.malloc(16);
  let input = 0;
  let inputCapacity = 0;
  let output = 0;
  let outputCapacity = 0;

  const load = (jpeg: Uint8Array): JpegHeader | undefined => {
    if (jpeg.byteLength > inputCapacity) {
      if (input !== 0) wasm.free(input);
      inputCapacity = Math.max(jpeg.byteLength, inputCapacity * 2, 1 << 16);
      input = wasm.malloc(inputCapacity);
    }
    new Uint8Array(wasm.memory.buffer, input, jpeg.byteLength).set(jpeg);
    let result: number;
    try {
      result = wasm.tjDecompressHeader3(handle, input, jpeg.byteLength, fields, fields + 4, fields + 8, fields + 12);
    } catch (error) {
      handle = wasm.tjInitDecompress(); // the old handle is mid-longjmp: abandon it
      if (error instanceof WasmError) return undefined;
      throw error;
    }
    if (result !== 0) return undefined;
    const view = new Int32Array(wasm.memory.buffer, fields, 4);
    return { width: view[0]!, height: view[1]!, subsampling: view[2]!, colorspace: view[3]!, precision: 8 };
  };

  return {
    name: 'wasm',
    description: `libjpeg-turbo 2 compiled to WebAssembly (${wasmPath})`,
    readHeader: (jpeg) => load(jpeg),
    decode(jpeg, channels, cropX, cropY, cropWidth, cropHeight, out, outWidth, outHeight, flags) {
      const header = load(jpeg);
      if (header === undefined) throw new Error('not a JPEG, or a corrupt JPEG header');
      const { width, height } = header;
      if (width * height > MAX_JPEG_PIXELS) throw new RangeError(`the JPEG is ${width}x${height}, more than ${MAX_JPEG_PIXELS} pixels (a corrupt or hostile header?)`);
      if (cropX < 0 || cropY < 0 || cropWidth < 1 || cropHeight < 1 || cropX + cropWidth > width || cropY + cropHeight > height) {
        throw new RangeError(`crop ${cropWidth}x${cropHeight} at (${cropX}, ${cropY}) is outside the ${width}x${height} image`);
      }
      let numerator = 8;
      if (flags & JPEG_DCT_SCALING) {
        for (const candidate of [1, 2, 4]) {
          if ((cropWidth * candidate) / 8 >= outWidth && (cropHeight * candidate) / 8 >= outHeight) {
            numerator = candidate;
            break;
          }
        }
      }
      const scaledWidth = Math.ceil((width * numerator) / 8);
      const scaledHeight = Math.ceil((height * numerator) / 8);
      const byteLength = scaledWidth * scaledHeight * channels;
      if (byteLength > outputCapacity) {
        if (output !== 0) wasm.free(output);
        outputCapacity = Math.max(byteLength, outputCapacity * 2);
        output = wasm.malloc(outputCapacity);
      }
      const wasmFlags = TJFLAG_STOPONWARNING | (flags & JPEG_FAST_DCT ? TJFLAG_FASTDCT : 0);
      let result: number;
      try {
        result = wasm.tjDecompress2(handle, input, jpeg.byteLength, output, scaledWidth, 0, scaledHeight, channels === 3 ? TJPF_RGB : TJPF_GRAY, wasmFlags);
      } catch (error) {
        handle = wasm.tjInitDecompress();
        if (error instanceof WasmError) throw new Error('corrupt JPEG data (libjpeg-turbo wasm)');
        throw error;
      }
      if (result !== 0) throw new Error('corrupt or truncated JPEG data (libjpeg-turbo wasm)');
      const pixels = new Uint8Array(wasm.memory.buffer, output, byteLength);
      const scale = numerator / 8;
      areaResize(pixels, 0, scaledWidth, scaledHeight, scaledWidth * channels, channels, cropX * scale, cropY * scale, cropWidth * scale, cropHeight * scale, out, outWidth, outHeight);
    },
    resize(source, width, height, channels, cropX, cropY, cropWidth, cropHeight, out, outWidth, outHeight) {
      areaResize(source, 0, width, height, width * channels, channels, cropX, cropY, cropWidth, cropHeight, out, outWidth, outHeight);
    },
    encode: undefined,
  };
}
