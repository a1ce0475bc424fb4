import type { BatchOperation, OutputSpec } from './pipeline-contract.js';
import type { BatchField } from './create-loader.js';

export interface PadToLongestOptions {
  /** A field decoded with variable length in its last dimension (token ids, waveforms, spectrogram frames…). */
  field: string;
  /** Round the batch length up to a multiple of this (8 suits tensor cores). Default 1. */
  multipleOf?: number;
}

/**
 * Dynamic padding. Batch memory is allocated once for the decoder's maxLength, so padding to the
 * longest sample of each batch is done in place: this batch operation finds the batch length L
 * (the longest sample's length, rounded up to `multipleOf`, at most maxLength), rewrites the
 * field's rows into a dense [count, ..., L] block at the start of the column, and returns that
 * shape to the loader: `batch[field]` then has shape [count, ..., L] and a view of exactly that
 * block. It also adds a field `<field>_length` (int32 per sample, L in every row);
 * `paddedToLongest(batch.text, batch.text_length)` returns the same block as `{ data, shape }`.
 */
export function padToLongest(options: PadToLongestOptions): BatchOperation {
  const field = options?.field;
  if (typeof field !== 'string' || field.length === 0) throw new TypeError(`padToLongest needs { field }: the name of a field with a variable last dimension, got ${JSON.stringify(field)}`);
  const multipleOf = options.multipleOf ?? 1;
  if (!Number.isSafeInteger(multipleOf) || multipleOf < 1) throw new RangeError(`padToLongest: multipleOf must be a positive integer, got ${JSON.stringify(options.multipleOf)}`);
  const lengthField = `${field}_length`;
  return {
    kind: 'batch',
    name: 'core/pad-to-longest',
    options: { field, multipleOf },
    fields: [field],
    setup(inputs) {
      const spec = inputs[field];
      if (spec === undefined) throw new TypeError(`pad-to-longest: field "${field}" is not loaded`);
      const last = spec.shape.length - 1;
      const variable = spec.variableDims ?? [];
      if (last < 0 || variable.length !== 1 || variable[0] !== last) {
        throw new TypeError(`pad-to-longest: field "${field}" must be variable in its last dimension only, got ${JSON.stringify(spec)}`);
      }
      const maxLength = spec.shape[last]!;
      const rowsPerSample = spec.shape.slice(0, last).reduce((product, extent) => product * extent, 1);
      const lengthSpec: OutputSpec = { dtype: 'int32', shape: [] };
      return {
        // The field keeps its spec (it is rewritten in place); the length is a new field.
        outputs: { [field]: spec, [lengthField]: lengthSpec },
        apply(columns, targets, context) {
          const column = columns[field]!;
          const data = column.data;
          let longest = 0;
          for (let sample = 0; sample < context.count; sample++) longest = Math.max(longest, column.lengths[sample]!);
          const length = Math.min(maxLength, Math.ceil(longest / multipleOf) * multipleOf);
          // Row r moves from r·maxLength to r·length ≤ r·maxLength: moving rows in increasing order never overwrites one not yet moved.
          const rows = context.count * rowsPerSample;
          if (length < maxLength) for (let row = 1; row < rows; row++) data.copyWithin(row * length, row * maxLength, row * maxLength + length);
          (targets[lengthField]!.data as Int32Array).fill(length, 0, context.count);
          return { shapes: { [field]: [...spec.shape.slice(0, last), length] } };
        },
      };
    },
  };
}

/** The dense [count, ..., L] block `padToLongest` left at the start of a batch field (a view: valid as long as the batch). */
export function paddedToLongest(field: BatchField, length: BatchField): { data: BatchField['data']; shape: number[]; lengths: Int32Array | undefined } {
  const count = field.shape[0]!;
  const longest = count === 0 ? 0 : (length.data as Int32Array)[0]!;
  const shape = [...field.shape];
  shape[shape.length - 1] = longest;
  const elements = shape.reduce((product, extent) => product * extent, 1);
  return { data: field.data.subarray(0, elements) as BatchField['data'], shape, lengths: field.lengths };
}
