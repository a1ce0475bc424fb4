import type { Dataset, StreamSpan } from '@tessera/core';

/** Streams whose durations differ by more than this (seconds) are flagged, unless the page asks for another tolerance. */
export const DEFAULT_DRIFT_TOLERANCE_SECONDS = 0.1;
/** Spans sent per request, over all span fields of a row: a page cannot show more words than this usefully. */
export const MAX_TIMELINE_SPANS = 2000;
/** Longest label sent per span (characters); a cue of a whole paragraph is cut. */
export const MAX_SPAN_LABEL_LENGTH = 200;

/** The fields a time-aligned view is drawn from: those with a time axis or labelled spans. */
export interface TimelineFields {
  streams: string[];
  anchors: string[];
}

export interface TimelineStream {
  field: string;
  startSeconds: number;
  durationSeconds: number;
}

/** [start, end) seconds on the sample's time axis, and the label when the field's stored value names one. */
export type TimelineSpan = [startSeconds: number, endSeconds: number, label?: string];

export interface TimelineAnchors {
  field: string;
  /** spans the sample has in this field (more than `spans.length` when truncated) */
  count: number;
  spans: TimelineSpan[];
}

export interface DriftFlag {
  field: string;
  /** the stream it is compared with */
  reference: string;
  /** 'duration': two media streams of different lengths; 'end' / 'start': spans reaching past the media streams */
  kind: 'duration' | 'end' | 'start';
  /** signed: positive when `field` is longer, ends later or starts earlier than `reference` */
  differenceSeconds: number;
  message: string;
}

export interface TimelineDrift {
  toleranceSeconds: number;
  flags: DriftFlag[];
}

/** What `GET /api/timeline/<row>` returns. */
export interface SampleTimeline {
  row: number;
  /** the axis: the earliest start to the latest end over the streams and spans; 0 to 0 with none */
  startSeconds: number;
  endSeconds: number;
  streams: TimelineStream[];
  anchors: TimelineAnchors[];
  /** some spans were left out (MAX_TIMELINE_SPANS in all) */
  truncated: boolean;
  drift: TimelineDrift;
}

/**
 * The fields of a dataset a time-aligned view can show, or undefined when it has too few: two
 * streams on a time axis, or one stream and one field of labelled spans.
 */
export function findTimelineFields(dataset: Dataset): TimelineFields | undefined {
  const streams = dataset.fields.filter((field) => dataset.hasTimeline(field.name)).map((field) => field.name);
  const anchors = dataset.fields.filter((field) => dataset.hasAnchors(field.name)).map((field) => field.name);
  const qualifies = streams.length >= 2 || (streams.length === 1 && anchors.some((name) => name !== streams[0]));
  return qualifies ? { streams, anchors } : undefined;
}

/**
 * One row's streams, spans and drift. Media streams are the timeline fields without spans (video,
 * audio); span fields (alignments, timed text) cover only the speech, so their shorter duration is
 * not drift: they are flagged only when they reach before or after every media stream.
 */
export function buildSampleTimeline(dataset: Dataset, fields: TimelineFields, row: number, toleranceSeconds: number): SampleTimeline {
  const streams: TimelineStream[] = [];
  const span: StreamSpan = { startSeconds: 0, durationSeconds: 0 };
  for (const field of fields.streams) {
    if (dataset.timeline(field, row, span) !== undefined) streams.push({ field, startSeconds: span.startSeconds, durationSeconds: span.durationSeconds });
  }
  const anchors: TimelineAnchors[] = [];
  let spansLeft = MAX_TIMELINE_SPANS;
  let truncated = false;
  for (const field of fields.anchors) {
    const times = dataset.anchors(field, row);
    const count = times.length / 2;
    const kept = Math.min(count, spansLeft);
    spansLeft -= kept;
    truncated ||= kept < count;
    const labels = kept === 0 ? undefined : labelsOf(dataset.read(row, field), count);
    const spans: TimelineSpan[] = [];
    for (let index = 0; index < kept; index++) {
      const label = labels?.[index];
      spans.push(label === undefined ? [times[2 * index]!, times[2 * index + 1]!] : [times[2 * index]!, times[2 * index + 1]!, label]);
    }
    anchors.push({ field, count, spans });
  }
  let startSeconds = Number.POSITIVE_INFINITY;
  let endSeconds = Number.NEGATIVE_INFINITY;
  for (const stream of streams) {
    startSeconds = Math.min(startSeconds, stream.startSeconds);
    endSeconds = Math.max(endSeconds, stream.startSeconds + stream.durationSeconds);
  }
  for (const { spans } of anchors) {
    for (const [start, end] of spans) {
      startSeconds = Math.min(startSeconds, start);
      endSeconds = Math.max(endSeconds, end);
    }
  }
  if (startSeconds > endSeconds) startSeconds = endSeconds = 0;
  return { row, startSeconds, endSeconds, streams, anchors, truncated, drift: { toleranceSeconds, flags: findDrift(streams, new Set(fields.anchors), toleranceSeconds) } };
}

