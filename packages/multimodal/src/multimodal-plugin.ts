import { createRequire } from 'node:module';
import type { FieldCodec, TesseraPlugin } from '@tessera/core';
import { interleavedCodec } from './fields/interleaved-codec.js';
import { timedTextCodec } from './fields/timed-text-codec.js';

// The plugin's identity is the package's: read from package.json (one level up from src/ and from dist/).
const packageJson = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

export const PACKAGE_NAME = packageJson.name;
export const PACKAGE_VERSION = packageJson.version;

let instance: TesseraPlugin | undefined;

/**
 * The multimodal plugin: pass it to `openDataset(path, { plugins: [multimodalPlugin()] })` and
 * `createLoader` next to the plugins of the other fields of a sample (videoPlugin(), audioPlugin(),
 * imagePlugin(), textPlugin()…); field specs made by `timedText()` carry it for the writer.
 * Importing the package registers nothing. Worker threads rebuild it from `origin`.
 */
export function multimodalPlugin(): TesseraPlugin {
  instance ??= {
    specVersion: 1,
    name: PACKAGE_NAME,
    version: PACKAGE_VERSION,
    origin: { module: import.meta.url, exportName: 'multimodalPlugin' },
    codecs: [timedTextCodec, interleavedCodec as FieldCodec],
  };
  return instance;
}
