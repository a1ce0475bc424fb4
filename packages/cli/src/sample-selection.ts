import { TesseraError } from '@tessera/core';
import { UsageError } from './usage-error.js';

/** `--samples` / `--range` as written, syntax checked; bounds are checked once the file is open. */
export type SampleRequest =
  | { kind: 'all' }
  | { kind: 'list'; texts: string[] }
  | { kind: 'range'; text: string; startText: string; endText: string };

/** Which samples a command visits: a list in the order given, or the half-open range [start, end). */
export type SampleSelection = { kind: 'list'; indices: number[] } | { kind: 'range'; start: number; end: number };

const INTEGER = /^[+-]?\d+$/;
const RANGE = /^\s*([+-]?\d*)\s*:\s*([+-]?\d*)\s*$/;

/**
 * Reads `--samples 0,5,9` or `--range A:B` (half-open; `A:` runs to the end, `:B` starts at 0).
 * Malformed values are usage errors (exit code 2), reported before the file is opened.
 */
export function parseSampleRequest(options: { samples: string | undefined; range: string | undefined }, command: string): SampleRequest {
  if (options.samples !== undefined && options.range !== undefined) {
    throw new UsageError('give either --samples or --range, not both', command);
  }
  if (options.samples !== undefined) {
    const texts = options.samples.split(',').map((part) => part.trim());
    if (texts.some((text) => !INTEGER.test(text))) {
      throw new UsageError(`--samples takes comma-separated sample indices such as 0,5,9, got ${JSON.stringify(options.samples)}`, command);
    }
    return { kind: 'list', texts };
  }
  if (options.range !== undefined) {
    const match = RANGE.exec(options.range);
    if (match === null) {
      throw new UsageError(`--range takes START:END (half-open, e.g. 0:100), got ${JSON.stringify(options.range)}`, command);
    }
    return { kind: 'range', text: options.range, startText: match[1] ?? '', endText: match[2] ?? '' };
  }
  return { kind: 'all' };
}

/** Checks a request against the file: a negative or out-of-range index is E_SAMPLE_INDEX (exit code 1). */
export function resolveSampleSelection(request: SampleRequest, numSamples: number): SampleSelection {
  switch (request.kind) {
    case 'all':
      return { kind: 'range', start: 0, end: numSamples };
    case 'list':
      return { kind: 'list', indices: request.texts.map((text) => checkIndex(text, numSamples, '--samples', false)) };
    case 'range': {
      const start = request.startText === '' ? 0 : checkIndex(request.startText, numSamples, '--range', true);
      const end = request.endText === '' ? numSamples : checkIndex(request.endText, numSamples, '--range', true);
      if (start > end) {
        throw new TesseraError('E_SAMPLE_INDEX', `--range ${request.text}: the start ${start} is after the end ${end}`);
      }
      return { kind: 'range', start, end };
    }
  }
}

/** A range bound may equal the sample count (`--range 10:10` is empty, `0:N` is everything). */
function checkIndex(text: string, numSamples: number, option: string, isRangeBound: boolean): number {
  const index = Number(text);
  const last = isRangeBound ? numSamples : numSamples - 1;
  if (Number.isSafeInteger(index) && index >= 0 && index <= last) return index + 0; // "-0" is 0
  const reason = index < 0 ? 'negative indices are not supported' : `the file has ${numSamples} samples`;
  const valid = last < 0 ? 'none' : `0..${last}`;
  throw new TesseraError('E_SAMPLE_INDEX', `${option}: sample index ${text} is out of range (${reason}; valid: ${valid})`);
}

/** How many samples a selection visits. */
export function selectionLength(selection: SampleSelection): number {
  return selection.kind === 'list' ? selection.indices.length : selection.end - selection.start;
}

/** The sample index at `position` (0 ≤ position < selectionLength) of a selection. */
export function selectedIndex(selection: SampleSelection, position: number): number {
  return selection.kind === 'list' ? selection.indices[position]! : selection.start + position;
}
