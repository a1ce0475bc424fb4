import { createRequire } from 'node:module';
import type { FieldSpec, TesseraPlugin } from '@tessera/core';
import type { BoundingBoxesArguments } from './bounding-boxes-arguments.js';
import { boundingBoxesCodec } from './bounding-boxes-codec.js';

// The plugin's identity is the package's: read from package.json (one level up from src/ and from dist/).
const packageJson = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

let instance: TesseraPlugin | undefined;

/**
 * The plugin: pass it to `writeDataset(..., { plugins })` (field specs carry it too) and to
 * `openDataset(path, { plugins: [boxesPlugin()] })`. Worker threads rebuild it from `origin`:
 * this module (the built dist/index.js when installed) and the export name.
 */
export function boxesPlugin(): TesseraPlugin {
  instance ??= {
    specVersion: 1,
    name: packageJson.name,
    version: packageJson.version,
    origin: { module: import.meta.url, exportName: 'boxesPlugin' },
    codecs: [boundingBoxesCodec],
  };
  return instance;
}

/**
 * A variable-length list of boxes per sample, at most `maxBoxes`: `{ boxes: boundingBoxes({ maxBoxes: 64 }) }`.
 * The writer validates the arguments (E_FIELD_ARGUMENTS naming the field).
 */
export function boundingBoxes(args: BoundingBoxesArguments): FieldSpec<BoundingBoxesArguments> {
  return { plugin: boxesPlugin(), codecId: boundingBoxesCodec.id, arguments: { maxBoxes: args.maxBoxes } };
}
