import { TesseraError } from '@tessera/core';
import type { Table } from './table.js';

/** One JSON object per line; blank lines are skipped. Columns: every key seen, in first-seen order. */
export function parseJsonLinesTable(text: string, path: string): Table {
  const rows: Array<Record<string, unknown>> = [];
  const columns = new Set<string>();
  const lines = text.split('\n');
  for (let lineIndex = 0; lineIndex < lines.length; lineIndex++) {
    const line = lines[lineIndex]!.trim();
    if (line === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (error) {
      throw new TesseraError('E_ARGUMENT', `${path}:${lineIndex + 1}: not JSON (${(error as Error).message}); each line must be one JSON object`);
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new TesseraError('E_ARGUMENT', `${path}:${lineIndex + 1}: a JSON ${row === null ? 'null' : Array.isArray(row) ? 'array' : typeof row}, expected one JSON object per line`);
    }
    for (const key of Object.keys(row)) columns.add(key);
    rows.push(row as Record<string, unknown>);
  }
  return { format: 'jsonl', columns: [...columns], rows };
}
