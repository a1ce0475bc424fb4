import { type DecoderDefinition, type FieldCodec, type FieldReader, type MetadataLayout, type OutputSlot, TesseraError } from '@tessera/core';
import { AudioFormatError } from '../audio-errors.js';
import { MAX_OUTPUT_ELEMENTS, booleanValue, integerValue, optionRecord, rejectUnknown } from './option-values.js';
import { ByteScratch, checkPayloadRange } from './payload-range.js';

/**
 * `alignments({ sampleRate })`: labelled time spans per sample — word or phone alignments, sound
 * events, diarization turns — in samples at the rate of the audio they describe, on the sample's time axis: a span's seconds are
 * start / sampleRate, the axis a waveform's `startTime` and a video's timestamps use (so spans of an
 * audio stream that starts at 0.5 s begin at 0.5 × rate or later).
 *
 *   metadata column (16 bytes, 8-aligned)   pointer u64 @0   spans u32 @8   payload bytes u32 @12
 *   payload (one allocation, none when there are no spans)
 *     spans × 28 bytes: start u32, duration u32, score f32 (NaN: none),
 *                       label offset u32, label bytes u32, speaker offset u32 (0xFFFFFFFF: none), speaker bytes u32
 *     the UTF-8 strings (offsets are from the start of this table)
 */
export type AlignmentsArguments = {
  /** The rate of `start` and `duration` (the audio field's sample rate). */
  sampleRate: number;
};

export interface AlignmentSpan {
  /** First sample of the span. */
  start: number;
  /** Length in samples. */
  duration: number;
  /** The word, phone, event class… */
  label: string;
  speaker?: string;
  /** Confidence or posterior; absent when not known. */
  score?: number;
}

export const ALIGNMENTS_CODEC_ID = 'audio/alignments';
const METADATA_LAYOUT: MetadataLayout = { byteLength: 16, alignment: 8 };
const SPANS_OFFSET = 8;
const BYTES_OFFSET = 12;
const RECORD_BYTES = 28;
const NO_SPEAKER = 0xffff_ffff;
const MAX_U32 = 0xffff_ffff;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

const readSpans = (field: FieldReader, sampleIndex: number): number => field.metadata.getUint32(field.recordOffset(sampleIndex) + SPANS_OFFSET, true);
const readByteLength = (field: FieldReader, sampleIndex: number): number => field.metadata.getUint32(field.recordOffset(sampleIndex) + BYTES_OFFSET, true);
const readPointer = (field: FieldReader, sampleIndex: number): number => field.readUint64(field.recordOffset(sampleIndex));

export function normalizeAlignmentsArguments(args: AlignmentsArguments): AlignmentsArguments {
  const record = optionRecord(args, 'alignments()');
  rejectUnknown(record, ['sampleRate'], 'alignments()');
  return { sampleRate: integerValue(record, 'sampleRate', undefined, 1, 10_000_000, 'alignments()') };
}

