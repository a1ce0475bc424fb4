import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { type WriteSummary, int64, writeDataset } from '@tessera/core';
import { type ImageFieldArguments, type ImageWriteMode, normalizeImageArguments } from './image-arguments.js';
import { grayImage, rgbImage } from './image-plugin.js';
import { JPEG_DCT_SCALING, jpegBackend } from './jpeg-backend.js';
import { loadSharp } from './sharp-binding.js';

/** File extensions taken as images (lower case), as torchvision's ImageFolder's IMG_EXTENSIONS plus AVIF/HEIF/GIF. */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp', '.gif', '.avif', '.heic', '.heif'];

export interface ImageFolderEntry {
  path: string;
  label: number;
}

export interface ImageFolderListing {
  /** Class names (the subfolder names), sorted; a sample's label is its class's index here. */
  classes: string[];
  /** Every image, by class then file name (sorted), as torchvision's ImageFolder orders them. */
  entries: ImageFolderEntry[];
}

export interface ImageFolderProgress {
  phase: 'validating' | 'writing';
  /** images done in this phase */
  done: number;
  total: number;
  /** output payload bytes written so far (writing phase) */
  bytesWritten: number;
}

export interface InvalidImage {
  path: string;
  label: number;
  /** why it could not be decoded */
  error: string;
}

export interface ImageFolderOptions {
  /** The folder: one subfolder per class, images anywhere below each (hidden files and folders skipped). */
  root: string;
  /** The .beton file to write. */
  output: string;
  /** Longest stored side in pixels (larger images are shrunk). Default: no limit. */
  maxResolution?: number;
  /** JPEG quality 1–100. Default 90. */
  quality?: number;
  /** Write mode (see ImageFieldArguments). Default 'jpg'. */
  mode?: ImageWriteMode;
  smartThreshold?: number;
  compressProbability?: number;
  /** 1 stores single-channel images (`grayImage`, type 255); 3 (default) FFCV's RGB field. */
  channels?: 1 | 3;
  /** Encoder worker threads (default: cores, at most 4). */
  workers?: number;
  /** File extensions taken as images (default IMAGE_EXTENSIONS). */
  extensions?: readonly string[];
  /**
   * What an unreadable or corrupt image does: 'error' (default) fails the write with E_ENCODE naming
   * the file and sample, leaving no output; 'skip' checks every image first (a full decode of each,
   * done in parallel: about a third more time), leaves the bad ones out and lists them in `skipped`.
   */
  onInvalid?: 'error' | 'skip';
  /** Field names. Default 'image' and 'label'. */
  imageField?: string;
  labelField?: string;
  /** Passed to writeDataset. */
  pageSize?: number | 'auto';
  chunkSize?: number;
  signal?: AbortSignal;
  onProgress?: (progress: ImageFolderProgress) => void;
}

export interface ImageFolderSummary extends WriteSummary {
  classes: string[];
  /** images found */
  numImages: number;
  /** images left out (onInvalid: 'skip') */
  skipped: InvalidImage[];
}

/** The classes and images of an ImageFolder-style directory. */
export function listImageFolder(root: string, extensions: readonly string[] = IMAGE_EXTENSIONS): ImageFolderListing {
  const absolute = resolve(root);
  let names: string[];
  try {
    names = readdirSync(absolute);
  } catch (error) {
    throw new Error(`cannot list ${absolute}: ${(error as Error).message}`);
  }
  const wanted = new Set(extensions.map((extension) => extension.toLowerCase()));
  const classes = names.filter((name) => !name.startsWith('.') && statSync(join(absolute, name)).isDirectory()).sort();
  if (classes.length === 0) throw new Error(`${absolute} has no class subfolders; expected ROOT/<class>/<image files>`);
  const entries: ImageFolderEntry[] = [];
  classes.forEach((name, label) => {
    for (const path of walk(join(absolute, name))) if (wanted.has(extname(path).toLowerCase())) entries.push({ path, label });
  });
  return { classes, entries };
}

