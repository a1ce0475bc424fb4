import { ArgumentError } from '@tessera/core';
import { type ManifestFormat, manifestLabel, manifestPath, manifestRange, manifestString, readManifestRows } from '@tessera/core/internals';

/** One clip named by a manifest. */
export interface AudioManifestEntry {
  /** Absolute path: a relative `path` is relative to the manifest's folder. */
  path: string;
  /** 1-based line of the manifest (the CSV record's first line). */
  line: number;
  /** Seconds into the file, when the row crops it. */
  start?: number;
  end?: number;
  /** From `text` or `transcript`. */
  text?: string;
  /** An integer label, or a class name (mapped to its index in the sorted class names by buildAudioDataset). */
  label?: number | string;
  speaker?: string;
}

export interface AudioManifest {
  path: string;
  format: ManifestFormat;
  entries: AudioManifestEntry[];
}

/** The column names read (others, `duration` among them, are ignored). `audio_filepath` is NeMo's name for `path`. */
const PATH_KEYS = ['path', 'audio_filepath'];
const TEXT_KEYS = ['text', 'transcript'];

/**
 * Reads a manifest in the lhotse / Hugging Face shape: `.jsonl` (one JSON object per line) or `.csv`
 * (a header row). Columns: `path` (or `audio_filepath`; relative to the manifest's folder), optional
 * `start` and `end` (seconds), `text` or `transcript`, `label` (an integer or a class name), `speaker`;
 * `duration` and any other column are ignored. An unreadable manifest is E_IO; a malformed line is
 * E_ARGUMENT naming the file and line.
 */
export function readAudioManifest(file: string): AudioManifest {
  const { path, format, folder, rows } = readManifestRows(file);
  const entries = rows.map(({ record, line }): AudioManifestEntry => {
    const where = `${path}:${line}`;
    const entry: AudioManifestEntry = { path: manifestPath(record, PATH_KEYS, folder, where, 'audio'), line, ...manifestRange(record, where) };
    const text = manifestString(record, TEXT_KEYS, where);
    if (text !== undefined) entry.text = text;
    const label = manifestLabel(record.label, where, format);
    if (label !== undefined) entry.label = label;
    if (record.speaker !== undefined && record.speaker !== null) {
      const speaker = record.speaker;
      if (typeof speaker !== 'string' && typeof speaker !== 'number') throw new ArgumentError('manifest', `${where}: "speaker" must be a string or a number, got ${JSON.stringify(speaker)}`);
      entry.speaker = String(speaker);
    }
    return entry;
  });
  return { path, format, entries };
}