function encodeSpans(value: readonly AlignmentSpan[], metadata: DataView, allocate: (payload: Uint8Array, pointerOffset?: number) => void): void {
  if (!Array.isArray(value)) throw new TypeError(`an alignments value is an array of { start, duration, label, speaker?, score? }, got ${value === null ? 'null' : typeof value}`);
  const strings: Uint8Array[] = [];
  let stringBytes = 0;
  for (const [index, span] of value.entries()) {
    if (span === null || typeof span !== 'object') throw new TypeError(`span ${index} must be an object, got ${JSON.stringify(span)}`);
    for (const key of Object.keys(span)) {
      if (!['start', 'duration', 'label', 'speaker', 'score'].includes(key)) throw new TypeError(`span ${index} has no property "${key}"; spans have start, duration, label, speaker, score`);
    }
    for (const key of ['start', 'duration'] as const) {
      const number = span[key];
      if (!Number.isSafeInteger(number) || number < 0 || number > MAX_U32) throw new RangeError(`span ${index}: ${key} must be an integer number of samples from 0 to ${MAX_U32}, got ${JSON.stringify(number)}`);
    }
    if (typeof span.label !== 'string') throw new TypeError(`span ${index}: label must be a string, got ${JSON.stringify(span.label)}`);
    if (span.speaker !== undefined && typeof span.speaker !== 'string') throw new TypeError(`span ${index}: speaker must be a string, got ${JSON.stringify(span.speaker)}`);
    if (span.score !== undefined && (typeof span.score !== 'number' || !Number.isFinite(span.score))) throw new RangeError(`span ${index}: score must be a finite number, got ${JSON.stringify(span.score)}`);
    const label = encoder.encode(span.label);
    strings.push(label);
    stringBytes += label.byteLength;
    if (span.speaker !== undefined) {
      const speaker = encoder.encode(span.speaker);
      strings.push(speaker);
      stringBytes += speaker.byteLength;
    }
  }
  const byteLength = value.length * RECORD_BYTES + stringBytes;
  if (byteLength > MAX_U32) throw new RangeError(`${byteLength} bytes of spans, more than ${MAX_U32}`);
  metadata.setUint32(SPANS_OFFSET, value.length, true);
  metadata.setUint32(BYTES_OFFSET, byteLength, true);
  if (value.length === 0) return;
  const payload = new Uint8Array(byteLength);
  const view = new DataView(payload.buffer);
  let stringOffset = value.length * RECORD_BYTES;
  let next = 0;
  const place = (): [number, number] => {
    const bytes = strings[next++]!;
    payload.set(bytes, stringOffset);
    const at = stringOffset;
    stringOffset += bytes.byteLength;
    return [at, bytes.byteLength];
  };
  for (const [index, span] of value.entries()) {
    const record = index * RECORD_BYTES;
    view.setUint32(record, span.start, true);
    view.setUint32(record + 4, span.duration, true);
    view.setFloat32(record + 8, span.score ?? Number.NaN, true);
    const [labelAt, labelBytes] = place();
    view.setUint32(record + 12, labelAt, true);
    view.setUint32(record + 16, labelBytes, true);
    const [speakerAt, speakerBytes] = span.speaker === undefined ? [NO_SPEAKER, 0] : place();
    view.setUint32(record + 20, speakerAt, true);
    view.setUint32(record + 24, speakerBytes, true);
  }
  allocate(payload, 0);
}

