import { createRequire } from 'node:module';
import type { TesseraPlugin } from '@tessera/core';
import { alignmentsCodec } from './fields/alignments-codec.js';
import { codecTokensCodec } from './fields/codec-tokens-codec.js';
import { compressedAudioCodec } from './fields/compressed-codec.js';
import { spectrogramCodec } from './fields/spectrogram-codec.js';
import { waveformCodec } from './fields/waveform-codec.js';

// The plugin's identity is the package's: read from package.json (one level up from src/ and from dist/).
const packageJson = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

export const PACKAGE_NAME = packageJson.name;
export const PACKAGE_VERSION = packageJson.version;

let instance: TesseraPlugin | undefined;

/**
 * The audio plugin: pass it to `openDataset(path, { plugins: [audioPlugin()] })` and `createLoader`
 * (field specs made by `waveform()`, `compressedAudio()`, `spectrogram()`, `codecTokens()` and
 * `alignments()` carry it for the writer). Importing the package registers nothing. Worker threads
 * rebuild it from `origin`: this module (the bundled dist/index.js).
 */
export function audioPlugin(options: Record<string, never> = {}): TesseraPlugin {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new TypeError(`audioPlugin options must be an object, got ${JSON.stringify(options)}`);
  for (const key of Object.keys(options)) throw new TypeError(`audioPlugin has no option "${key}"; it takes none (ffmpeg is found through TESSERA_FFMPEG, ffmpeg-static, @ffmpeg-installer/ffmpeg or PATH)`);
  instance ??= {
    specVersion: 1,
    name: PACKAGE_NAME,
    version: PACKAGE_VERSION,
    origin: { module: import.meta.url, exportName: 'audioPlugin', options: {} },
    codecs: [waveformCodec, compressedAudioCodec, spectrogramCodec, codecTokensCodec, alignmentsCodec],
  };
  return instance;
}
