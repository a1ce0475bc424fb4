import type { Dataset, SampleWindow, StreamSpan } from '@tessera/core';
import type { ConformanceWindow } from './field-conformance-options.js';

/** The window object a placer reuses (DecodeContext.window is read-only to decoders). */
interface MutableSampleWindow extends SampleWindow {
  startSeconds: number;
  durationSeconds: number;
}

/** Places the suite's `window` option on the samples of one open file. */
export interface WindowPlacer {
  /**
   * The window of a sample: `{ startSeconds: timeline start (0 without a stream or a timeline) +
   * offsetSeconds, durationSeconds: seconds }`, written into one reused object (copy it to keep it).
   */
  place(sampleIndex: number): SampleWindow;
}

/**
 * Computed from the file on each thread (as the loader's planner does), so the calling thread and
 * the decode worker get the same windows only if the codec's `timeline` agrees between them.
 */
export function createWindowPlacer(dataset: Dataset, fieldName: string, options: ConformanceWindow): WindowPlacer {
  const timed = dataset.hasTimeline(fieldName);
  const offsetSeconds = options.offsetSeconds ?? 0;
  const span: StreamSpan = { startSeconds: 0, durationSeconds: 0 };
  const window: MutableSampleWindow = { startSeconds: offsetSeconds, durationSeconds: options.seconds };
  return {
    place(sampleIndex) {
      const stream = timed ? dataset.timeline(fieldName, sampleIndex, span) : undefined;
      window.startSeconds = (stream?.startSeconds ?? 0) + offsetSeconds;
      window.durationSeconds = options.seconds;
      return window;
    },
  };
}

/** ", window [start, end) s" for messages, or '' without a window. */
export function describeWindow(window: SampleWindow | undefined): string {
  if (window === undefined) return '';
  return `, window [${window.startSeconds}, ${window.startSeconds + window.durationSeconds}) s`;
}

/** Throws a TypeError naming the suite unless `window` is a valid `window` option (or undefined). */
export function checkWindowOption(window: ConformanceWindow | undefined, name: string): void {
  if (window === undefined) return;
  if (window === null || typeof window !== 'object' || Array.isArray(window)) {
    throw new TypeError(`${name}: options.window must be { seconds, offsetSeconds? }, got ${JSON.stringify(window)}`);
  }
  for (const key of Object.keys(window)) {
    if (key !== 'seconds' && key !== 'offsetSeconds') throw new TypeError(`${name}: options.window has an unknown key "${key}"; it takes seconds and offsetSeconds`);
  }
  if (typeof window.seconds !== 'number' || !Number.isFinite(window.seconds) || !(window.seconds > 0)) {
    throw new TypeError(`${name}: options.window.seconds must be a finite number of seconds > 0, got ${JSON.stringify(window.seconds)}`);
  }
  const offset = window.offsetSeconds;
  if (offset !== undefined && (typeof offset !== 'number' || !Number.isFinite(offset))) {
    throw new TypeError(`${name}: options.window.offsetSeconds must be a finite number of seconds, got ${JSON.stringify(offset)}`);
  }
}