/** The span records of a sample (count × 28 bytes), checked against the payload length. */
function spanTable(field: FieldReader, sampleIndex: number, count: number): DataView {
  const byteLength = readByteLength(field, sampleIndex);
  if (count * RECORD_BYTES > byteLength) throw new AudioFormatError(`sample ${sampleIndex}: ${count} spans need ${count * RECORD_BYTES} bytes, the payload has ${byteLength}`);
  const bytes = field.bytes(readPointer(field, sampleIndex), count * RECORD_BYTES);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readAll(field: FieldReader, sampleIndex: number): AlignmentSpan[] {
  const count = readSpans(field, sampleIndex);
  if (count === 0) return [];
  const byteLength = readByteLength(field, sampleIndex);
  const bytes = field.bytes(readPointer(field, sampleIndex), byteLength);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (offset: number, length: number, what: string, index: number): string => {
    if (offset < count * RECORD_BYTES || offset + length > byteLength) throw new RangeError(`sample ${sampleIndex}: span ${index}'s ${what} (${length} bytes at ${offset}) lies outside the span table`);
    return decoder.decode(bytes.subarray(offset, offset + length));
  };
  const spans: AlignmentSpan[] = [];
  for (let index = 0; index < count; index++) {
    const record = index * RECORD_BYTES;
    const span: AlignmentSpan = { start: view.getUint32(record, true), duration: view.getUint32(record + 4, true), label: text(view.getUint32(record + 12, true), view.getUint32(record + 16, true), 'label', index) };
    const speakerAt = view.getUint32(record + 20, true);
    if (speakerAt !== NO_SPEAKER) span.speaker = text(speakerAt, view.getUint32(record + 24, true), 'speaker', index);
    const score = view.getFloat32(record + 8, true);
    if (!Number.isNaN(score)) span.score = score;
    spans.push(span);
  }
  return spans;
}

/**
 * int32 [maxSpans, 3], variable in dimension 0: (start, duration, label id) per span, where the label
 * id is the label's index in the `vocabulary` option (−1 when absent from it; always −1 without one).
 * With `window: true`: the spans overlapping the loader's window [t, t + d) — in samples, w0 =
 * round(t × rate), w1 = w0 + round(d × rate), span [s, s + duration) overlaps when s < w1 and
 * s + duration > w0 — in stored order, with start relative to the window (s − w0, negative for a span
 * that began before it). Without a vocabulary no label is read (no allocation per decode).
 */
const spansDecoder: DecoderDefinition<AlignmentsArguments> = {
  options: ['maxSpans', 'vocabulary', 'window'],
  setup(field, rawOptions) {
    const where = `decoder "spans" of field "${field.name}"`;
    const options = optionRecord(rawOptions, where);
    const { sampleRate } = field.arguments;
    let maxSpans: number;
    if (options.maxSpans !== undefined) maxSpans = integerValue(options, 'maxSpans', undefined, 1, MAX_OUTPUT_ELEMENTS / 3, where);
    else {
      maxSpans = 1;
      for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) maxSpans = Math.max(maxSpans, readSpans(field, sampleIndex));
    }
    const vocabulary = new Map<string, number>();
    if (options.vocabulary !== undefined) {
      if (!Array.isArray(options.vocabulary) || !options.vocabulary.every((label) => typeof label === 'string')) throw new TypeError(`${where}: vocabulary must be an array of label strings`);
      for (const [index, label] of (options.vocabulary as string[]).entries()) if (!vocabulary.has(label)) vocabulary.set(label, index);
    }
    const cutByWindow = booleanValue(options, 'window', false, where);
    const scratch = new ByteScratch();
    // Views of the scratch, made again only when it grows (no allocation per decode).
    let bytes = new Uint8Array(scratch.arrayBuffer);
    let view = new DataView(scratch.arrayBuffer);
    return {
      output: { dtype: 'int32', shape: [maxSpans, 3], variableDims: [0] },
      decode(sampleIndex: number, slot: OutputSlot, context) {
        let windowFirst = 0;
        let windowEnd = 0;
        if (cutByWindow) {
          const window = context?.window;
          if (window === undefined) {
            throw new TesseraError('E_ARGUMENT', `${where}: window: true cuts the loader's time window, and this decode has none; give the loader a window option ({ window: { timeline, seconds } }), or drop window: true for standalone decodes`);
          }
          windowFirst = Math.round(window.startSeconds * sampleRate);
          windowEnd = windowFirst + Math.round(window.durationSeconds * sampleRate);
          if (!Number.isFinite(windowEnd)) throw new TesseraError('E_ARGUMENT', `${where}: the loader's window is ${window.durationSeconds} s from ${window.startSeconds} s; both must be finite`);
        }
        const out = slot.data as Int32Array;
        out.fill(0);
        const count = readSpans(field, sampleIndex);
        let written = 0;
        if (count > 0) {
          const byteLength = readByteLength(field, sampleIndex);
          if (count * RECORD_BYTES > byteLength) throw new AudioFormatError(`sample ${sampleIndex}: ${count} spans need ${count * RECORD_BYTES} bytes, the payload has ${byteLength}`);
          // Without a vocabulary only the span table is needed.
          const needed = vocabulary.size === 0 ? count * RECORD_BYTES : byteLength;
          if (bytes.byteLength < needed) {
            scratch.bytes(needed);
            bytes = new Uint8Array(scratch.arrayBuffer);
            view = new DataView(scratch.arrayBuffer);
          }
          field.copyBytes(readPointer(field, sampleIndex), needed, bytes, 0);
          for (let index = 0; index < count && written < maxSpans; index++) {
            const record = index * RECORD_BYTES;
            const start = view.getUint32(record, true);
            const duration = view.getUint32(record + 4, true);
            if (cutByWindow && !(start < windowEnd && start + duration > windowFirst)) continue;
            out[written * 3] = start - windowFirst;
            out[written * 3 + 1] = duration;
            out[written * 3 + 2] = vocabulary.size === 0 ? -1 : (vocabulary.get(labelOf(bytes, view, count, index, byteLength, sampleIndex)) ?? -1);
            written++;
          }
        }
        slot.lengths[0] = written;
      },
    };
  },
};

