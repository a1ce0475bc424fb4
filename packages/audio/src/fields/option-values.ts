import { checkKnownOptions } from '@tessera/core/internals';

/**
 * Reading JSON options of this package's field constructors and decoders. Core has already rejected
 * unknown option names (decoders declare theirs); these check the values and name the option.
 */

export function optionRecord(options: unknown, where: string): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) throw new TypeError(`${where}: options must be an object, got ${JSON.stringify(options)}`);
  return options as Record<string, unknown>;
}

/** Unknown keys are E_ARGUMENT naming the nearest known one (core's check, as for decoder options). */
export function rejectUnknown(record: Record<string, unknown>, known: readonly string[], where: string): void {
  checkKnownOptions(where, record, known);
}

export function integerValue(record: Record<string, unknown>, key: string, fallback: number | undefined, min: number, max: number, where: string): number {
  const value = record[key] ?? fallback;
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    throw new RangeError(`${where}: ${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(record[key])}`);
  }
  return value as number;
}

export function numberValue(record: Record<string, unknown>, key: string, fallback: number | undefined, min: number, max: number, where: string): number {
  const value = record[key] ?? fallback;
  if (typeof value !== 'number' || !(value >= min && value <= max)) {
    throw new RangeError(`${where}: ${key} must be a number from ${min} to ${max}, got ${JSON.stringify(record[key])}`);
  }
  return value;
}

export function choiceValue<T extends string>(record: Record<string, unknown>, key: string, choices: readonly T[], fallback: T | undefined, where: string): T {
  const value = record[key] ?? fallback;
  if (!choices.includes(value as T)) {
    throw new RangeError(`${where}: ${key} must be one of ${choices.map((choice) => JSON.stringify(choice)).join(', ')}, got ${JSON.stringify(record[key])}`);
  }
  return value as T;
}

export function booleanValue(record: Record<string, unknown>, key: string, fallback: boolean, where: string): boolean {
  const value = record[key] ?? fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${where}: ${key} must be true or false, got ${JSON.stringify(record[key])}`);
  return value;
}

/** The largest decoded output a decoder may declare, in elements per sample (64 Mi). */
export const MAX_OUTPUT_ELEMENTS = 1 << 26;
/** Sample rates accepted by fields (Hz). */
export const MIN_SAMPLE_RATE = 1000;
export const MAX_SAMPLE_RATE = 768_000;
export const MAX_CHANNELS = 8;
