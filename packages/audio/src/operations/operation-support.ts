import type { JsonValue, OutputSlot, OutputSpec, PluginOrigin } from '@tessera/core';
import { checkKnownOptions } from '@tessera/core/internals';

/**
 * How decode workers rebuild an operation: the package is bundled into one entry (dist/index.js)
 * that exports every operation factory by name, so `import.meta.url` of any module here names it.
 */
export function operationOrigin(exportName: string, options: JsonValue): PluginOrigin {
  return { module: import.meta.url, exportName, options };
}

/** Options as an object (undefined → {}); rejects non-objects and unknown keys naming the nearest valid one. */
export function operationOptions<T extends object>(options: T | undefined, operation: string, known: readonly string[]): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== 'object' || Array.isArray(options)) throw new TypeError(`${operation} options must be an object, got ${JSON.stringify(options)}`);
  checkKnownOptions(operation, options, known);
  return options;
}

/** Where a waveform's samples are: [channels, maxSamples] (rank 2) or [maxSamples] (rank 1, one channel). */
export interface WaveformLayout {
  readonly rank: 1 | 2;
  readonly channels: number;
  readonly maxSamples: number;
  /** the sample dimension is variable: `lengths[0]` holds the valid samples */
  readonly variable: boolean;
}

/**
 * The layout of a decoded waveform: float32 [channels, samples] with variableDims [1] (or none), or
 * float32 [samples] with variableDims [0] (or none). Throws naming the operation otherwise.
 */
export function waveformLayout(input: OutputSpec, operation: string): WaveformLayout {
  if (input.dtype !== 'float32') throw new TypeError(`${operation} needs a float32 waveform, got ${input.dtype}; decode the audio field with a waveform decoder first`);
  const rank = input.shape.length;
  const variableDims = input.variableDims ?? [];
  if (rank === 2 && (variableDims.length === 0 || (variableDims.length === 1 && variableDims[0] === 1))) {
    return { rank: 2, channels: input.shape[0]!, maxSamples: input.shape[1]!, variable: variableDims.length === 1 };
  }
  if (rank === 1 && (variableDims.length === 0 || (variableDims.length === 1 && variableDims[0] === 0))) {
    return { rank: 1, channels: 1, maxSamples: input.shape[0]!, variable: variableDims.length === 1 };
  }
  throw new RangeError(
    `${operation} needs a waveform [channels, samples] (variable in samples) or [samples], got shape ${JSON.stringify(input.shape)} with variableDims ${JSON.stringify(variableDims)}`,
  );
}

/** The waveform spec with a new sample count (variable when `variable`). */
export function waveformSpec(layout: WaveformLayout, channels: number, maxSamples: number, variable: boolean): OutputSpec {
  if (layout.rank === 1 && channels === 1) return variable ? { dtype: 'float32', shape: [maxSamples], variableDims: [0] } : { dtype: 'float32', shape: [maxSamples] };
  return variable ? { dtype: 'float32', shape: [channels, maxSamples], variableDims: [1] } : { dtype: 'float32', shape: [channels, maxSamples] };
}

/** Valid samples of a slot with this layout (checked against the maximum). */
export function validSamples(layout: WaveformLayout, slot: OutputSlot, operation: string): number {
  if (!layout.variable) return layout.maxSamples;
  const samples = slot.lengths[0]!;
  if (!(samples >= 0 && samples <= layout.maxSamples)) throw new RangeError(`${operation}: the input says ${samples} valid samples, its slot holds ${layout.maxSamples}`);
  return samples;
}

export function checkNumber(value: unknown, name: string, low = Number.NEGATIVE_INFINITY, high = Number.POSITIVE_INFINITY): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < low || value > high) {
    const range = low === Number.NEGATIVE_INFINITY && high === Number.POSITIVE_INFINITY ? 'a finite number' : high === Number.POSITIVE_INFINITY ? `a number ≥ ${low}` : `a number from ${low} to ${high}`;
    throw new RangeError(`${name} must be ${range}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function checkPositiveInteger(value: unknown, name: string): number {
  if (!Number.isInteger(value) || (value as number) < 1) throw new RangeError(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return value as number;
}

/**
 * A fixed value or a uniform draw: `{ [fixed]: x }` or `{ [minimum]: a, [maximum]: b }` (a ≤ b), one
 * of the two forms. Returns [low, high] (equal for a fixed value).
 */
export function checkRange(options: Record<string, unknown>, fixed: string, minimum: string, maximum: string, operation: string, fallback?: number): [number, number] {
  const hasFixed = options[fixed] !== undefined;
  const hasRange = options[minimum] !== undefined || options[maximum] !== undefined;
  if (hasFixed && hasRange) throw new RangeError(`${operation}: give either ${fixed} or ${minimum}/${maximum}, not both`);
  if (hasFixed) {
    const value = checkNumber(options[fixed], `${operation} ${fixed}`);
    return [value, value];
  }
  if (!hasRange) {
    if (fallback !== undefined) return [fallback, fallback];
    throw new RangeError(`${operation} needs ${fixed} (a fixed value) or ${minimum} and ${maximum} (a uniform range)`);
  }
  const low = checkNumber(options[minimum], `${operation} ${minimum}`);
  const high = checkNumber(options[maximum], `${operation} ${maximum}`);
  if (low > high) throw new RangeError(`${operation} ${minimum} (${low}) must not exceed ${maximum} (${high})`);
  return [low, high];
}
