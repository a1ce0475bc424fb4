import { TesseraError } from '@tessera/core';

/** `value` when it is an integer in [minimum, maximum], else E_ARGUMENT naming `name` (undefined gives `fallback`). */
export function integerOption(value: unknown, name: string, fallback: number, minimum: number, maximum = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new TesseraError('E_ARGUMENT', `${name} must be an integer from ${minimum} to ${maximum}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A non-empty string, else E_ARGUMENT naming `name`. */
export function stringOption(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new TesseraError('E_ARGUMENT', `${name} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

/** The options object itself, else E_ARGUMENT naming the function. */
export function optionsObject(value: unknown, functionName: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TesseraError('E_ARGUMENT', `${functionName} needs an options object, got ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

/** A BullMQ connection: its options object or a client instance. */
export function connectionOption(value: unknown, functionName: string): void {
  if (typeof value !== 'object' || value === null) {
    throw new TesseraError('E_ARGUMENT', `${functionName}: connection must be BullMQ connection options (e.g. { host: '127.0.0.1', port: 6379 } or { url: 'redis://…' }) or a Redis client, got ${JSON.stringify(value)}`);
  }
}

/** A queue name BullMQ accepts (it is part of Redis keys: no ':'). */
export function queueNameOption(value: unknown, functionName: string): string {
  const name = stringOption(value, `${functionName}: queueName`);
  if (name.includes(':')) throw new TesseraError('E_ARGUMENT', `${functionName}: queueName ${JSON.stringify(name)} contains ':', which BullMQ does not allow in queue names`);
  return name;
}
