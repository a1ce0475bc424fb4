/** Arguments of a `boundingBoxes` field (stored as JSON in the field descriptor). */
export type BoundingBoxesArguments = {
  /** The most boxes one sample may hold; decoders pad to it. */
  maxBoxes: number;
};

/** A sanity limit: the padded output of one sample stays under 1.25 MiB. */
export const MAX_MAX_BOXES = 65_535;

export function normalizeBoundingBoxesArguments(args: BoundingBoxesArguments): BoundingBoxesArguments {
  const maxBoxes = (args as Partial<BoundingBoxesArguments> | null)?.maxBoxes;
  if (!Number.isSafeInteger(maxBoxes) || maxBoxes! < 1 || maxBoxes! > MAX_MAX_BOXES) {
    throw new RangeError(`maxBoxes must be an integer from 1 to ${MAX_MAX_BOXES}, got ${JSON.stringify(maxBoxes)}`);
  }
  return { maxBoxes: maxBoxes! };
}
