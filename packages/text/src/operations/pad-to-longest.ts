import { type BatchOperation, type PadToLongestOptions as CorePadToLongestOptions, padToLongest as corePadToLongest } from '@tessera/core';

export { paddedToLongest } from '@tessera/core';

export interface PadToLongestOptions extends Partial<CorePadToLongestOptions> {}

/** Core's `padToLongest` (dynamic padding), with the field defaulting to 'text'. */
export function padToLongest(options: PadToLongestOptions = {}): BatchOperation {
  return corePadToLongest({ ...options, field: options.field ?? 'text' });
}
