import { readFileSync } from 'node:fs';
import { TesseraError } from '@tessera/core';
import { ioError } from '@tessera/core/internals';
import { parseCsvTable } from './csv-table.js';
import { parseJsonLinesTable } from './json-lines-table.js';
import { parseParquetTable } from './parquet-table.js';
import type { Table, TableFormat } from './table.js';

const EXTENSIONS: Readonly<Record<string, TableFormat>> = { '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.csv': 'csv', '.parquet': 'parquet' };

/** The format of `path` from its extension, or an E_ARGUMENT error listing the known ones. */
export function tableFormatOf(path: string): TableFormat {
  const lower = path.toLowerCase();
  for (const [extension, format] of Object.entries(EXTENSIONS)) if (lower.endsWith(extension)) return format;
  throw new TesseraError('E_ARGUMENT', `${path}: cannot tell the table format from the file name; name it ${Object.keys(EXTENSIONS).join(', ')}`);
}

/** Reads a whole table into memory (JSON Lines, CSV with a header row, or Parquet). */
export async function readTable(path: string): Promise<Table> {
  const format = tableFormatOf(path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw ioError(error, 'read the table', path);
  }
  if (format === 'jsonl') return parseJsonLinesTable(bytes.toString('utf8'), path);
  if (format === 'csv') return parseCsvTable(bytes, path);
  return parseParquetTable(bytes, path);
}
