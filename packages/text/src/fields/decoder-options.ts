/** Reading JSON decoder options: every problem is an Error naming the option and the allowed values. */

export function optionsObject(options: unknown, decoder: string): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) throw new TypeError(`decoder "${decoder}": options must be an object, got ${JSON.stringify(options)}`);
  return options as Record<string, unknown>;
}

export function checkKnownOptions(options: Record<string, unknown>, known: readonly string[], decoder: string): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new TypeError(`decoder "${decoder}" has no option "${key}"; its options are ${known.join(', ') || '(none)'}`);
  }
}

export function integerOption(options: Record<string, unknown>, key: string, fallback: number, min: number, max: number, decoder: string): number {
  const value = options[key] ?? fallback;
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    throw new RangeError(`decoder "${decoder}": ${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(options[key])}`);
  }
  return value as number;
}

export function choiceOption<T extends string>(options: Record<string, unknown>, key: string, choices: readonly T[], fallback: T, decoder: string): T {
  const value = options[key] ?? fallback;
  if (!choices.includes(value as T)) throw new RangeError(`decoder "${decoder}": ${key} must be one of ${choices.map((choice) => JSON.stringify(choice)).join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

export function booleanOption(options: Record<string, unknown>, key: string, fallback: boolean, decoder: string): boolean {
  const value = options[key] ?? fallback;
  if (typeof value !== 'boolean') throw new TypeError(`decoder "${decoder}": ${key} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** The largest padded output a decoder may declare (elements per sample). */
export const MAX_OUTPUT_LENGTH = 1 << 24;
