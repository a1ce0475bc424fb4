import { TesseraError } from '@tessera/core';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import type { Table } from './table.js';

/**
 * A Parquet file through hyparquet: top-level columns, rows as objects. Strings (UTF8/STRING
 * columns) come back as strings, binary columns as Uint8Array, INT64 as bigint.
 */
export async function parseParquetTable(bytes: Buffer, path: string): Promise<Table> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let columns: string[];
  let rows: Array<Record<string, unknown>>;
  try {
    const metadata = parquetMetadata(file);
    columns = parquetSchema(metadata).children.map((child) => child.element.name);
    rows = (await parquetReadObjects({ file, metadata, utf8: false })) as Array<Record<string, unknown>>;
  } catch (error) {
    throw new TesseraError('E_ARGUMENT', `${path}: not a readable Parquet file: ${(error as Error).message}`, { cause: error });
  }
  return { format: 'parquet', columns, rows };
}