function labelOf(bytes: Uint8Array, view: DataView, count: number, index: number, byteLength: number, sampleIndex: number): string {
  const record = index * RECORD_BYTES;
  const offset = view.getUint32(record + 12, true);
  const length = view.getUint32(record + 16, true);
  if (offset < count * RECORD_BYTES || offset + length > byteLength) throw new AudioFormatError(`sample ${sampleIndex}: span ${index}'s label (${length} bytes at ${offset}) lies outside the span table`);
  try {
    return decoder.decode(bytes.subarray(offset, offset + length));
  } catch (error) {
    throw new AudioFormatError(`sample ${sampleIndex}: span ${index}'s label is not UTF-8`, { cause: error });
  }
}

/** int32 scalar: the number of spans. */
const countDecoder: DecoderDefinition<AlignmentsArguments> = {
  options: [],
  setup(field) {
    return {
      output: { dtype: 'int32', shape: [] },
      decode(sampleIndex: number, slot: OutputSlot) {
        (slot.data as Int32Array)[0] = readSpans(field, sampleIndex);
      },
    };
  },
};

export const alignmentsCodec: FieldCodec<readonly AlignmentSpan[], AlignmentsArguments> = {
  id: ALIGNMENTS_CODEC_ID,
  normalizeArguments: normalizeAlignmentsArguments,
  metadataLayout: () => METADATA_LAYOUT,
  encode(value, _args, target) {
    encodeSpans(value, target.metadata, target.allocate.bind(target));
  },
  validate(field) {
    for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
      const count = readSpans(field, sampleIndex);
      const byteLength = readByteLength(field, sampleIndex);
      if (count * RECORD_BYTES > byteLength) throw new RangeError(`sample ${sampleIndex}: ${count} spans need ${count * RECORD_BYTES} bytes, the payload has ${byteLength}`);
      if (count > 0) checkPayloadRange(field, sampleIndex, readPointer(field, sampleIndex), byteLength, 'the spans');
    }
  },
  read: readAll,
  length: readSpans,
  /** The spans with their times in seconds on the sample's time axis. */
  preview(field, sampleIndex) {
    const { sampleRate } = field.arguments;
    const spans = readAll(field, sampleIndex).map((span) => ({ ...span, startSeconds: span.start / sampleRate, endSeconds: (span.start + span.duration) / sampleRate }));
    return { kind: 'json', value: { sampleRate, spans } };
  },
  statistics: (field, sampleIndex) => ({ spans: readSpans(field, sampleIndex) }),
  timeline(field, sampleIndex, out) {
    const count = readSpans(field, sampleIndex);
    if (count === 0) return false;
    const view = spanTable(field, sampleIndex, count);
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (let index = 0; index < count; index++) {
      const start = view.getUint32(index * RECORD_BYTES, true);
      first = Math.min(first, start);
      last = Math.max(last, start + view.getUint32(index * RECORD_BYTES + 4, true));
    }
    const { sampleRate } = field.arguments;
    out.startSeconds = first / sampleRate;
    out.durationSeconds = (last - first) / sampleRate;
    return true;
  },
  anchors(field, sampleIndex, out) {
    const count = readSpans(field, sampleIndex);
    if (count === 0 || out.length < 2 * count) return count;
    const view = spanTable(field, sampleIndex, count);
    const { sampleRate } = field.arguments;
    for (let index = 0; index < count; index++) {
      const start = view.getUint32(index * RECORD_BYTES, true);
      out[2 * index] = start / sampleRate;
      out[2 * index + 1] = (start + view.getUint32(index * RECORD_BYTES + 4, true)) / sampleRate;
    }
    return count;
  },
  decoders: { spans: spansDecoder, count: countDecoder },
  defaultDecoder: 'spans',
};
