/**
 * The one module that loads @tessera/audio's native addon (STYLE.md: one boundary module per native
 * dependency): native/tessera-audio.c, built at install by scripts/build-native.mjs.
 *
 * Decoders, in order of preference:
 *   FLAC  native  the addon's C decoder (bit-exact with the JavaScript one: same checks, same output)
 *         js      src/flac/ in JavaScript; always available
 *   MP3   native  minimp3 inside the addon (when the optional package `minimp3` was installed at build)
 *         wasm    mpg123 in WebAssembly (mpg123-decoder); always available
 *
 * Both paths are synchronous and write straight into the caller's output. A native decode that fails
 * returns -1; FLAC then re-runs the JavaScript decoder on the same bytes so the error is the same typed
 * AudioFormatError either way. `audioBackend()` reports what is active and why;
 * TESSERA_AUDIO_BACKEND=native|js forces one (forcing native where it cannot load throws one error
 * listing what was tried and the fixes).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TesseraError } from '@tessera/core';

/** The addon's functions; positions are sample positions, views are never retained. */
export interface NativeAudio {
  /** Samples written per channel, or −1 (see lastError). */
  flacDecode(
    frames: Uint8Array,
    channels: number,
    bitsPerSample: number,
    framesFirstSample: number,
    startSample: number,
    sampleCount: number,
    out: Float32Array | Int16Array | Int32Array,
    outOffset: number,
    rowStride: number,
  ): number;
  /** The sample position reached after frames first..last, or −1 (see lastError). */
  mp3DecodeFrames(
    frames: Uint8Array,
    offsets: Uint32Array,
    firsts: Float64Array,
    first: number,
    last: number,
    from: number,
    to: number,
    channels: number,
    out: Float32Array,
    outOffset: number,
    rowStride: number,
  ): number;
  lastError(): string;
  hasMp3: boolean;
}

export interface AudioBackend {
  /** Which FLAC decoder runs. */
  flac: 'native' | 'js';
  /** Which MP3 decoder runs. */
  mp3: 'native' | 'wasm';
  /** What was loaded, e.g. "native addon (…/tessera_audio.node): FLAC in C, MP3 by minimp3". */
  description: string;
  /** Why this backend is active. */
  reason: string;
  /** What was tried and could not be used. */
  tried: Array<{ backend: string; error: string }>;
}

const require = createRequire(import.meta.url);
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

let loaded: { backend: AudioBackend; addon: NativeAudio | undefined } | undefined;

/** The active audio decoders, why, and what was tried (loaded once per thread). */
export function audioBackend(): AudioBackend {
  return load().backend;
}

/** The addon when the native FLAC path is active. */
export function nativeAudio(): NativeAudio | undefined {
  return load().addon;
}

function load(): { backend: AudioBackend; addon: NativeAudio | undefined } {
  if (loaded !== undefined) return loaded;
  const forced = process.env.TESSERA_AUDIO_BACKEND;
  if (forced !== undefined && forced !== '' && forced !== 'native' && forced !== 'js') {
    throw new TesseraError('E_ARGUMENT', `TESSERA_AUDIO_BACKEND is ${JSON.stringify(forced)}; use "native", "js" or leave it unset`);
  }
  const tried: AudioBackend['tried'] = [];
  if (forced !== 'js') {
    const addonPath = join(packageRoot, 'build', 'Release', 'tessera_audio.node');
    try {
      if (!existsSync(addonPath)) throw new Error(`the addon was not built (${addonPath} is missing; its install script did not run or found no compiler)`);
      const addon = require(addonPath) as NativeAudio;
      if (typeof addon.flacDecode !== 'function' || typeof addon.mp3DecodeFrames !== 'function') throw new Error(`${addonPath} is not this version's addon (rebuild it)`);
      if (!addon.hasMp3) tried.push({ backend: 'native MP3', error: 'the addon was built without minimp3 (the optional package minimp3 was not installed)' });
      loaded = {
        addon,
        backend: {
          flac: 'native',
          mp3: addon.hasMp3 ? 'native' : 'wasm',
          description: `native addon (${addonPath}): FLAC in C, MP3 by ${addon.hasMp3 ? 'minimp3' : 'mpg123 in WebAssembly'}`,
          reason: forced === 'native' ? 'forced by TESSERA_AUDIO_BACKEND=native' : 'the native addon loaded',
          tried,
        },
      };
      return loaded;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (forced === 'native') {
        throw new TesseraError(
          'E_PLUGIN',
          `TESSERA_AUDIO_BACKEND=native, but the native audio backend cannot load: ${message}. Fixes: install a C compiler and Node's headers, then rebuild it (npm rebuild @tessera/audio, or pnpm rebuild @tessera/audio); or unset TESSERA_AUDIO_BACKEND to use the JavaScript/WebAssembly decoders.`,
        );
      }
      tried.push({ backend: 'native', error: message });
    }
  }
  loaded = {
    addon: undefined,
    backend: {
      flac: 'js',
      mp3: 'wasm',
      description: 'FLAC in JavaScript, MP3 by mpg123 in WebAssembly',
      reason: forced === 'js' ? 'forced by TESSERA_AUDIO_BACKEND=js' : 'fallback: the native addon is unavailable',
      tried,
    },
  };
  return loaded;
}
