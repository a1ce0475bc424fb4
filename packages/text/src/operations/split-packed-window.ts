import type { BatchOperation, FieldPipeline, OutputSpec } from '@tessera/core';
import { type PackedWindowRow, parseInclude } from '../fields/packed-tokens-codec.js';

export interface PackedWindowOptions {
  /** The packed field. Default 'text'. */
  field?: string;
  /** Window rows to produce, in order. Default ['input_ids', 'labels']. */
  include?: PackedWindowRow[];
  /** 'sequential' (default): window i starts at chunk i's first token; 'random': at a random token of chunk i. */
  offsets?: 'sequential' | 'random';
  /** Tokens per window (default: the stored windowLength T). */
  windowLength?: number;
  /** Input id past the end of the stream. Default 0. */
  padId?: number;
  /** Label past the end of the stream. Default -100 (PyTorch's ignore index). */
  labelPadId?: number;
}

/** The field pipeline of a packed field: its `window` decoder with these options (int32 [rows, T]). */
export function packedWindowPipeline(options: PackedWindowOptions = {}): FieldPipeline {
  const decoderOptions: Record<string, string | number | string[]> = {};
  if (options.include !== undefined) decoderOptions.include = [...options.include];
  if (options.offsets !== undefined) decoderOptions.offsets = options.offsets;
  if (options.windowLength !== undefined) decoderOptions.windowLength = options.windowLength;
  if (options.padId !== undefined) decoderOptions.padId = options.padId;
  if (options.labelPadId !== undefined) decoderOptions.labelPadId = options.labelPadId;
  return { decoder: 'window', decoderOptions };
}

/**
 * A batch operation that splits a packed field's windows (int32 [batch, rows, T]) into one batch
 * field per row, each int32 [batch, T]: `batch.input_ids`, `batch.labels`, `batch.position_ids`…
 * (the rows of `include`, which must match the decoder's). The packed field itself stays in the
 * batch. One copy per row; runs on the calling thread.
 */
export function splitPackedWindow(options: Pick<PackedWindowOptions, 'field' | 'include'> = {}): BatchOperation {
  const field = options.field ?? 'text';
  const include = parseInclude(options.include);
  return {
    kind: 'batch',
    name: 'text/split-packed-window',
    options: { field, include },
    fields: [field],
    setup(inputs) {
      const spec = inputs[field];
      if (spec === undefined) throw new TypeError(`split-packed-window: field "${field}" is not loaded`);
      if (spec.dtype !== 'int32' || spec.shape.length !== 2 || spec.shape[0] !== include.length || (spec.variableDims?.length ?? 0) > 0) {
        throw new TypeError(
          `split-packed-window: field "${field}" is ${spec.dtype} [${spec.shape.join(', ')}], expected int32 [${include.length}, T] from the packed window decoder with include ${JSON.stringify(include)}`,
        );
      }
      const width = spec.shape[1]!;
      const rowSpec: OutputSpec = { dtype: 'int32', shape: [width] };
      const outputs: Record<string, OutputSpec> = {};
      for (const name of include) outputs[name] = rowSpec;
      const rows = include.length;
      return {
        outputs,
        apply(columns, targets, context) {
          const source = columns[field]!.data as Int32Array;
          include.forEach((name, row) => {
            const target = targets[name]!.data as Int32Array;
            for (let sample = 0; sample < context.count; sample++) {
              const from = (sample * rows + row) * width;
              target.set(source.subarray(from, from + width), sample * width);
            }
          });
        },
      };
    },
  };
}
