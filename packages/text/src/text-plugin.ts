import { createRequire } from 'node:module';
import type { TesseraPlugin } from '@tessera/core';
import { createHierarchicalTextCodec } from './fields/hierarchical-text-codec.js';
import { createPackedTokensCodec } from './fields/packed-tokens-codec.js';
import { rawTextCodec } from './fields/raw-text-codec.js';
import { createTokensCodec } from './fields/tokens-codec.js';

// The plugin's identity is the package's: read from package.json (one level up from src/ and from dist/).
const packageJson = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

export const PACKAGE_NAME = packageJson.name;
export const PACKAGE_VERSION = packageJson.version;

/** JSON options of `textPlugin` (workers rebuild the plugin from them). */
export type TextPluginOptions = {
  /**
   * The reader's tokenizer: a local tokenizer.json (or its folder). Every token field of a file
   * opened with this plugin must have been written with the same tokenizer.json bytes (a
   * TokenizerMismatchError at open otherwise), and detokenizing decoders use it instead of the
   * path recorded in the file. Not needed for writing: field constructors take their tokenizer.
   */
  tokenizer?: string;
};

const instances = new Map<string, TesseraPlugin>();

/**
 * The text plugin: pass it to `openDataset(path, { plugins: [textPlugin()] })` and `createLoader`
 * (field specs made by `rawText()`, `tokens()`, `packedTokens()` and `hierarchicalText()` carry it
 * for the writer). Importing the package registers nothing. Worker threads rebuild it from
 * `origin`: this module (the bundled dist/index.js) with the same options.
 */
export function textPlugin(options: TextPluginOptions = {}): TesseraPlugin {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new TypeError(`textPlugin options must be an object, got ${JSON.stringify(options)}`);
  for (const key of Object.keys(options)) {
    if (key !== 'tokenizer') throw new TypeError(`textPlugin has no option "${key}"; its options are: tokenizer`);
  }
  if (options.tokenizer !== undefined && (typeof options.tokenizer !== 'string' || options.tokenizer.length === 0)) {
    throw new TypeError(`textPlugin: tokenizer must be the path of a local tokenizer.json, got ${JSON.stringify(options.tokenizer)}`);
  }
  const normalized: TextPluginOptions = options.tokenizer === undefined ? {} : { tokenizer: options.tokenizer };
  const key = JSON.stringify(normalized);
  let plugin = instances.get(key);
  if (plugin === undefined) {
    const context = { tokenizerPath: normalized.tokenizer };
    plugin = {
      specVersion: 1,
      name: PACKAGE_NAME,
      version: PACKAGE_VERSION,
      origin: { module: import.meta.url, exportName: 'textPlugin', options: normalized },
      codecs: [rawTextCodec, createTokensCodec(context), createPackedTokensCodec(context), createHierarchicalTextCodec(context)],
    };
    instances.set(key, plugin);
  }
  return plugin;
}
