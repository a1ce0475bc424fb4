import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { ArgumentError } from '../errors.js';
import { parseCsv } from './csv-rows.js';
import { ioError } from './io-error.js';

/**
 * The modality-free half of a media manifest (lhotse / Hugging Face shape): one record per line of
 * a `.jsonl` file or per row of a `.csv` file with a header, each with its 1-based line, and the
 * checks every modality shares (a path relative to the manifest, seconds, labels). @tessera/audio's
 * readAudioManifest and @tessera/video's readVideoManifest add their own columns on top.
 */
export type ManifestFormat = 'jsonl' | 'csv';

export interface ManifestRow {
  /** The row's columns: JSON values (.jsonl) or non-empty strings (.csv: an empty cell is absent). */
  record: Record<string, unknown>;
  /** 1-based line of the manifest (the CSV record's first line). */
  line: number;
}

export interface ManifestRows {
  /** The manifest, absolute. */
  path: string;
  format: ManifestFormat;
  /** The manifest's folder: relative paths resolve against it. */
  folder: string;
  rows: ManifestRow[];
}

/**
 * Reads `file` (.jsonl or .ndjson: one JSON object per non-blank line; .csv: RFC 4180 with a header
 * row). An unreadable file is E_IO; another extension, text that is not UTF-8, a line that is not a
 * JSON object or a CSV row with the wrong number of cells is E_ARGUMENT ("manifest: FILE:LINE …").
 */
export function readManifestRows(file: string): ManifestRows {
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
  const rows = format === 'jsonl' ? jsonRows(text, path) : csvRows(text, path);
  return { path, format, folder: dirname(path), rows };
}

function jsonRows(text: string, path: string): ManifestRow[] {
  const rows: ManifestRow[] = [];
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

function csvRows(text: string, path: string): ManifestRow[] {
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

/**
 * The file a row names, absolute (a relative path is relative to `folder`), from the first of `keys`
 * present; E_ARGUMENT at `where` ("FILE:LINE") when none is a non-empty string.
 */
export function manifestPath(record: Record<string, unknown>, keys: readonly string[], folder: string, where: string, noun: string): string {
  const key = keys.find((candidate) => record[candidate] !== undefined);
  const value = key === undefined ? undefined : record[key];
  if (typeof value !== 'string' || value.length === 0) {
    throw new ArgumentError('manifest', `${where} has no "${keys[0]}" (a string: the ${noun} file, relative to the manifest's folder); it has ${Object.keys(record).join(', ') || 'no columns'}`);
  }
  return isAbsolute(value) ? value : resolve(folder, value);
}

/** A non-negative number of seconds (a JSON number or a CSV cell), undefined when absent. */
export function manifestSeconds(value: unknown, name: string, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'string' ? Number(value.trim()) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0 || (typeof value === 'string' && value.trim() === '')) {
    throw new ArgumentError('manifest', `${where}: "${name}" must be a non-negative number of seconds, got ${JSON.stringify(value)}`);
  }
  return number;
}

/** `start` and `end` of a row (seconds), checked to be in order. */
export function manifestRange(record: Record<string, unknown>, where: string): { start?: number; end?: number } {
  const start = manifestSeconds(record.start, 'start', where);
  const end = manifestSeconds(record.end, 'end', where);
  if (end !== undefined && end < (start ?? 0)) throw new ArgumentError('manifest', `${where}: end ${end} is before start ${start ?? 0}`);
  const range: { start?: number; end?: number } = {};
  if (start !== undefined) range.start = start;
  if (end !== undefined) range.end = end;
  return range;
}

/** A string column (text, caption), undefined when absent or null. */
export function manifestString(record: Record<string, unknown>, keys: readonly string[], where: string): string | undefined {
  const key = keys.find((candidate) => record[candidate] !== undefined && record[candidate] !== null);
  if (key === undefined) return undefined;
  const value = record[key];
  if (typeof value !== 'string') throw new ArgumentError('manifest', `${where}: "${key}" must be a string, got ${JSON.stringify(value)}`);
  return value;
}

/** JSON: an integer or a string (a class name). CSV: an integer cell is an integer, anything else a class name. Undefined when absent. */
export function manifestLabel(value: unknown, where: string, format: ManifestFormat): number | string | undefined {
  if (value === undefined || value === null) return undefined;
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

/**
 * The integer label of every entry: integers as given, or class names sorted by code point and
 * numbered (`classes`). Every entry has a label or none does, and labels are all integers or all
 * names: E_ARGUMENT naming the lines otherwise. `labels` is undefined when no entry has one.
 */
export function manifestLabels(entries: ReadonlyArray<{ line: number; label?: number | string }>, manifest: string): { labels: number[] | undefined; classes: string[] | undefined } {
  const labelled = entries.filter((entry) => entry.label !== undefined);
  if (labelled.length === 0) return { labels: undefined, classes: undefined };
  if (labelled.length < entries.length) {
    const missing = entries.find((entry) => entry.label === undefined)!;
    throw new ArgumentError('manifest', `${manifest}:${missing.line} has no "label", line ${labelled[0]!.line} has one: give every row a label, or none`);
  }
  const named = labelled.filter((entry) => typeof entry.label === 'string');
  if (named.length === 0) return { labels: entries.map((entry) => entry.label as number), classes: undefined };
  if (named.length < labelled.length) {
    const number = labelled.find((entry) => typeof entry.label === 'number')!;
    throw new ArgumentError('manifest', `${manifest}: labels mix class names (line ${named[0]!.line}: ${JSON.stringify(named[0]!.label)}) and integers (line ${number.line}: ${number.label}); use one kind`);
  }
  const classes = [...new Set(named.map((entry) => entry.label as string))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(classes.map((name, position) => [name, position]));
  return { labels: entries.map((entry) => index.get(entry.label as string)!), classes };
}
