import { TesseraError } from '@tessera/core';
import { parse } from 'csv-parse/sync';
import type { Table } from './table.js';

/** CSV with a header row (RFC 4180 quoting; a UTF-8 byte order mark is dropped). Every value is a string. */
export function parseCsvTable(bytes: Buffer, path: string): Table {
  let records: string[][];
  try {
    records = parse(bytes, { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (error) {
    throw new TesseraError('E_ARGUMENT', `${path}: not a valid CSV file: ${(error as Error).message}`, { cause: error });
  }
  const [header, ...body] = records;
  if (header === undefined) throw new TesseraError('E_ARGUMENT', `${path}: the CSV file is empty; its first line must name the columns`);
  const duplicate = header.find((name, index) => header.indexOf(name) !== index);
  if (duplicate !== undefined) throw new TesseraError('E_ARGUMENT', `${path}: the header names column "${duplicate}" twice`);
  const rows = body.map((record) => {
    const row: Record<string, unknown> = {};
    header.forEach((name, index) => {
      row[name] = record[index];
    });
    return row;
  });
  return { format: 'csv', columns: header, rows };
}
