import { type Dirent, type Stats, readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { TesseraError } from '@tessera/core';
import { ioError } from '@tessera/core/internals';
import { AUDIO_EXTENSIONS } from '../input/audio-input.js';

export interface AudioFolderEntry {
  /** Absolute path of the audio file. */
  path: string;
  /** The index of its class in `classes`. */
  label: number;
}

export interface AudioFolderListing {
  /** Class names (the subfolder names), sorted by code point; a file's label is its class's index. */
  classes: string[];
  /** Every audio file, by class then path (sorted). */
  entries: AudioFolderEntry[];
  /** Files left out: not audio by extension (notes.txt), hidden (.DS_Store), directly in the folder, FIFOs, dangling links. */
  ignoredFiles: number;
  /** The first few left-out paths (at most 5). */
  ignoredExamples: string[];
}

const IGNORED_EXAMPLE_COUNT = 5;

/**
 * The classes and audio files of a folder laid out as ROOT/<class>/<audio files> (files may sit in
 * nested folders below a class). Audio is recognised by extension: wav, wave, flac, mp3, ogg, opus,
 * m4a, aac, webm, aiff, aif (case-insensitive). Hidden files and folders are skipped. A missing folder
 * is E_IO; one without class subfolders or without audio below them is E_ARGUMENT saying the layout.
 */
export function listAudioFolder(root: string, extensions: readonly string[] = AUDIO_EXTENSIONS): AudioFolderListing {
  const absolute = resolve(root);
  let stats: Stats;
  try {
    stats = statSync(absolute);
  } catch (error) {
    throw ioError(error, 'read the audio folder', absolute);
  }
  if (!stats.isDirectory()) throw new TesseraError('E_IO', `${absolute} is not a folder; give the audio folder: ROOT/<class>/<audio files>`);
  const wanted = new Set(extensions.map((extension) => extension.replace(/^\./, '').toLowerCase()));
  const isAudio = (path: string) => wanted.has(extname(path).slice(1).toLowerCase());
  const ignored = { count: 0, examples: [] as string[] };
  const ignore = (path: string) => {
    ignored.count++;
    if (ignored.examples.length < IGNORED_EXAMPLE_COUNT) ignored.examples.push(path);
  };
  const classes: string[] = [];
  let rootAudio = 0;
  for (const entry of readFolder(absolute)) {
    if (entry.kind === 'folder') {
      if (!entry.name.startsWith('.')) classes.push(entry.name);
    } else {
      if (isAudio(entry.path)) rootAudio++;
      ignore(entry.path);
    }
  }
  classes.sort(byCodePoint);
  if (classes.length === 0) {
    const found = rootAudio > 0 ? `it holds ${plural(rootAudio, 'audio file')} directly` : ignored.count > 0 ? `it holds ${plural(ignored.count, 'file')} and no folders` : 'it is empty';
    throw new TesseraError(
      'E_ARGUMENT',
      `${absolute} has no class subfolders (${found}); expected ROOT/<class>/<audio files>, one subfolder per class (labels are the sorted subfolder names), or use a manifest (.jsonl/.csv with a path column)`,
    );
  }
  const entries: AudioFolderEntry[] = [];
  classes.forEach((name, label) => {
    for (const path of walk(join(absolute, name), ignore)) {
      if (isAudio(path)) entries.push({ path, label });
      else ignore(path);
    }
  });
  if (entries.length === 0) {
    throw new TesseraError(
      'E_ARGUMENT',
      `${absolute} has ${plural(classes.length, 'class subfolder')} but no audio files below them (${plural(ignored.count, 'other file')} skipped${ignored.examples.length > 0 ? `, e.g. ${ignored.examples[0]}` : ''}); audio files end in ${[...wanted].map((extension) => `.${extension}`).join(', ')}`,
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
    throw ioError(error, 'list the audio folder', directory);
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
