import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ArgumentError, TesseraError } from '../errors.js';
import { isRemoteLocation } from '../io/byte-source.js';
import { checkKnownOptions } from '../util/check-options.js';

/**
 * How much of a stream one epoch of a mixing loader visits (see `MixOptions` in the loader):
 * exactly one of `proportion`, `repeat` or `choose`.
 * - `proportion: p`: p × the mixture's `samplesPerEpoch`; the proportions of all streams must sum
 *   to 1 (they are absolute fractions of each epoch, never renormalized).
 * - `repeat: r`: r × the stream's sample count (0.5: half of it, 2: every sample twice).
 * - `choose: n`: n samples.
 * A stream visits its samples in whole passes (every sample once per pass) and the rest as a
 * seeded choice without replacement that changes from epoch to epoch.
 */
export interface StreamWeight {
  proportion?: number;
  repeat?: number;
  choose?: number;
}

/** One stream of a manifest: files read one after another as one stream of samples. */
export interface DatasetStreamSpec extends StreamWeight {
  /** A name for messages and `dataset.streams` (default `stream-<index>`). */
  name?: string;
  /** `.beton` files (paths or URLs), in order. */
  files: readonly string[];
}

/**
 * A dataset of several files: `{ files }` (one stream: the files end to end, like their merge) or
 * `{ streams }` (each a list of files, with optional weights for a mixing loader). As a JSON file
 * (`openDataset('train.json')`), relative paths are relative to the manifest's folder.
 */
export interface DatasetManifest {
  files?: readonly string[];
  streams?: readonly DatasetStreamSpec[];
  /** Samples per epoch of a mixing loader when streams have `proportion` weights (default: the sum of the streams' sample counts). */
  samplesPerEpoch?: number;
}

/** What `openDataset` accepts besides one path: several files, a manifest object, or a manifest file (`*.json`). */
export type DatasetSource = string | readonly string[] | DatasetManifest;

export interface ResolvedStreamSpec extends StreamWeight {
  name: string;
  files: string[];
}

export interface ResolvedManifest {
  /** the manifest file, when read from one */
  manifestPath: string | undefined;
  streams: ResolvedStreamSpec[];
  samplesPerEpoch: number | undefined;
}

const MANIFEST_KEYS = ['files', 'streams', 'samplesPerEpoch'] as const;
const STREAM_KEYS = ['name', 'files', 'proportion', 'repeat', 'choose'] as const;

/** Whether `openDataset` reads this string as a manifest file rather than a `.beton`. */
export function isManifestPath(path: string): boolean {
  return path.toLowerCase().endsWith('.json') && !isRemoteLocation(path);
}

/** Reads and checks a manifest file (E_MANIFEST for what is not a manifest, naming the file). */
export function readManifestFile(path: string): ResolvedManifest {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ArgumentError('path', `cannot read the dataset manifest ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TesseraError('E_MANIFEST', `${path} is not a dataset manifest: not JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TesseraError('E_MANIFEST', `${path} is not a dataset manifest: expected an object { files } or { streams }, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }
  return resolveManifest(value as DatasetManifest, path);
}

/** Checks a manifest (object or file content); paths of a file's manifest become relative to its folder. */
export function resolveManifest(manifest: DatasetManifest, manifestPath?: string): ResolvedManifest {
  const where = manifestPath === undefined ? 'dataset manifest' : `dataset manifest ${manifestPath}`;
  const fail = (message: string) => (manifestPath === undefined ? new ArgumentError('path', `${where}: ${message}`) : new TesseraError('E_MANIFEST', `${where}: ${message}`));
  checkKnownOptions(where, manifest as Record<string, unknown>, MANIFEST_KEYS, { file: 'files', stream: 'streams', datasets: 'streams' });
  if ((manifest.files === undefined) === (manifest.streams === undefined)) throw fail('give exactly one of `files` (one stream) or `streams`');
  const base = manifestPath === undefined ? undefined : dirname(manifestPath);
  const located = (file: unknown, at: string): string => {
    if (typeof file !== 'string' || file.length === 0) throw fail(`${at} must be a file path or URL, got ${JSON.stringify(file)}`);
    if (base === undefined || isRemoteLocation(file) || isAbsolute(file)) return file;
    return resolve(base, file);
  };
  const filesOf = (files: unknown, at: string): string[] => {
    if (!Array.isArray(files) || files.length === 0) throw fail(`${at} must be a non-empty array of file paths, got ${JSON.stringify(files)}`);
    return files.map((file, index) => located(file, `${at}[${index}]`));
  };
  let streams: ResolvedStreamSpec[];
  if (manifest.files !== undefined) {
    streams = [{ name: 'stream-0', files: filesOf(manifest.files, 'files') }];
  } else {
    if (!Array.isArray(manifest.streams) || manifest.streams.length === 0) throw fail(`streams must be a non-empty array of { files, … }, got ${JSON.stringify(manifest.streams)}`);
    const names = new Set<string>();
    streams = manifest.streams.map((stream, index) => {
      const at = `streams[${index}]`;
      if (stream === null || typeof stream !== 'object' || Array.isArray(stream)) throw fail(`${at} must be an object { files, name?, proportion | repeat | choose }, got ${JSON.stringify(stream)}`);
      checkKnownOptions(`${where} ${at}`, stream as unknown as Record<string, unknown>, STREAM_KEYS, { weight: 'proportion', path: 'files', paths: 'files' });
      const name = stream.name ?? `stream-${index}`;
      if (typeof name !== 'string' || name.length === 0) throw fail(`${at}.name must be a non-empty string, got ${JSON.stringify(stream.name)}`);
      if (names.has(name)) throw fail(`${at}.name "${name}" names two streams; give each stream its own name`);
      names.add(name);
      const resolved: ResolvedStreamSpec = { name, files: filesOf(stream.files, `${at}.files`) };
      for (const key of ['proportion', 'repeat', 'choose'] as const) if (stream[key] !== undefined) resolved[key] = stream[key];
      return resolved;
    });
  }
  const { samplesPerEpoch } = manifest;
  if (samplesPerEpoch !== undefined && (!Number.isSafeInteger(samplesPerEpoch) || samplesPerEpoch < 1)) throw fail(`samplesPerEpoch must be a positive integer, got ${JSON.stringify(samplesPerEpoch)}`);
  return { manifestPath, streams, samplesPerEpoch };
}

/** `openDataset`'s first argument as a manifest, or undefined for one `.beton` path or URL. */
export function manifestOf(source: DatasetSource): ResolvedManifest | undefined {
  if (typeof source === 'string') return isManifestPath(source) ? readManifestFile(source) : undefined;
  if (Array.isArray(source)) return resolveManifest({ files: source as readonly string[] });
  if (source !== null && typeof source === 'object') return resolveManifest(source as DatasetManifest);
  throw new ArgumentError('path', `expected a file path, an array of paths or a dataset manifest, got ${source === null ? 'null' : typeof source}`);
}
