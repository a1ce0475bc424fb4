import { createRequire } from 'node:module';
import type { TesseraPlugin } from '@tessera/core';
import { compressedVideoCodec } from './fields/compressed-video-codec.js';
import { opticalFlowCodec } from './fields/flow-codec.js';
import { videoFramesCodec } from './fields/jpeg-frames-codec.js';

// The plugin's identity is the package's: read from package.json (one level up from src/ and from dist/).
const packageJson = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

export const PACKAGE_NAME = packageJson.name;
export const PACKAGE_VERSION = packageJson.version;

let instance: TesseraPlugin | undefined;

/**
 * The video plugin: pass it to `openDataset(path, { plugins: [videoPlugin()] })` and `createLoader`
 * (field specs made by `compressedVideo()` carry it for the writer). Importing the package registers
 * nothing and loads no FFmpeg: node-av is loaded when a video is first written or decoded. Worker
 * threads rebuild the plugin from `origin`: this module (the bundled dist/index.js).
 */
export function videoPlugin(options: Record<string, never> = {}): TesseraPlugin {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new TypeError(`videoPlugin options must be an object, got ${JSON.stringify(options)}`);
  for (const key of Object.keys(options)) throw new TypeError(`videoPlugin has no option "${key}"; it takes none`);
  instance ??= {
    specVersion: 1,
    name: PACKAGE_NAME,
    version: PACKAGE_VERSION,
    origin: { module: import.meta.url, exportName: 'videoPlugin', options: {} },
    codecs: [compressedVideoCodec, videoFramesCodec, opticalFlowCodec],
  };
  return instance;
}
