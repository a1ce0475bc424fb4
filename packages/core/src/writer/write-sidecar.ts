import { resolve } from 'node:path';
import { ArgumentError } from '../errors.js';
import { openDataset } from '../reader/open-dataset.js';
import { sidecarBaseOf } from '../reader/sidecar-identity.js';
import { SIDECAR_OF_OPTION, type SidecarBase } from '../spec/extension-block.js';
import type { DataSource, IndexedSource } from './data-source.js';
import type { Schema } from './field-plan.js';
import type { SampleRecord } from './sample-encoder.js';
import { type WriteOptions, type WriteSummary, writeDataset } from './write-dataset.js';

/**
 * Writes new fields for an existing dataset without rewriting it: a sidecar file holding sample i's
 * values of `schema`'s fields for sample i of `basePath`. The sidecar is an ordinary `.beton` file
 * (the same writer, atomic like `writeDataset`) whose extension block records the base's identity
 * (sample count, field names, content digest: see SidecarBase); `openDataset(base, { sidecars })`
 * and `createLoader(base, { sidecars })` join it and refuse it with any other base, or with this
 * base once rewritten (E_SIDECAR_MISMATCH).
 *
 * `source` must yield exactly the base's number of samples (E_ARGUMENT otherwise, the target left
 * unchanged); field names must differ from the base's (E_ARGUMENT naming the field). `plugins` are
 * used both to open the base (its plugin fields need theirs) and to write. `integrity: false` is
 * refused: the identity lives in the extension block.
 */
export async function writeSidecar(
  basePath: string,
  sidecarPath: string,
  schema: Schema,
  source: DataSource,
  options: WriteOptions = {},
): Promise<WriteSummary> {
  if (options.integrity === false) {
    throw new ArgumentError('integrity', 'a sidecar records its base file in the extension block, so it cannot be written without one (integrity: false)');
  }
  if (typeof sidecarPath === 'string' && typeof basePath === 'string' && resolve(sidecarPath) === resolve(basePath)) {
    throw new ArgumentError('sidecarPath', `is the base file itself (${basePath}); a sidecar is written next to its base, never over it`);
  }
  let sidecarOf: SidecarBase;
  const base = openDataset(basePath, { plugins: options.plugins });
  try {
    sidecarOf = sidecarBaseOf(base);
  } finally {
    base.close();
  }
  if (schema !== null && typeof schema === 'object') {
    for (const name of Object.keys(schema)) {
      if (sidecarOf.fields.includes(name)) {
        throw new ArgumentError(
          `schema.${name}`,
          `${basePath} already has a field "${name}"; a sidecar adds fields, so name it otherwise (the base's fields are ${sidecarOf.fields.map((field) => `"${field}"`).join(', ')})`,
        );
      }
    }
  }
  const counted = exactlyCounted(source, sidecarOf.numSamples, basePath);
  return writeDataset(sidecarPath, schema, counted, { ...options, [SIDECAR_OF_OPTION]: sidecarOf } as WriteOptions);
}

/**
 * The source, refused unless it has `numSamples` samples: checked up front when its length is
 * known, else as it is read (one sample too many, or the end too early, fails the write before the
 * file is committed).
 */
function exactlyCounted(source: DataSource, numSamples: number, basePath: string): DataSource {
  const mismatch = (count: string) =>
    new ArgumentError('source', `${basePath} has ${numSamples} samples and a sidecar has one value per base sample, but the source has ${count}`);
  if (Array.isArray(source)) {
    if (source.length !== numSamples) throw mismatch(String(source.length));
    return source;
  }
  if (source !== null && typeof source === 'object' && 'get' in source && typeof source.get === 'function') {
    const length = (source as IndexedSource).length;
    if (length !== numSamples) throw mismatch(String(length));
    return source;
  }
  if (source !== null && typeof source === 'object' && Symbol.asyncIterator in source) {
    return (async function* () {
      let count = 0;
      for await (const sample of source as AsyncIterable<SampleRecord>) {
        if (++count > numSamples) throw mismatch('more');
        yield sample;
      }
      if (count !== numSamples) throw mismatch(String(count));
    })();
  }
  if (source !== null && typeof source === 'object' && Symbol.iterator in source) {
    return (function* () {
      let count = 0;
      for (const sample of source as Iterable<SampleRecord>) {
        if (++count > numSamples) throw mismatch('more');
        yield sample;
      }
      if (count !== numSamples) throw mismatch(String(count));
    })();
  }
  return source; // writeDataset names what a source may be
}
