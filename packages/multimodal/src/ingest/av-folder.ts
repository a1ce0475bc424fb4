import { readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { ioError } from '@tessera/core/internals';

/** Sidecar subtitle extensions, in the order they are looked for beside a container. */
export const SUBTITLE_EXTENSIONS: readonly string[] = ['srt', 'vtt'];

/** One container of an A/V folder with its sidecar subtitles. */
export interface AvFolderEntry {
  /** The container, absolute. */
  path: string;
  /** The same-named .srt (or else .vtt) beside it, absolute; null when there is none. */
  subtitles: string | null;
}

export interface AvFolderListing {
  /** The folder, absolute. */
  folder: string;
  /** Its containers, sorted by file name (code point order). */
  entries: AvFolderEntry[];
  /** Files that are neither containers nor the sidecar of one (hidden files included), left out. */
  ignoredFiles: number;
}

/**
 * The containers directly in `folder` (not in subfolders), recognised by extension
 * (`videoExtensions`, case-insensitive), each with the sidecar `<name>.srt` or `<name>.vtt` beside
 * it when one exists (.srt first). A missing folder is E_IO.
 */
export function listAvFolder(folder: string, videoExtensions: readonly string[]): AvFolderListing {
  const root = resolve(folder);
  let names: string[];
  try {
    if (!statSync(root).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR', syscall: 'stat' });
    names = readdirSync(root);
  } catch (error) {
    throw ioError(error, 'list the A/V folder', root);
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const video = new Set(videoExtensions.map((extension) => extension.toLowerCase()));
  const entries: AvFolderEntry[] = [];
  const sidecars = new Set<string>();
  let files = 0;
  for (const name of names) {
    const path = join(root, name);
    if (!statSync(path).isFile()) continue;
    files++;
    const extension = extname(name).slice(1).toLowerCase();
    if (name.startsWith('.') || !video.has(extension)) continue;
    const subtitles = sidecarOf(path);
    if (subtitles !== null) sidecars.add(subtitles);
    entries.push({ path, subtitles });
  }
  const ignoredFiles = files - entries.length - sidecars.size;
  return { folder: root, entries, ignoredFiles };
}

/** The same-named .srt (or else .vtt) file beside a container, or null when there is none. */
export function sidecarOf(path: string): string | null {
  const stem = path.slice(0, path.length - extname(path).length);
  for (const extension of SUBTITLE_EXTENSIONS) {
    const candidate = `${stem}.${extension}`;
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // No sidecar of this kind.
    }
  }
  return null;
}
