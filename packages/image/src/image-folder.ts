import { type Dirent, type Stats, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { ArgumentError, TesseraError, type WriteSummary, int64, writeDataset } from '@tessera/core';
import { ioError } from '@tessera/core/internals';
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
  /** Files skipped: not images by extension (notes.txt), hidden (.DS_Store), in ROOT itself, FIFOs, dangling links. */
  ignoredFiles: number;
  /** The first few skipped paths (at most 5), to show what `ignoredFiles` counts. */
  ignoredExamples: string[];
}

export interface ImageFolderProgress {
  phase: 'validating' | 'writing';
  /** images done in this phase */
  done: number;
  total: number;
  /** output payload bytes written so far (writing phase) */
  bytesWritten: number;
  /** files below ROOT that are not images and are left out (see ImageFolderListing.ignoredFiles) */
  ignoredFiles: number;
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
  /** files that are not images, left out (see ImageFolderListing.ignoredFiles) */
  ignoredFiles: number;
  ignoredExamples: string[];
}

/** How many skipped paths a listing names as examples (the count covers them all). */
const IGNORED_EXAMPLE_COUNT = 5;

/**
 * The classes and images of an ImageFolder-style directory. Hidden folders are not entered; every
 * other file that is not an image (by extension) is counted in `ignoredFiles`. A missing or
 * unreadable folder is E_IO (with the path and the operation); a folder without class subfolders,
 * or without a single image below them, is E_ARGUMENT saying what layout is expected.
 */
export function listImageFolder(root: string, extensions: readonly string[] = IMAGE_EXTENSIONS): ImageFolderListing {
  const absolute = resolve(root);
  let rootStats: Stats;
  try {
    // stat, never open: a FIFO given as the folder must not block.
    rootStats = statSync(absolute);
  } catch (error) {
    throw ioError(error, 'read the image folder', absolute);
  }
  if (!rootStats.isDirectory()) {
    throw new TesseraError('E_IO', `${absolute} is not a folder (${describeKind(rootStats)}); give the image folder: ROOT/<class>/<image files>`);
  }
  const wanted = new Set(extensions.map((extension) => extension.toLowerCase()));
  const ignored: IgnoredFiles = { count: 0, examples: [] };
  const classes: string[] = [];
  let rootImages = 0;
  for (const entry of readFolder(absolute)) {
    if (entry.kind === 'folder' && !entry.name.startsWith('.')) classes.push(entry.name);
    else if (entry.kind !== 'folder') {
      if (wanted.has(extname(entry.name).toLowerCase())) rootImages++;
      ignore(ignored, entry.path);
    }
  }
  classes.sort();
  if (classes.length === 0) {
    const found = rootImages > 0 ? `it holds ${plural(rootImages, 'image file')} directly` : ignored.count > 0 ? `it holds ${plural(ignored.count, 'file')} and no folders` : 'it is empty';
    throw new TesseraError(
      'E_ARGUMENT',
      `${absolute} has no class subfolders (${found}); expected ROOT/<class>/<image files>, one subfolder per class (labels are the sorted subfolder names): move the images into subfolders, e.g. ${join(absolute, 'all')}/`,
    );
  }
  const entries: ImageFolderEntry[] = [];
  classes.forEach((name, label) => {
    for (const path of walk(join(absolute, name), ignored)) {
      if (wanted.has(extname(path).toLowerCase())) entries.push({ path, label });
      else ignore(ignored, path);
    }
  });
  if (entries.length === 0) {
    throw new TesseraError(
      'E_ARGUMENT',
      `${absolute} has ${plural(classes.length, 'class subfolder')} but no image files below them (${plural(ignored.count, 'other file')} skipped${ignored.examples.length > 0 ? `, e.g. ${ignored.examples[0]}` : ''}); images are files ending in ${[...wanted].join(', ')}`,
    );
  }
  return { classes, entries, ignoredFiles: ignored.count, ignoredExamples: ignored.examples };
}

interface IgnoredFiles {
  count: number;
  examples: string[];
}

function ignore(ignored: IgnoredFiles, path: string): void {
  ignored.count++;
  if (ignored.examples.length < IGNORED_EXAMPLE_COUNT) ignored.examples.push(path);
}

