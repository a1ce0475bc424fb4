import { ArgumentError } from '../errors.js';

/**
 * Where a loader is: enough to continue exactly, in another process, with another number of
 * workers. Small and JSON: store it next to your model checkpoint.
 */
export interface LoaderState {
  version: 1;
  seed: number;
  /** the epoch in progress (or the next one when `batchesConsumed` is 0) */
  epoch: number;
  /** batches of that epoch already handed to the consumer */
  batchesConsumed: number;
  batchSize: number;
  samplesPerEpoch: number;
}

export function checkResumeState(
  state: LoaderState,
  expected: { seed: number; batchSize: number; numSamples: number; samplesPerEpoch: number; length: number },
): LoaderState {
  if (state === null || typeof state !== 'object' || state.version !== 1) {
    throw new ArgumentError('resume', `expected a state from loader.state() (version 1), got ${JSON.stringify(state)}`);
  }
  const mismatch = (name: string, actual: unknown, wanted: unknown) =>
    new ArgumentError('resume', `the state was taken with ${name} ${String(actual)}, this loader has ${String(wanted)}; resume with the options of the interrupted run`);
  if (state.seed !== expected.seed) throw mismatch('seed', state.seed, expected.seed);
  if (state.batchSize !== expected.batchSize) throw mismatch('batchSize', state.batchSize, expected.batchSize);
  if (state.samplesPerEpoch !== expected.samplesPerEpoch) throw mismatch('samplesPerEpoch', state.samplesPerEpoch, expected.samplesPerEpoch);
  if (!Number.isSafeInteger(state.epoch) || state.epoch < 0) throw new ArgumentError('resume', `epoch ${String(state.epoch)} is not a non-negative integer`);
  if (!Number.isSafeInteger(state.batchesConsumed) || state.batchesConsumed < 0 || state.batchesConsumed > expected.length) {
    throw new ArgumentError('resume', `batchesConsumed ${String(state.batchesConsumed)} is outside 0..${expected.length}`);
  }
  // A state taken right after the last batch of an epoch continues with the next epoch.
  if (state.batchesConsumed === expected.length) return { ...state, epoch: state.epoch + 1, batchesConsumed: 0 };
  return state;
}
