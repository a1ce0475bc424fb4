import type { JsonValue, OutputSpec, PluginOrigin } from '@tessera/core';

/**
 * How decode workers rebuild an operation: this package's single bundled entry (dist/index.js)
 * exports every operation factory, so `import.meta.url` of any module here names it.
 */
export function operationOrigin(exportName: string, options: JsonValue): PluginOrigin {
  return { module: import.meta.url, exportName, options };
}

/** [height, width, channels] of an HWC image output; throws naming the operation otherwise. */
export function imageShape(input: OutputSpec, operation: string, dtypes?: readonly string[]): [number, number, number] {
  if (input.shape.length !== 3 || (input.variableDims?.length ?? 0) > 0) {
    throw new RangeError(`${operation} needs a fixed-size HWC image [height, width, channels], got shape ${JSON.stringify(input.shape)}${input.variableDims?.length ? ' with variable dimensions' : ''}; decode with 'simple', 'center-crop' or 'random-resized-crop' first`);
  }
  if (dtypes !== undefined && !dtypes.includes(input.dtype)) {
    throw new TypeError(`${operation} needs ${dtypes.join(' or ')} pixels, got ${input.dtype}`);
  }
  return [input.shape[0]!, input.shape[1]!, input.shape[2]!];
}

export function checkProbability(value: unknown, name: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new RangeError(`${name} must be a number from 0 to 1, got ${JSON.stringify(value)}`);
  return value;
}

export function checkFill(fill: unknown, channels: number | undefined, name: string): number[] {
  if (!Array.isArray(fill) || fill.length === 0 || !fill.every((value) => typeof value === 'number' && Number.isFinite(value))) {
    throw new TypeError(`${name} fill must be an array of numbers (one per channel), got ${JSON.stringify(fill)}`);
  }
  if (channels !== undefined && fill.length !== 1 && fill.length !== channels) {
    throw new RangeError(`${name} fill has ${fill.length} values, the image ${channels} channels`);
  }
  return fill as number[];
}
