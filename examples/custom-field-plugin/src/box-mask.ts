import type { BatchOperation, OutputSpec } from '@tessera/core';

export interface BoxMaskOptions {
  /** The boxes field, decoded with `padded` (variable dimension 0). Default 'boxes'. */
  field?: string;
  /** The batch field this operation adds. Default `${field}_mask`. */
  maskField?: string;
}

/**
 * A batch operation that adds a batch field: `bool [maxBoxes]` per sample, 1 for each real box and
 * 0 for each padding row, computed from the padded decoder's lengths. The boxes are left as they are.
 */
export function boxMask(options: BoxMaskOptions = {}): BatchOperation {
  const field = options.field ?? 'boxes';
  const maskField = options.maskField ?? `${field}_mask`;
  return {
    kind: 'batch',
    name: 'boxes/box-mask',
    options: { field, maskField },
    fields: [field],
    setup(inputs) {
      const spec = inputs[field];
      if (spec === undefined || spec.shape.length !== 2 || spec.variableDims?.[0] !== 0) {
        throw new TypeError(`box-mask needs field "${field}" decoded with "padded" ([maxBoxes, 5], variable in dimension 0)`);
      }
      if (inputs[maskField] !== undefined) throw new TypeError(`box-mask would add "${maskField}", but the batch already has a field of that name`);
      const maxBoxes = spec.shape[0]!;
      const outputs: Record<string, OutputSpec> = { [maskField]: { dtype: 'bool', shape: [maxBoxes] } };
      return {
        outputs,
        apply(columns, targets, context) {
          const lengths = columns[field]!.lengths; // one extent per sample: the box count
          const mask = targets[maskField]!.data as Uint8Array;
          for (let sample = 0; sample < context.count; sample++) {
            const row = sample * maxBoxes;
            mask.fill(1, row, row + lengths[sample]!);
            mask.fill(0, row + lengths[sample]!, row + maxBoxes);
          }
        },
      };
    },
  };
}
