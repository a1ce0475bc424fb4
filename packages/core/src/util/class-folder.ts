import { type Dirent, type Stats, readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { TesseraError } from '../errors.js';
import { ioError } from './io-error.js';

export interface ClassFolderEntry {
  /** Absolute path of the file. */
  path: string;
  /** The index of its class in `classes`. */
  label: number;
}

export interface ClassFolderListing {
  /** Class names (the subfolder names), sorted by code point; a file's label is its class's index. */
  classes: string[];
  /** Every media file, by class then path (sorted). */
  entries: ClassFolderEntry[];
  /** Files left out: another extension (notes.txt), hidden (.DS_Store), directly in the folder, FIFOs, dangling links. */
  ignoredFiles: number;
  /** The first few left-out paths (at most 5). */
  ignoredExamples: string[];
}

export interface ClassFolderOptions {
  /** The extensions of the files listed (without or with the dot, any case): ['wav', 'flac']. */
  extensions: readonly string[];
  /** What the files are, in messages: 'audio' → "the audio folder", "no audio files". */
  noun: string;
}

const IGNORED_EXAMPLE_COUNT = 5;

/**
 * The classes and media files of a folder laid out as ROOT/<class>/<files> (files may sit in nested
 * folders below a class), recognised by extension (case-insensitive). Hidden files and folders are
 * skipped. A missing folder is E_IO; one without class subfolders or without matching files below
 * them is E_ARGUMENT saying the layout. Used by @tessera/audio's listAudioFolder and
 * @tessera/video's listVideoFolder.
 */
export function listClassFolder(root: string, options: ClassFolderOptions): ClassFolderListing {
  const { extensions, noun } = options;
  const absolute = resolve(root);
  let stats: Stats;
  try {
    stats = statSync(absolute);
  } catch (error) {
    throw ioError(error, `read the ${noun} folder`, absolute);
  }
  if (!stats.isDirectory()) throw new TesseraError('E_IO', `${absolute} is not a folder; give the ${noun} folder: ROOT/<class>/<${noun} files>`);
  const wanted = new Set(extensions.map((extension) => extension.replace(/^\./, '').toLowerCase()));
  const isWanted = (path: string) => wanted.has(extname(path).slice(1).toLowerCase());
  const ignored = { count: 0, examples: [] as string[] };
  const ignore = (path: string) => {
    ignored.count++;
    if (ignored.examples.length < IGNORED_EXAMPLE_COUNT) ignored.examples.push(path);
  };
  const classes: string[] = [];
  let rootFiles = 0;
  for (const entry of readFolder(absolute)) {
    if (entry.kind === 'folder') {
      if (!entry.name.startsWith('.')) classes.push(entry.name);
    } else {
      if (isWanted(entry.path)) rootFiles++;
      ignore(entry.path);
    }
  }
  classes.sort(byCodePoint);
  if (classes.length === 0) {
    const found = rootFiles > 0 ? `it holds ${plural(rootFiles, `${noun} file`)} directly` : ignored.count > 0 ? `it holds ${plural(ignored.count, 'file')} and no folders` : 'it is empty';
    throw new TesseraError(
      'E_ARGUMENT',
      `${absolute} has no class subfolders (${found}); expected ROOT/<class>/<${noun} files>, one subfolder per class (labels are the sorted subfolder names), or use a manifest (.jsonl/.csv with a path column)`,
    );
  }
  const entries: ClassFolderEntry[] = [];
  classes.forEach((name, label) => {
    for (const path of walk(join(absolute, name), ignore)) {
      if (isWanted(path)) entries.push({ path, label });
      else ignore(path);
    }
  });
  if (entries.length === 0) {
    throw new TesseraError(
      'E_ARGUMENT',
      `${absolute} has ${plural(classes.length, 'class subfolder')} but no ${noun} files below them (${plural(ignored.count, 'other file')} skipped${ignored.examples.length > 0 ? `, e.g. ${ignored.examples[0]}` : ''}); ${noun} files end in ${[...wanted].map((extension) => `.${extension}`).join(', ')}`,
    );
  }
  return { classes, entries, ignoredFiles: ignored.count, ignoredExamples: ignored.examples };
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

interface FolderEntry {
  name: string;
  path: string;
  kind: 'folder' | 'file' | 'other';
}

/** A folder's entries sorted by name, symbolic links followed (a dangling link is 'other'). */
function readFolder(directory: string): FolderEntry[] {
  let dirents: Dirent[];
  try {
    dirents = readdirSync(directory, { withFileTypes: true });
  } catch (error) {
    throw ioError(error, 'list the folder', directory);
  }
  dirents.sort((a, b) => byCodePoint(a.name, b.name));
  return dirents.map((dirent): FolderEntry => {
    const path = join(directory, dirent.name);
    if (!dirent.isSymbolicLink()) return { name: dirent.name, path, kind: dirent.isDirectory() ? 'folder' : dirent.isFile() ? 'file' : 'other' };
    try {
      const stats = statSync(path);
      return { name: dirent.name, path, kind: stats.isDirectory() ? 'folder' : stats.isFile() ? 'file' : 'other' };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { name: dirent.name, path, kind: 'other' };
      throw ioError(error, 'read', path);
    }
  });
}

function walk(directory: string, ignore: (path: string) => void): string[] {
  const files: string[] = [];
  for (const entry of readFolder(directory)) {
    if (entry.name.startsWith('.')) {
      if (entry.kind !== 'folder') ignore(entry.path);
    } else if (entry.kind === 'folder') files.push(...walk(entry.path, ignore));
    else if (entry.kind === 'file') files.push(entry.path);
    else ignore(entry.path);
  }
  return files;
}
