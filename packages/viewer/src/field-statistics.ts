import type { Dataset } from '@tessera/core';
import { seededSampleRows } from './seeded-sample.js';

/** Files up to this many samples get statistics over every row; larger ones over a seeded sample. */
export const FULL_STATISTICS_MAX_SAMPLES = 100_000;
export const SAMPLED_STATISTICS_ROWS = 10_000;
export const STATISTICS_SEED = 0;
export const HISTOGRAM_BIN_COUNT = 20;
/** At most this many distinct integer values are shown as counts (classes) instead of a histogram. */
export const MAX_COUNTED_VALUES = 50;
/** How many rows are read between two checks that the file is unchanged (one fstat each). */
export const ROWS_PER_FILE_CHECK = 256;

export interface ValueCount {
  value: number;
  count: number;
  /** the class name from `info` (see classNamesOf) */
  label?: string;
}

export interface HistogramBin {
  /** inclusive */
  start: number;
  /** exclusive, except for the last bin */
  end: number;
  count: number;
}

export interface StatisticSummary {
  name: string;
  /** rows that have this statistic (an optional field's empty samples have none) */
  rowCount: number;
  min: number;
  max: number;
  mean: number;
  kind: 'counts' | 'histogram';
  counts?: ValueCount[];
  bins?: HistogramBin[];
}

export interface FieldStatistics {
  field: string;
  numSamples: number;
  /** the rows read: every row, or a seeded sample of SAMPLED_STATISTICS_ROWS */
  rowsRead: number;
  /** true when computed over a sample of the rows */
  partial: boolean;
  seed: number;
  statistics: StatisticSummary[];
}

/**
 * Class names stored in the file's `info` (`buildImageFolderDataset` writes `{ classes: [...] }`;
 * `classNames`, `class_names` and `labels` are accepted too) for a field that holds class ids: an
 * int64 field named label/labels/class/target/category, or the file's only int64 field.
 */
export function classNamesOf(dataset: Dataset, fieldName: string): string[] | undefined {
  const info = dataset.extension?.info;
  if (info === null || typeof info !== 'object' || Array.isArray(info)) return undefined;
  const record = info as Record<string, unknown>;
  const names = [record.classes, record.classNames, record.class_names, record.labels].find(
    (candidate) => Array.isArray(candidate) && candidate.length > 0 && candidate.every((name) => typeof name === 'string'),
  ) as string[] | undefined;
  if (names === undefined) return undefined;
  const integerFields = dataset.fields.filter((field) => field.codecId === 'core/int64');
  const field = integerFields.find((candidate) => candidate.name === fieldName);
  if (field === undefined) return undefined;
  const isLabelName = /^(label|labels|class|classes|target|category)$/i.test(fieldName);
  return isLabelName || integerFields.length === 1 ? names : undefined;
}

/** The rows statistics are computed over (also the rows a filter scans first on a large file). */
export function statisticsRows(numSamples: number): Uint32Array {
  return seededSampleRows(numSamples, numSamples <= FULL_STATISTICS_MAX_SAMPLES ? numSamples : SAMPLED_STATISTICS_ROWS, STATISTICS_SEED);
}

/** Reads a field's per-sample statistics over statisticsRows() and summarises each one. */
export function computeFieldStatistics(dataset: Dataset, fieldName: string): FieldStatistics {
  const rows = statisticsRows(dataset.numSamples);
  const valuesByName = new Map<string, number[]>();
  for (let position = 0; position < rows.length; position++) {
    // core's statistics() reads the metadata without checking the file: check it here, in steps.
    if (position % ROWS_PER_FILE_CHECK === 0) dataset.assertUnchanged();
    const statistics = dataset.statistics(fieldName, rows[position]!);
    for (const name in statistics) {
      let values = valuesByName.get(name);
      if (values === undefined) valuesByName.set(name, (values = []));
      values.push(statistics[name]!);
    }
  }
  const classNames = classNamesOf(dataset, fieldName);
  return {
    field: fieldName,
    numSamples: dataset.numSamples,
    rowsRead: rows.length,
    partial: rows.length < dataset.numSamples,
    seed: STATISTICS_SEED,
    statistics: [...valuesByName].map(([name, values]) => summarise(name, values, name === 'value' ? classNames : undefined)),
  };
}

function summarise(name: string, values: number[], classNames: string[] | undefined): StatisticSummary {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
    sum += value;
  }
  const base = { name, rowCount: values.length, min, max, mean: values.length === 0 ? 0 : sum / values.length };
  const counts = countDistinctIntegers(values);
  if (counts !== undefined) {
    const list = [...counts].sort((a, b) => a[0] - b[0]).map(([value, count]): ValueCount => {
      const label = classNames?.[value];
      return label === undefined ? { value, count } : { value, count, label };
    });
    return { ...base, kind: 'counts', counts: list };
  }
  return { ...base, kind: 'histogram', bins: histogram(values, min, max) };
}

/** Counts per value when every value is an integer and there are at most MAX_COUNTED_VALUES of them. */
function countDistinctIntegers(values: number[]): Map<number, number> | undefined {
  const counts = new Map<number, number>();
  for (const value of values) {
    if (!Number.isInteger(value)) return undefined;
    counts.set(value, (counts.get(value) ?? 0) + 1);
    if (counts.size > MAX_COUNTED_VALUES) return undefined;
  }
  return counts;
}

function histogram(values: number[], min: number, max: number): HistogramBin[] {
  if (values.length === 0) return [];
  if (min === max) return [{ start: min, end: max, count: values.length }];
  const width = (max - min) / HISTOGRAM_BIN_COUNT;
  const bins = Array.from({ length: HISTOGRAM_BIN_COUNT }, (_, index): HistogramBin => ({
    start: min + index * width,
    end: index === HISTOGRAM_BIN_COUNT - 1 ? max : min + (index + 1) * width,
    count: 0,
  }));
  for (const value of values) bins[binIndexOf(value, min, max)]!.count++;
  return bins;
}

/** The bin a value falls in: [start, end) except the last, which includes max. */
export function binIndexOf(value: number, min: number, max: number): number {
  return Math.min(HISTOGRAM_BIN_COUNT - 1, Math.floor(((value - min) / (max - min)) * HISTOGRAM_BIN_COUNT));
}
