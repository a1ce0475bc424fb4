import { type Dataset, TesseraError } from '@tessera/core';
import { ROWS_PER_FILE_CHECK } from './field-statistics.js';
import { HttpError } from './http-error.js';
import { searchableText } from './preview-json.js';

/** A filter scans at most this many rows from the start (statistics come from the metadata: fast). */
export const FILTER_SCAN_MAX_ROWS = 1_000_000;
/** A search scans at most this many rows (it builds each row's text preview). */
export const SEARCH_SCAN_MAX_ROWS = 20_000;

export interface StatisticFilter {
  field: string;
  statistic: string;
  /** inclusive */
  min: number;
  /** inclusive */
  max: number;
}

export interface RowMatches {
  /** matching rows, ascending */
  rows: number[];
  /** true when the scan stopped before the last row */
  partial: boolean;
  scannedRows: number;
}

/**
 * `<field>.<statistic>:<min>:<max>`: the field is everything before the last dot before the bounds,
 * so field names may contain dots; bounds are numbers (`-Infinity`/`Infinity` allowed).
 */
export function parseStatisticFilter(text: string, dataset: Dataset): StatisticFilter {
  const usage = `filter must be <field>.<statistic>:<min>:<max>, e.g. label.value:3:3; got ${JSON.stringify(text)}`;
  const parts = text.split(':');
  if (parts.length < 3) throw new HttpError(400, 'E_ARGUMENT', usage);
  const maxText = parts.pop()!;
  const minText = parts.pop()!;
  const target = parts.join(':');
  const dot = target.lastIndexOf('.');
  if (dot <= 0 || dot === target.length - 1) throw new HttpError(400, 'E_ARGUMENT', usage);
  const min = Number(minText);
  const max = Number(maxText);
  if (minText.trim() === '' || maxText.trim() === '' || Number.isNaN(min) || Number.isNaN(max)) throw new HttpError(400, 'E_ARGUMENT', usage);
  const field = target.slice(0, dot);
  if (!dataset.hasField(field)) throw new HttpError(404, 'E_UNKNOWN_FIELD', `no field "${field}"; the fields are ${dataset.fields.map((item) => item.name).join(', ')}`);
  if (!dataset.hasStatistics(field)) throw new HttpError(400, 'E_NO_STATISTICS', `field "${field}" has no statistics to filter on (its plugin has no statistics hook)`);
  return { field, statistic: target.slice(dot + 1), min, max };
}

/**
 * Rows matching a filter and/or a search (both must hold), scanning from row 0 up to the smaller
 * scan limit of the two. The search is case-insensitive and looks at the searchable fields.
 */
export async function findMatchingRows(
  dataset: Dataset,
  query: { filter?: StatisticFilter; search?: string },
  searchFields: readonly string[],
): Promise<RowMatches> {
  const { filter } = query;
  const needle = query.search?.toLowerCase();
  const scanLimit = Math.min(dataset.numSamples, needle === undefined ? FILTER_SCAN_MAX_ROWS : SEARCH_SCAN_MAX_ROWS);
  const rows: number[] = [];
  for (let row = 0; row < scanLimit; row++) {
    if (row % ROWS_PER_FILE_CHECK === 0) dataset.assertUnchanged();
    if (filter !== undefined) {
      const value = dataset.statistics(filter.field, row)[filter.statistic];
      if (value === undefined || value < filter.min || value > filter.max) continue;
    }
    if (needle !== undefined && !(await rowContains(dataset, row, needle, searchFields))) continue;
    rows.push(row);
  }
  return { rows, partial: scanLimit < dataset.numSamples, scannedRows: scanLimit };
}

async function rowContains(dataset: Dataset, row: number, needle: string, searchFields: readonly string[]): Promise<boolean> {
  for (const field of searchFields) {
    const text = searchableText(await dataset.preview(field, row));
    if (text?.toLowerCase().includes(needle)) return true;
  }
  return false;
}

/**
 * Fields a search looks in: those whose preview is text (judged by row 0's preview) and core JSON
 * fields (their JSON text). Other previews (images…) are never built for a search.
 */
export async function findSearchFields(dataset: Dataset): Promise<string[]> {
  if (dataset.numSamples === 0) return [];
  const fields: string[] = [];
  for (const field of dataset.fields) {
    if (field.codecId === 'core/json') {
      fields.push(field.name);
      continue;
    }
    if (!dataset.hasPreview(field.name)) continue;
    try {
      if ((await dataset.preview(field.name, 0)).kind === 'text') fields.push(field.name);
    } catch (error) {
      // A changed file must reach the client as such; a failing hook just makes the field unsearchable.
      if (error instanceof TesseraError && error.code === 'E_IO') throw error;
    }
  }
  return fields;
}
