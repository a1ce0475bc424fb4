/**
 * The kit on stream fields placed on a time axis (issue 12): a third-party-style plugin with
 * `timeline`, `anchors` and a decoder that cuts by the loader's window passes the whole suite with
 * the `window` option; faulty hooks fail the 'time-axis' check (or, for a timeline that differs
 * between threads, 'worker-decoding') with a message naming the sample.
 */
import { describe, expect, it } from 'vitest';
import { type ConformanceCheckId, createFieldConformance, describeDifference, runFieldConformance } from '../src/index.js';
import { type TimedFault, events, timedPlugin } from './fixtures/timed-plugin.mjs';

type Events = Array<[number, number]>;
const MAX_EVENTS = 4;
const values: Events[] = [
  [
    [0.5, 1],
    [1.25, 2],
  ],
  [[3, 3.5]],
  [
    [0, 0.25],
    [0.125, 0.5],
    [10, 10],
  ],
];
const edgeValues: Events[] = [[], [[-2, -1]]];
const invalidValues = ['abc', [[1, 0]], [[0, Number.NaN]], [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]]];
const WINDOW = { seconds: 0.75, offsetSeconds: 0.25 };

/** The events a decoder outputs: all of them, or those overlapping `window` relative to its start. */
function expectedEvents(value: Events, window: { startSeconds: number; durationSeconds: number } | undefined): Float64Array {
  const expected = new Float64Array(MAX_EVENTS * 2);
  let written = 0;
  for (const [start, end] of value) {
    if (window !== undefined && !(start < window.startSeconds + window.durationSeconds && end > window.startSeconds)) continue;
    const shift = window?.startSeconds ?? 0;
    expected.set([start - shift, end - shift], written * 2);
    written++;
  }
  return expected.subarray(0, written * 2);
}

runFieldConformance<Events>({
  name: 'timed/events with a time window',
  plugin: () => timedPlugin(),
  field: events({ maxEvents: MAX_EVENTS }),
  values,
  edgeValues,
  invalidValues,
  decoders: { events: undefined, 'events#window': { window: true } },
  window: WINDOW,
  checkDecoded(value, slot, _output, { decoderOptions, window }) {
    // The kit's window: the sample's timeline start (0 without events) plus offsetSeconds.
    const streamStart = value.length === 0 ? 0 : Math.min(...value.map(([start]) => start));
    const difference = describeDifference({ startSeconds: streamStart + WINDOW.offsetSeconds, durationSeconds: WINDOW.seconds }, window);
    if (difference !== undefined) throw new Error(`context.window: ${difference}`);
    const expected = expectedEvents(value, decoderOptions === undefined ? undefined : window);
    const decoded = slot.data.subarray(0, slot.lengths[0]! * 2);
    const decodedDifference = describeDifference(expected, decoded);
    if (decodedDifference !== undefined) throw new Error(decodedDifference);
  },
});

runFieldConformance<Events>({
  name: 'timed/events without a time window',
  plugin: () => timedPlugin(),
  field: events({ maxEvents: MAX_EVENTS }),
  values,
  edgeValues,
  checkDecoded(value, slot, _output, { window }) {
    if (window !== undefined) throw new Error('checkDecoded got a window without the window option');
    const difference = describeDifference(expectedEvents(value, undefined), slot.data.subarray(0, slot.lengths[0]! * 2));
    if (difference !== undefined) throw new Error(difference);
  },
});

const cases: Array<[TimedFault, ConformanceCheckId, RegExp]> = [
  ['timeline-nan', 'time-axis', /^sample 0 \(\[\[0\.5, 1\], \[1\.25, 2\]\]\): timeline\(\) threw: .*timeline of sample 0 is start NaN s/],
  ['timeline-nan', 'declared-output', /decoder "events", sample 0: placing the window option on the sample's timeline failed: .*start NaN s/],
  [
    'anchors-count-by-room',
    'time-axis',
    /^sample 0 \(\[\[0\.5, 1\], \[1\.25, 2\]\]\): anchors\(\) gives 0 span\(s\) \[\] when out is empty, 2 .* with room for 32; anchors\(field, sampleIndex, out\) must return the sample's span count whatever out's length/,
  ],
  ['timeline-differs-in-worker', 'worker-decoding', /decoder "events" with a DecodeContext seeded by 0 and the window option: sample 0 gets a different window in the worker \(from 1\.25 s for 0\.75 s, on the main thread from 0\.75 s for 0\.75 s\)/],
];

describe('the kit catches faulty time-axis hooks', () => {
  for (const [fault, checkId, message] of cases) {
    it(`${checkId} fails for fault "${fault}"`, async () => {
      const suite = createFieldConformance<Events>({
        name: fault,
        plugin: () => timedPlugin({ fault }),
        field: events({ maxEvents: MAX_EVENTS }, { fault }),
        values,
        edgeValues,
        decoders: { events: undefined, 'events#window': { window: true } },
        window: WINDOW,
      });
      suite.setup();
      try {
        await expect(suite.checks.find((candidate) => candidate.id === checkId)!.run()).rejects.toThrow(message);
      } finally {
        suite.dispose();
      }
    });
  }

  it('passes the faulty timeline of the worker case on the calling thread', async () => {
    const suite = createFieldConformance<Events>({ name: 'worker timeline', plugin: () => timedPlugin({ fault: 'timeline-differs-in-worker' }), field: events({ maxEvents: MAX_EVENTS }, { fault: 'timeline-differs-in-worker' }), values });
    suite.setup();
    try {
      await suite.checks.find((candidate) => candidate.id === 'time-axis')!.run();
    } finally {
      suite.dispose();
    }
  });

  it('fails a window decoder tested without the window option, naming the loader option', async () => {
    const suite = createFieldConformance<Events>({ name: 'no window', plugin: () => timedPlugin(), field: events({ maxEvents: MAX_EVENTS }), values, decoders: { 'events#window': { window: true } } });
    suite.setup();
    try {
      await expect(suite.checks.find((candidate) => candidate.id === 'declared-output')!.run()).rejects.toThrow(/sample 0 .*: decode threw: .*window: true needs the loader option window/);
    } finally {
      suite.dispose();
    }
  });

  it('skips the time-axis check for a codec without timeline and anchors', async () => {
    const { faultyPlugin, points } = await import('./fixtures/faulty-plugin.mjs');
    const suite = createFieldConformance({ name: 'untimed', plugin: () => faultyPlugin(), field: points({ maxPoints: 2 }), values: [[1]] });
    expect(suite.checks.find((candidate) => candidate.id === 'time-axis')!.skipReason).toBe('the codec has no timeline or anchors');
  });

  it('rejects a malformed window option up front', () => {
    const base = { name: 'w', plugin: () => timedPlugin(), field: events({ maxEvents: 1 }), values: [[]] as Events[] };
    expect(() => createFieldConformance({ ...base, window: { seconds: 0 } })).toThrow(/window\.seconds must be a finite number of seconds > 0, got 0/);
    expect(() => createFieldConformance({ ...base, window: { seconds: 1, offsetSeconds: Number.NaN } })).toThrow(/window\.offsetSeconds must be a finite number/);
    expect(() => createFieldConformance({ ...base, window: { seconds: 1, start: 2 } as never })).toThrow(/unknown key "start"/);
  });
});
