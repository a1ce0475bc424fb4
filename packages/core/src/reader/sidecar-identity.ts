import { basename } from 'node:path';
import { SidecarError } from '../errors.js';
import { fileDigest } from '../loader/loader-state.js';
import type { SidecarBase } from '../spec/extension-block.js';
import type { Dataset } from './open-dataset.js';

/**
 * A base file's identity as a sidecar records it (see SidecarBase). Cheap: for Tessera files the
 * digest hashes the checksums already in the extension block (no data is read); for files without
 * them (FFCV-written) it hashes the header, descriptors, metadata table and allocation table — so a
 * rewrite of an FFCV base that changes only the bytes of out-of-line values, every size kept, goes
 * unnoticed there (inline values such as labels, and any size, are covered).
 */
export function sidecarBaseOf(base: Dataset): SidecarBase {
  return {
    fileName: basename(base.path),
    numSamples: base.numSamples,
    fields: base.fields.filter((field) => field.sidecar === undefined).map((field) => field.name),
    digest: fileDigest(base).digest,
    digestOf: base.extension?.checksums === undefined ? 'tables' : 'checksums',
  };
}

/**
 * E_SIDECAR_MISMATCH (a SidecarError naming both files and what differs) unless `sidecar` was
 * written by `writeSidecar` for this very `base`: same sample count, same field names, same content
 * digest.
 */
export function checkSidecarBase(base: Dataset, sidecar: Dataset): void {
  const recorded = sidecar.extension?.sidecarOf;
  const names = { path: sidecar.path, basePath: base.path };
  if (recorded === undefined || recorded === null || typeof recorded !== 'object') {
    throw new SidecarError(
      `${sidecar.path} is not a sidecar file: it records no base file (it was written by writeDataset${sidecar.extension === undefined ? ' without an extension block, or by FFCV' : ''}), so nothing says its samples are ${base.path}'s; write it with writeSidecar(base, sidecar, …)`,
      { ...names, property: 'sidecar' },
    );
  }
  const actual = sidecarBaseOf(base);
  const made = `${sidecar.path} was written for ${recorded.fileName === basename(base.path) ? 'a version of the base' : `the base ${recorded.fileName}`}`;
  const fix = `open it with the base it was made for, or write the sidecar again from ${base.path} with writeSidecar`;
  if (recorded.numSamples !== actual.numSamples) {
    throw new SidecarError(`${made} with ${recorded.numSamples} samples, but ${base.path} has ${actual.numSamples}; ${fix}`, {
      ...names,
      property: 'numSamples',
      expected: String(recorded.numSamples),
      actual: String(actual.numSamples),
    });
  }
  const expectedFields = Array.isArray(recorded.fields) ? recorded.fields.map(String) : [];
  if (expectedFields.join('\0') !== actual.fields.join('\0')) {
    const list = (fields: readonly string[]) => fields.map((name) => `"${name}"`).join(', ');
    throw new SidecarError(`${made} with fields ${list(expectedFields)}, but ${base.path} has ${list(actual.fields)}; ${fix}`, {
      ...names,
      property: 'fields',
      expected: expectedFields.join(','),
      actual: actual.fields.join(','),
    });
  }
  if (recorded.digest !== actual.digest) {
    throw new SidecarError(
      `${made} whose content differs from ${base.path} (same ${actual.numSamples} samples and fields, but content digest ${recorded.digest} when the sidecar was written, ${actual.digest} now): the base was rewritten since, or the sidecar belongs to another file of the same shape; its values would be joined to the wrong samples. ${fix[0]!.toUpperCase()}${fix.slice(1)}`,
      { ...names, property: 'content', expected: recorded.digest, actual: actual.digest },
    );
  }
}