interface FolderEntry {
  name: string;
  path: string;
  kind: 'folder' | 'file' | 'other';
}

/** The entries of a folder, sorted by name, links followed (a dangling link is an 'other' entry). */
function readFolder(directory: string): FolderEntry[] {
  let dirents: Dirent[];
  try {
    dirents = readdirSync(directory, { withFileTypes: true });
  } catch (error) {
    throw ioError(error, 'list the image folder', directory);
  }
  dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return dirents.map((dirent) => {
    const path = join(directory, dirent.name);
    if (!dirent.isSymbolicLink()) return { name: dirent.name, path, kind: dirent.isDirectory() ? 'folder' : dirent.isFile() ? 'file' : 'other' };
    let stats: Stats;
    try {
      stats = statSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { name: dirent.name, path, kind: 'other' };
      throw ioError(error, 'read', path);
    }
    return { name: dirent.name, path, kind: stats.isDirectory() ? 'folder' : stats.isFile() ? 'file' : 'other' };
  });
}

/** Every non-hidden regular file below `directory`, sorted; hidden files, FIFOs, sockets and dangling links are counted in `ignored`. */
function walk(directory: string, ignored: IgnoredFiles): string[] {
  const files: string[] = [];
  for (const entry of readFolder(directory)) {
    if (entry.kind === 'folder') {
      if (!entry.name.startsWith('.')) files.push(...walk(entry.path, ignored));
    } else if (entry.kind === 'file' && !entry.name.startsWith('.')) {
      files.push(entry.path);
    } else {
      ignore(ignored, entry.path);
    }
  }
  return files;
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

function describeKind(stats: Stats): string {
  if (stats.isFile()) return 'a file';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a folder';
}

/**
 * Builds a classification dataset from an ImageFolder directory (one subfolder per class): fields
 * `image` (rgbImage, or grayImage with channels: 1) and `label` (int64, the class index), images
 * decoded, shrunk and encoded in parallel worker threads.
 */
export async function buildImageFolderDataset(options: ImageFolderOptions): Promise<ImageFolderSummary> {
  const { root, output } = options;
  if (typeof root !== 'string' || typeof output !== 'string') throw new ArgumentError('options', 'buildImageFolderDataset needs { root, output } (two paths)');
  const fieldOptions: ImageFieldArguments = normalizeImageArguments({
    mode: options.mode,
    maxResolution: options.maxResolution,
    quality: options.quality,
    smartThreshold: options.smartThreshold,
    compressProbability: options.compressProbability,
  });
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw new ArgumentError('channels', `must be 1 or 3, got ${JSON.stringify(channels)}`);
  const onInvalid = options.onInvalid ?? 'error';
  if (onInvalid !== 'error' && onInvalid !== 'skip') throw new ArgumentError('onInvalid', `must be 'error' or 'skip', got ${JSON.stringify(onInvalid)}`);
  const listing = listImageFolder(root, options.extensions);
  const { ignoredFiles } = listing;
  let entries = listing.entries;
  const skipped: InvalidImage[] = [];
  if (onInvalid === 'skip') {
    const total = entries.length;
    let done = 0;
    const valid: ImageFolderEntry[] = [];
    options.onProgress?.({ phase: 'validating', done, total, bytesWritten: 0, ignoredFiles });
    const results = await mapConcurrent(entries, 8, async (entry) => {
      const error = await checkImage(entry.path, channels);
      done += 1;
      options.onProgress?.({ phase: 'validating', done, total, bytesWritten: 0, ignoredFiles });
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
  // The phase starts now (not at the first written sample), so its clock matches the writer's.
  options.onProgress?.({ phase: 'writing', done: 0, total: records.length, bytesWritten: 0, ignoredFiles });
  const summary = await writeDataset(output, schema, records, {
    workers: options.workers,
    pageSize: options.pageSize,
    chunkSize: options.chunkSize,
    signal: options.signal,
    info: { source: 'image-folder', classes: listing.classes },
    onProgress: (progress) => options.onProgress?.({ phase: 'writing', done: progress.samplesWritten, total: records.length, bytesWritten: progress.bytesWritten, ignoredFiles }),
  });
  return { ...summary, classes: listing.classes, numImages: listing.entries.length, skipped, ignoredFiles, ignoredExamples: listing.ignoredExamples };
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

