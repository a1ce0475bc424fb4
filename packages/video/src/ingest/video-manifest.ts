import { type ManifestFormat, manifestLabel, manifestPath, manifestRange, manifestString, readManifestRows } from '@tessera/core/internals';

/** One video (or a range of one) named by a manifest row. */
export interface VideoManifestEntry {
  /** Absolute path: a relative `path` is relative to the manifest's folder. */
  path: string;
  /** 1-based line of the manifest (the CSV record's first line). */
  line: number;
  /** Seconds into the video, when the row keeps a range of it: [start, end). */
  start?: number;
  end?: number;
  /** An integer label, or a class name (numbered in sorted order by buildVideoDataset). */
  label?: number | string;
  /** From `caption` or `text`. */
  caption?: string;
  /** `flow`: a .npy file of optical flow for the video (absolute; relative to the manifest's folder). */
  flow?: string;
}

export interface VideoManifest {
  /** The manifest, absolute. */
  path: string;
  format: ManifestFormat;
  entries: VideoManifestEntry[];
}

const PATH_KEYS = ['path', 'video', 'video_path'];
const CAPTION_KEYS = ['caption', 'text'];

/**
 * Reads a video manifest: `.jsonl` (one JSON object per line) or `.csv` (a header row). Columns:
 * `path` (or `video`, `video_path`; relative to the manifest's folder), optional `start` and `end`
 * (seconds: the range kept), `label` (an integer or a class name), `caption` (or `text`), `flow` (a
 * .npy file, for `field: 'flow'`); other columns (`duration`, …) are ignored. An unreadable manifest
 * is E_IO; a malformed row is E_ARGUMENT naming the file and line ("manifest: FILE:LINE …").
 */
export function readVideoManifest(file: string): VideoManifest {
  const { path, format, folder, rows } = readManifestRows(file);
  const entries = rows.map(({ record, line }): VideoManifestEntry => {
    const where = `${path}:${line}`;
    const entry: VideoManifestEntry = { path: manifestPath(record, PATH_KEYS, folder, where, 'video'), line, ...manifestRange(record, where) };
    const label = manifestLabel(record.label, where, format);
    if (label !== undefined) entry.label = label;
    const caption = manifestString(record, CAPTION_KEYS, where);
    if (caption !== undefined) entry.caption = caption;
    if (record.flow !== undefined && record.flow !== null) entry.flow = manifestPath(record, ['flow'], folder, where, 'flow (.npy)');
    return entry;
  });
  return { path, format, entries };
}