/**
 * Labels from a stored value that is an array of spans in anchor order: each item's `label` (word
 * alignments) or `text` (cues). Undefined when the value has another shape: the spans stay unlabelled.
 */
function labelsOf(value: unknown, count: number): (string | undefined)[] | undefined {
  if (!Array.isArray(value) || value.length !== count) return undefined;
  return value.map((item) => {
    if (item === null || typeof item !== 'object') return undefined;
    const { label, text } = item as { label?: unknown; text?: unknown };
    const name = typeof label === 'string' ? label : typeof text === 'string' ? text : undefined;
    return name === undefined || name.length <= MAX_SPAN_LABEL_LENGTH ? name : `${name.slice(0, MAX_SPAN_LABEL_LENGTH - 1)}…`;
  });
}

function findDrift(streams: readonly TimelineStream[], spanFields: ReadonlySet<string>, toleranceSeconds: number): DriftFlag[] {
  const media = streams.filter((stream) => !spanFields.has(stream.field));
  const flags: DriftFlag[] = [];
  const seconds = (value: number) => `${value.toFixed(2)} s`;
  const reference = media[0];
  if (reference === undefined) return flags;
  for (const stream of media.slice(1)) {
    const difference = stream.durationSeconds - reference.durationSeconds;
    if (Math.abs(difference) <= toleranceSeconds) continue;
    flags.push({
      field: stream.field,
      reference: reference.field,
      kind: 'duration',
      differenceSeconds: difference,
      message: `${stream.field} lasts ${seconds(Math.abs(difference))} ${difference > 0 ? 'longer' : 'less'} than ${reference.field} (${seconds(stream.durationSeconds)} vs ${seconds(reference.durationSeconds)})`,
    });
  }
  const mediaStart = Math.min(...media.map((stream) => stream.startSeconds));
  const mediaEnd = Math.max(...media.map((stream) => stream.startSeconds + stream.durationSeconds));
  const last = media.reduce((latest, stream) => (stream.startSeconds + stream.durationSeconds > latest.startSeconds + latest.durationSeconds ? stream : latest));
  const first = media.reduce((earliest, stream) => (stream.startSeconds < earliest.startSeconds ? stream : earliest));
  for (const stream of streams.filter((candidate) => spanFields.has(candidate.field))) {
    const late = stream.startSeconds + stream.durationSeconds - mediaEnd;
    if (late > toleranceSeconds) {
      flags.push({ field: stream.field, reference: last.field, kind: 'end', differenceSeconds: late, message: `${stream.field} ends ${seconds(late)} after ${last.field} (at ${seconds(mediaEnd + late)} vs ${seconds(mediaEnd)})` });
    }
    const early = mediaStart - stream.startSeconds;
    if (early > toleranceSeconds) {
      flags.push({ field: stream.field, reference: first.field, kind: 'start', differenceSeconds: early, message: `${stream.field} starts ${seconds(early)} before ${first.field} (at ${seconds(stream.startSeconds)} vs ${seconds(mediaStart)})` });
    }
  }
  return flags;
}
