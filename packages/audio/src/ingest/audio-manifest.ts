import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { ArgumentError } from '@tessera/core';
import { ioError } from '@tessera/core/internals';
import { parseCsv } from './csv-rows.js';

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
  format: 'jsonl' | 'csv';
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
  const path = resolve(file);
  const extension = extname(path).toLowerCase();
  const format = extension === '.csv' ? 'csv' : extension === '.jsonl' || extension === '.ndjson' ? 'jsonl' : undefined;
  if (format === undefined) throw new ArgumentError('manifest', `${path}: a manifest is a .jsonl or .csv file, got ${extension === '' ? 'no extension' : extension}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(path));
  } catch (error) {
    if (error instanceof TypeError) throw new ArgumentError('manifest', `${path} is not UTF-8 text`);
    throw ioError(error, 'read the manifest', path);
  }
  const folder = dirname(path);
  const rows = format === 'jsonl' ? jsonRows(text, path) : csvRows(text, path);
  const entries = rows.map(({ record, line }) => entryOf(record, line, path, folder, format));
  return { path, format, entries };
}

type Row = { record: Record<string, unknown>; line: number };

function jsonRows(text: string, path: string): Row[] {
  const rows: Row[] = [];
  const lines = text.split('\n');
  lines.forEach((content, index) => {
    const trimmed = content.trim();
    if (trimmed.length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      throw new ArgumentError('manifest', `${path}:${index + 1} is not JSON (${(error as Error).message})`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ArgumentError('manifest', `${path}:${index + 1} is not a JSON object ({"path": ...})`);
    rows.push({ record: value as Record<string, unknown>, line: index + 1 });
  });
  return rows;
}

function csvRows(text: string, path: string): Row[] {
  const parsed = parseCsv(text);
  if (!Array.isArray(parsed)) throw new ArgumentError('manifest', `${path}:${parsed.line}: malformed CSV: ${parsed.problem}`);
  const [header, ...records] = parsed;
  if (header === undefined) return [];
  const columns = header.cells.map((cell) => cell.trim());
  return records.map(({ cells, line }) => {
    if (cells.length !== columns.length) throw new ArgumentError('manifest', `${path}:${line} has ${cells.length} cells, the header has ${columns.length} (${columns.join(', ')})`);
    const record: Record<string, unknown> = {};
    columns.forEach((column, index) => {
      // An empty CSV cell is an absent value (no crop, no label).
      if (cells[index] !== '') record[column] = cells[index];
    });
    return { record, line };
  });
}

function entryOf(record: Record<string, unknown>, line: number, manifest: string, folder: string, format: 'jsonl' | 'csv'): AudioManifestEntry {
  const where = `${manifest}:${line}`;
  const pathKey = PATH_KEYS.find((key) => record[key] !== undefined);
  const rawPath = pathKey === undefined ? undefined : record[pathKey];
  if (typeof rawPath !== 'string' || rawPath.length === 0) {
    throw new ArgumentError('manifest', `${where} has no "path" (a string: the audio file, relative to the manifest's folder); it has ${Object.keys(record).join(', ') || 'no columns'}`);
  }
  const entry: AudioManifestEntry = { path: isAbsolute(rawPath) ? rawPath : resolve(folder, rawPath), line };
  const start = seconds(record.start, 'start', where);
  const end = seconds(record.end, 'end', where);
  if (start !== undefined) entry.start = start;
  if (end !== undefined) entry.end = end;
  if (end !== undefined && end < (start ?? 0)) throw new ArgumentError('manifest', `${where}: end ${end} is before start ${start ?? 0}`);
  const textKey = TEXT_KEYS.find((key) => record[key] !== undefined && record[key] !== null);
  if (textKey !== undefined) {
    const value = record[textKey];
    if (typeof value !== 'string') throw new ArgumentError('manifest', `${where}: "${textKey}" must be a string, got ${JSON.stringify(value)}`);
    entry.text = value;
  }
  if (record.label !== undefined && record.label !== null) entry.label = label(record.label, where, format);
  if (record.speaker !== undefined && record.speaker !== null) {
    const speaker = record.speaker;
    if (typeof speaker !== 'string' && typeof speaker !== 'number') throw new ArgumentError('manifest', `${where}: "speaker" must be a string or a number, got ${JSON.stringify(speaker)}`);
    entry.speaker = String(speaker);
  }
  return entry;
}

function seconds(value: unknown, name: string, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'string' ? Number(value.trim()) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0 || (typeof value === 'string' && value.trim() === '')) {
    throw new ArgumentError('manifest', `${where}: "${name}" must be a non-negative number of seconds, got ${JSON.stringify(value)}`);
  }
  return number;
}

/** JSON: an integer or a string (a class name). CSV: an integer cell is an integer, anything else a class name. */
function label(value: unknown, where: string, format: 'jsonl' | 'csv'): number | string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new ArgumentError('manifest', `${where}: "label" must be an integer or a class name, got ${value}`);
    return value;
  }
  if (typeof value === 'string') {
    if (format === 'csv' && /^-?\d+$/.test(value.trim()) && Number.isSafeInteger(Number(value))) return Number(value);
    return value;
  }
  throw new ArgumentError('manifest', `${where}: "label" must be an integer or a class name, got ${JSON.stringify(value)}`);
}
