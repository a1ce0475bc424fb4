import type { Dataset, FieldReader, JsonValue } from '@tessera/core';
import { STATISTICS_SEED } from './field-statistics.js';
import { seededSampleRows } from './seeded-sample.js';

/** Rows whose payload sizes are read for the header; every row of a smaller file (then the totals are exact). */
export const FIELD_BYTES_SAMPLE_ROWS = 1000;

/**
 * Payload bytes of one field (bytes in the data pages, beside its `metadataByteLength` per sample),
 * where they can be known without decoding: the allocation table has no field column, so only
 * fields that say their size are counted and the others are null ("—" on the page).
 */
export interface FieldPayloadBytes {
  /** 'metadata only': scalars store nothing in the pages; 'size column': core bytes/json store the size beside the pointer; 'arguments': an ndarray's fixed shape; 'statistics': the codec's `byteLength` or `bytes` statistic */
  source: 'metadata only' | 'size column' | 'arguments' | 'statistics';
  /** mean over the rows read */
  perSampleByteLength: number;
  /** perSampleByteLength × numSamples; exact when every row was read */
  totalByteLength: number;
  rowsRead: number;
  approximate: boolean;
}

const METADATA_ONLY_CODECS = new Set(['core/int64', 'core/float64']);
const SIZE_COLUMN_CODECS = new Set(['core/bytes', 'core/json']);
/** Where core's pointer-size layout keeps the size (u64 after the u64 pointer). */
const SIZE_COLUMN_OFFSET = 8;
const NDARRAY_CODECS = new Set(['core/ndarray', 'core/torch-tensor']);
const BYTE_STATISTIC_NAMES = ['byteLength', 'bytes'];

/** Each field's payload bytes (null when its size is not known), from a seeded sample of rows' metadata. */
export function computeFieldPayloadBytes(dataset: Dataset): Record<string, FieldPayloadBytes | null> {
  const rows = seededSampleRows(dataset.numSamples, FIELD_BYTES_SAMPLE_ROWS, STATISTICS_SEED);
  const result: Record<string, FieldPayloadBytes | null> = {};
  for (const field of dataset.fields) {
    try {
      result[field.name] = payloadBytesOf(dataset, field.name, field.codecId, field.arguments, rows);
    } catch {
      // A size the metadata cannot give (a damaged record, a hook that throws) is shown as unknown, not as an error.
      result[field.name] = null;
    }
  }
  return result;
}

function payloadBytesOf(dataset: Dataset, fieldName: string, codecId: string, args: JsonValue, rows: Uint32Array): FieldPayloadBytes | null {
  const summarize = (source: FieldPayloadBytes['source'], sum: number): FieldPayloadBytes => {
    const perSampleByteLength = rows.length === 0 ? 0 : sum / rows.length;
    const approximate = rows.length < dataset.numSamples;
    return { source, perSampleByteLength, totalByteLength: approximate ? perSampleByteLength * dataset.numSamples : sum, rowsRead: rows.length, approximate };
  };
  if (METADATA_ONLY_CODECS.has(codecId)) return summarize('metadata only', 0);
  if (NDARRAY_CODECS.has(codecId)) {
    const fixed = ndarrayByteLength(args);
    return fixed === undefined ? null : { ...summarize('arguments', fixed * rows.length), approximate: false, totalByteLength: fixed * dataset.numSamples };
  }
  if (SIZE_COLUMN_CODECS.has(codecId)) {
    const reader: FieldReader = dataset.field(fieldName);
    let sum = 0;
    for (const row of rows) sum += reader.readUint64(reader.recordOffset(row) + SIZE_COLUMN_OFFSET);
    return summarize('size column', sum);
  }
  if (!dataset.hasStatistics(fieldName) || rows.length === 0) return null;
  const name = BYTE_STATISTIC_NAMES.find((candidate) => candidate in dataset.statistics(fieldName, rows[0]!));
  if (name === undefined) return null;
  let sum = 0;
  for (const row of rows) sum += dataset.statistics(fieldName, row)[name] ?? 0;
  return summarize('statistics', sum);
}

/** elements × item size of `{ dtype: '<f4', shape: [2, 3] }` (numpy type strings end in the item size). */
function ndarrayByteLength(args: JsonValue): number | undefined {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return undefined;
  const { dtype, shape } = args as { dtype?: unknown; shape?: unknown };
  const itemSize = typeof dtype === 'string' ? /(\d+)$/.exec(dtype)?.[1] : undefined;
  if (itemSize === undefined || !Array.isArray(shape) || !shape.every((size) => Number.isSafeInteger(size) && size >= 0)) return undefined;
  return (shape as number[]).reduce((product, size) => product * size, Number(itemSize));
}