function walk(directory: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(directory).sort()) {
    if (name.startsWith('.')) continue;
    const path = join(directory, name);
    const stat = statSync(path);
    if (stat.isDirectory()) files.push(...walk(path));
    else if (stat.isFile()) files.push(path);
  }
  return files;
}

/**
 * Builds a classification dataset from an ImageFolder directory (one subfolder per class): fields
 * `image` (rgbImage, or grayImage with channels: 1) and `label` (int64, the class index), images
 * decoded, shrunk and encoded in parallel worker threads.
 */
export async function buildImageFolderDataset(options: ImageFolderOptions): Promise<ImageFolderSummary> {
  const { root, output } = options;
  if (typeof root !== 'string' || typeof output !== 'string') throw new TypeError('buildImageFolderDataset needs { root, output }');
  const fieldOptions: ImageFieldArguments = normalizeImageArguments({
    mode: options.mode,
    maxResolution: options.maxResolution,
    quality: options.quality,
    smartThreshold: options.smartThreshold,
    compressProbability: options.compressProbability,
  });
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw new RangeError(`channels must be 1 or 3, got ${JSON.stringify(channels)}`);
  const onInvalid = options.onInvalid ?? 'error';
  if (onInvalid !== 'error' && onInvalid !== 'skip') throw new TypeError(`onInvalid must be 'error' or 'skip', got ${JSON.stringify(onInvalid)}`);
  const listing = listImageFolder(root, options.extensions);
  let entries = listing.entries;
  const skipped: InvalidImage[] = [];
  if (onInvalid === 'skip') {
    const total = entries.length;
    let done = 0;
    const valid: ImageFolderEntry[] = [];
    const results = await mapConcurrent(entries, 8, async (entry) => {
      const error = await checkImage(entry.path, channels);
      done += 1;
      options.onProgress?.({ phase: 'validating', done, total, bytesWritten: 0 });
      return error;
    });
    entries.forEach((entry, index) => {
      const error = results[index];
      if (error === undefined) valid.push(entry);
      else skipped.push({ path: entry.path, label: entry.label, error });
    });
    entries = valid;
  }
  const imageField = options.imageField ?? 'image';
  const labelField = options.labelField ?? 'label';
  const schema = { [imageField]: channels === 1 ? grayImage(fieldOptions) : rgbImage(fieldOptions), [labelField]: int64() };
  const records = entries.map((entry) => ({ [imageField]: entry.path, [labelField]: entry.label }));
  const summary = await writeDataset(output, schema, records, {
    workers: options.workers,
    pageSize: options.pageSize,
    chunkSize: options.chunkSize,
    signal: options.signal,
    info: { source: 'image-folder', classes: listing.classes },
    onProgress: (progress) => options.onProgress?.({ phase: 'writing', done: progress.samplesWritten, total: records.length, bytesWritten: progress.bytesWritten }),
  });
  return { ...summary, classes: listing.classes, numImages: listing.entries.length, skipped };
}

/** undefined when the image decodes fully; otherwise why not. */
async function checkImage(path: string, channels: 1 | 3): Promise<string | undefined> {
  try {
    const bytes = readFileSync(path);
    const backend = jpegBackend();
    if (bytes[0] === 0xff && bytes[1] === 0xd8 && backend.name === 'native') {
      const header = backend.readHeader(bytes);
      if (header !== undefined && header.precision === 8 && header.colorspace <= 2) {
        // 1/8 DCT scaling: every coefficient is entropy-decoded (what corruption breaks), little else is done.
        const width = Math.max(1, Math.ceil(header.width / 8));
        const height = Math.max(1, Math.ceil(header.height / 8));
        backend.decode(bytes, channels, 0, 0, header.width, header.height, new Uint8Array(width * height * channels), width, height, JPEG_DCT_SCALING);
        return undefined;
      }
    }
    const sharp = await loadSharp();
    await sharp(bytes, { pages: 1, failOn: 'warning' }).raw().toBuffer();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.split('\n')[0] : String(error);
  }
}

async function mapConcurrent<T, R>(items: readonly T[], concurrency: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}

