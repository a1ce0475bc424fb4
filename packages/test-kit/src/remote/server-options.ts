import { ArgumentError } from '@tessera/core';
import { checkKnownOptions } from '@tessera/core/internals';

/**
 * Checks that `options` is a plain object using only the `known` names: a typo (`latency` for
 * `latencyMs`) is an ArgumentError naming the nearest valid option, never silently ignored.
 */
export function checkServerOptions(where: string, options: unknown, known: readonly string[]): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ArgumentError(where, `the options must be an object (${known.join(', ')}), not ${JSON.stringify(options)}`);
  }
  checkKnownOptions(where, options, known);
}
