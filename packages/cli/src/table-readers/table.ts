/**
 * A table read for `tessera build table`: its column names (in file order) and its rows, each an
 * object keyed by column name. Row `index` is the 0-based data row (the CSV header and blank JSONL
 * lines are not rows), which the build stores in the row field.
 */
export interface Table {
  format: TableFormat;
  columns: string[];
  rows: Array<Record<string, unknown>>;
}

export type TableFormat = 'jsonl' | 'csv' | 'parquet';
