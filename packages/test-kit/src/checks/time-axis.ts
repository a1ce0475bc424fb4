import type { Dataset, StreamSpan } from '@tessera/core';
import { type ConformanceContext, FIELD, messageOf } from '../conformance-context.js';
import { fail } from '../conformance-error.js';
import { formatValue } from '../deep-equal.js';

/** Extra elements of the roomy `out` passed to `anchors` (beyond what the sample needs). */
const SPARE_ANCHOR_ELEMENTS = 64;
/** Written into `out` before each call, so that a value the hook did not write shows. */
const STALE = -12345.678;

/** What a sample's hooks return: the timeline (undefined: no stream) and the spans, as plain numbers. */
interface SampleTime {
  timeline: [startSeconds: number, durationSeconds: number] | undefined;
  anchors: number[] | undefined;
}

/**
 * Codecs with `timeline` and/or `anchors` (stream fields on a time axis), through the dataset API
 * the loader's window planner uses and without decoding anything. For every sample:
 * - `timeline()` gives a finite start and a finite duration ≥ 0, or no stream; a second call (into
 *   an `out` holding other values) gives the same, and so does a second open of the file;
 * - `anchors()` gives an even number of finite values, each pair [start, end) with end ≥ start;
 *   the hook counts its spans whatever `out`'s length and writes every pair when it has room: the
 *   same spans when `out` is empty, one pair too short, exactly long enough and roomy (each `out`
 *   prefilled with other values); again the same on the second open.
 */
export async function checkTimeAxis(context: ConformanceContext): Promise<void> {
  const path = await context.reference();
  const first = await context.withDataset(path, (dataset) => {
    const times: SampleTime[] = [];
    for (let sampleIndex = 0; sampleIndex < dataset.numSamples; sampleIndex++) times.push(sampleTime(context, dataset, sampleIndex));
    return times;
  });
  await context.withDataset(path, (dataset) => {
    for (let sampleIndex = 0; sampleIndex < dataset.numSamples; sampleIndex++) {
      const again = sampleTime(context, dataset, sampleIndex);
      const where = `${describeSample(context, sampleIndex)}, on a second open of the file`;
      const before = first[sampleIndex]!;
      if (!sameNumbers(before.timeline, again.timeline)) fail(`${where}: timeline() gives ${formatTimeline(again.timeline)}, the first open gave ${formatTimeline(before.timeline)}`);
      if (!sameNumbers(before.anchors, again.anchors)) fail(`${where}: anchors() gives ${formatValue(again.anchors)}, the first open gave ${formatValue(before.anchors)}`);
    }
  });
}

function describeSample(context: ConformanceContext, sampleIndex: number): string {
  return `sample ${sampleIndex} (${formatValue(context.samples[sampleIndex])})`;
}

function sampleTime(context: ConformanceContext, dataset: Dataset, sampleIndex: number): SampleTime {
  const where = describeSample(context, sampleIndex);
  return {
    timeline: dataset.hasTimeline(FIELD) ? timelineOf(dataset, sampleIndex, where) : undefined,
    anchors: dataset.hasAnchors(FIELD) ? anchorsOf(dataset, sampleIndex, where) : undefined,
  };
}

function timelineOf(dataset: Dataset, sampleIndex: number, where: string): [number, number] | undefined {
  const call = (stale: number): [number, number] | undefined => {
    const out: StreamSpan = { startSeconds: stale, durationSeconds: stale };
    let span: StreamSpan | undefined;
    try {
      span = dataset.timeline(FIELD, sampleIndex, out);
    } catch (error) {
      fail(`${where}: timeline() threw: ${messageOf(error)}`, error);
    }
    if (span === undefined) return undefined;
    const { startSeconds, durationSeconds } = span;
    if (!Number.isFinite(startSeconds) || !Number.isFinite(durationSeconds) || !(durationSeconds >= 0)) {
      fail(`${where}: timeline() gives start ${startSeconds} s, duration ${durationSeconds} s; both must be finite and the duration ≥ 0 (return false for a sample without the stream)`);
    }
    return [startSeconds, durationSeconds];
  };
  const once = call(STALE);
  const twice = call(-STALE);
  if (!sameNumbers(once, twice)) {
    fail(`${where}: timeline() gives ${formatTimeline(once)}, then ${formatTimeline(twice)} when called again with an out holding other values; it must be a pure function of the stored metadata that writes both members of out`);
  }
  return once;
}

function anchorsOf(dataset: Dataset, sampleIndex: number, where: string): number[] {
  const call = (length: number, stale: number, label: string): number[] => {
    let pairs: Float64Array;
    try {
      pairs = dataset.anchors(FIELD, sampleIndex, new Float64Array(length).fill(stale));
    } catch (error) {
      fail(`${where}: anchors() ${label} threw: ${messageOf(error)}`, error);
    }
    if (pairs.length % 2 !== 0) {
      fail(`${where}: anchors() ${label} gives ${pairs.length} numbers, not [start, end) pairs: it must return a whole number of spans`);
    }
    for (let index = 0; index < pairs.length; index += 2) {
      const start = pairs[index]!;
      const end = pairs[index + 1]!;
      if (!Number.isFinite(start) || !Number.isFinite(end) || !(end >= start)) {
        fail(`${where}: anchors() ${label}: span ${index / 2} is [${start}, ${end}) s; starts and ends must be finite seconds with end ≥ start`);
      }
    }
    return Array.from(pairs);
  };
  const rule = 'anchors(field, sampleIndex, out) must return the sample\'s span count whatever out\'s length, and write all the pairs when out.length ≥ 2 × count';
  // An empty out is too short whenever the sample has spans: the hook is asked for the count, then
  // (by the dataset) again with exactly the room for it.
  const counted = call(0, STALE, 'with an empty out');
  const count = counted.length / 2;
  const roomyCount = count + SPARE_ANCHOR_ELEMENTS / 2;
  const roomy = call(roomyCount * 2, -STALE, `with room for ${roomyCount} spans`);
  if (!sameNumbers(counted, roomy)) {
    fail(`${where}: anchors() gives ${count} span(s) ${formatValue(counted)} when out is empty, ${roomy.length / 2} ${formatValue(roomy)} with room for ${roomyCount}; ${rule}`);
  }
  const others: Array<[number, number, string]> = [[roomy.length + 2 * SPARE_ANCHOR_ELEMENTS, STALE, `with room for ${roomy.length / 2 + SPARE_ANCHOR_ELEMENTS} spans`]];
  if (count > 0) others.push([counted.length - 2, -STALE, `with room for ${count - 1} span(s), one too few`], [counted.length, STALE, `with room for exactly ${count} span(s)`]);
  for (const [length, stale, label] of others) {
    const other = call(length, stale, label);
    if (!sameNumbers(roomy, other)) {
      fail(`${where}: anchors() ${label} gives ${other.length / 2} span(s) ${formatValue(other)}, with room for ${roomyCount} it gave ${roomy.length / 2} ${formatValue(roomy)}; ${rule}`);
    }
  }
  return roomy;
}

function sameNumbers(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((value, index) => Object.is(value, b[index]));
}

function formatTimeline(timeline: readonly number[] | undefined): string {
  return timeline === undefined ? 'no stream (false)' : `start ${timeline[0]} s, duration ${timeline[1]} s`;
}
