import type { DecodeContext, DecoderDefinition, FieldCodec, FieldReader, MetadataLayout, OutputSlot, StreamSpan } from '@tessera/core';
import { TesseraError } from '@tessera/core';
import { type TextTokenizer, type TokenizerIdentity, loadTokenizer, tokenDTypeFor } from '@tessera/text';

/**
 * `timedText({ tokenizer })`: cues on the sample's time axis — subtitles, transcript segments,
 * captions of events — each with a start, a duration, its UTF-8 text and its token ids.
 *
 *   metadata column (24 bytes, 8-aligned)
 *     pointer u64 @0   cues u32 @8   tokens u32 @12   payload bytes u32 @16   present u8 @20 (0: no stream)
 *   payload (one allocation, none without cues)
 *     cues × 24 bytes: start f64 (ticks, an integer), duration u32 (ticks), tokens u32, text bytes u32, 0 u32
 *     the token ids of every cue, in cue order (u16 or u32, arguments.dtype), zero padding to 4
 *     the UTF-8 text of every cue, in cue order
 *
 * Times are integers in ticks of 1 / ticksPerSecond seconds (default 1000: milliseconds) on the
 * sample's time axis (the container's presentation time, like the video and audio streams). Cues
 * are sorted by start; they may overlap.
 */
export type TimedTextArguments = {
  /** The tokenizer the writer used; null for cues given as token ids only. */
  tokenizer: TokenizerIdentity | null;
  /** Ids are in [0, vocabularySize). */
  vocabularySize: number;
  dtype: 'uint16' | 'uint32';
  /** Ticks per second of the stored times (the integer timebase). */
  ticksPerSecond: number;
  /** Passed to the tokenizer for every cue (`add_special_tokens`). Default false: a cue is a fragment. */
  addSpecialTokens: boolean;
};

/** One cue of a value: times in seconds on the sample's time axis; `text`, or `tokens`, or both. */
export interface TimedTextCue {
  start: number;
  end: number;
  text?: string;
  tokens?: ArrayLike<number>;
}

/** A value: the cues (sorted by start), or null for a sample without this stream. */
export type TimedTextValue = readonly TimedTextCue[] | null;

/** What `read()` gives back: times in seconds (ticks / ticksPerSecond), the text, the token ids. */
export interface StoredCue {
  start: number;
  end: number;
  text: string;
  tokens: number[];
}

export const TIMED_TEXT_CODEC_ID = 'multimodal/timed-text';
const METADATA_LAYOUT: MetadataLayout = { byteLength: 24, alignment: 8 };
const CUES = 8;
const TOKENS = 12;
const BYTES = 16;
const PRESENT = 20;
const CUE_BYTES = 24;
const MAX_U32 = 0xffff_ffff;
/** Largest output a decoder allocates per sample (elements). */
const MAX_OUTPUT = 1 << 24;
const encoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

const recordOf = (field: FieldReader, sampleIndex: number) => field.recordOffset(sampleIndex);
export const cueCount = (field: FieldReader, sampleIndex: number): number => field.metadata.getUint32(recordOf(field, sampleIndex) + CUES, true);
export const tokenCount = (field: FieldReader, sampleIndex: number): number => field.metadata.getUint32(recordOf(field, sampleIndex) + TOKENS, true);
const payloadBytes = (field: FieldReader, sampleIndex: number): number => field.metadata.getUint32(recordOf(field, sampleIndex) + BYTES, true);
const isPresent = (field: FieldReader, sampleIndex: number): boolean => field.metadata.getUint8(recordOf(field, sampleIndex) + PRESENT) !== 0;
const tokenBytes = (args: TimedTextArguments): 2 | 4 => (args.dtype === 'uint16' ? 2 : 4);
const align4 = (value: number): number => Math.ceil(value / 4) * 4;

export function normalizeTimedTextArguments(args: TimedTextArguments): TimedTextArguments {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new TypeError(`timedText() arguments must be an object, got ${JSON.stringify(args)}`);
  for (const key of Object.keys(args)) {
    if (!['tokenizer', 'vocabularySize', 'dtype', 'ticksPerSecond', 'addSpecialTokens'].includes(key)) {
      throw new TypeError(`timedText() has no argument "${key}"; its arguments are tokenizer, vocabularySize, dtype, ticksPerSecond, addSpecialTokens`);
    }
  }
  const tokenizer = args.tokenizer ?? null;
  if (tokenizer !== null && (typeof tokenizer !== 'object' || typeof tokenizer.sha256 !== 'string' || typeof tokenizer.path !== 'string')) {
    throw new TypeError(`tokenizer must be the identity timedText({ tokenizer: path }) records, got ${JSON.stringify(tokenizer)}`);
  }
  const vocabularySize = args.vocabularySize ?? tokenizer?.vocabularySize;
  if (!Number.isSafeInteger(vocabularySize) || (vocabularySize as number) < 1 || (vocabularySize as number) > 2 ** 31) {
    throw new RangeError(`vocabularySize must be an integer from 1 to 2^31, got ${JSON.stringify(vocabularySize)}`);
  }
  if (tokenizer !== null && tokenizer.vocabularySize !== vocabularySize) throw new RangeError(`vocabularySize ${vocabularySize} differs from the tokenizer's ${tokenizer.vocabularySize}`);
  const dtype = tokenDTypeFor(vocabularySize as number);
  if (args.dtype !== undefined && args.dtype !== dtype) throw new RangeError(`dtype must be ${JSON.stringify(dtype)} for a vocabulary of ${vocabularySize} ids, got ${JSON.stringify(args.dtype)}`);
  const ticksPerSecond = args.ticksPerSecond ?? 1000;
  if (!Number.isSafeInteger(ticksPerSecond) || ticksPerSecond < 1 || ticksPerSecond > 10_000_000) {
    throw new RangeError(`ticksPerSecond must be an integer from 1 to 10,000,000, got ${JSON.stringify(args.ticksPerSecond)}`);
  }
  const addSpecialTokens = args.addSpecialTokens ?? false;
  if (typeof addSpecialTokens !== 'boolean') throw new TypeError(`addSpecialTokens must be true or false, got ${JSON.stringify(addSpecialTokens)}`);
  return { tokenizer, vocabularySize: vocabularySize as number, dtype, ticksPerSecond, addSpecialTokens };
}

/** The writer's tokenizer, checked once per thread against the identity the field recorded. */
const checkedTokenizers = new Map<string, TextTokenizer>();
function tokenizerOf(identity: TokenizerIdentity): TextTokenizer {
  const key = `${identity.sha256}\u0000${identity.path}`;
  let tokenizer = checkedTokenizers.get(key);
  if (tokenizer === undefined) {
    tokenizer = loadTokenizer(identity.path);
    if (tokenizer.identity.sha256 !== identity.sha256) {
      throw new TesseraError('E_ARGUMENT', `the tokenizer.json at ${identity.path} changed since the field was created: sha256 ${tokenizer.identity.sha256}, recorded ${identity.sha256}; create the field spec again`);
    }
    checkedTokenizers.set(key, tokenizer);
  }
  return tokenizer;
}

function encodeCues(value: TimedTextValue, args: TimedTextArguments, metadata: DataView, allocate: (payload: Uint8Array, pointerOffset?: number) => void): void {
  if (value === null) return;
  if (!Array.isArray(value)) throw new TypeError(`a timedText value is an array of { start, end, text | tokens } cues (seconds), or null for none; got ${typeof value}`);
  metadata.setUint8(PRESENT, 1);
  if (value.length === 0) return;
  const { ticksPerSecond, vocabularySize } = args;
  const starts = new Float64Array(value.length);
  const durations = new Uint32Array(value.length);
  const ids: ArrayLike<number>[] = [];
  const texts: Uint8Array[] = [];
  let totalTokens = 0;
  let totalText = 0;
  let previous = Number.NEGATIVE_INFINITY;
  for (const [index, cue] of value.entries()) {
    if (cue === null || typeof cue !== 'object') throw new TypeError(`cue ${index} must be { start, end, text | tokens }, got ${JSON.stringify(cue)}`);
    for (const key of Object.keys(cue)) {
      if (!['start', 'end', 'text', 'tokens'].includes(key)) throw new TypeError(`cue ${index} has no property "${key}"; cues have start, end, text, tokens`);
    }
    const { start, end } = cue;
    if (typeof start !== 'number' || !Number.isFinite(start) || start < 0) throw new RangeError(`cue ${index}: start must be a non-negative number of seconds, got ${JSON.stringify(start)}`);
    if (typeof end !== 'number' || !Number.isFinite(end) || end < start) throw new RangeError(`cue ${index}: end must be a number of seconds at or after its start (${start}), got ${JSON.stringify(end)}`);
    if (start < previous) {
      throw new RangeError(`cue ${index} starts at ${start} s, before cue ${index - 1} (${previous} s): timestamps out of order; sort the cues by start`);
    }
    previous = start;
    const startTicks = Math.round(start * ticksPerSecond);
    const durationTicks = Math.round(end * ticksPerSecond) - startTicks;
    if (startTicks > Number.MAX_SAFE_INTEGER || durationTicks > MAX_U32) throw new RangeError(`cue ${index}: ${start}–${end} s is beyond what ${ticksPerSecond} ticks per second can store`);
    starts[index] = startTicks;
    durations[index] = durationTicks;
    if (cue.text !== undefined && typeof cue.text !== 'string') throw new TypeError(`cue ${index}: text must be a string, got ${JSON.stringify(cue.text)}`);
    if (cue.text === undefined && cue.tokens === undefined) throw new TypeError(`cue ${index} has neither text nor tokens`);
    let cueIds: ArrayLike<number>;
    if (cue.tokens !== undefined) {
      cueIds = cue.tokens;
      if (typeof cueIds !== 'object' || cueIds === null || typeof cueIds.length !== 'number') throw new TypeError(`cue ${index}: tokens must be an array of token ids`);
      for (let k = 0; k < cueIds.length; k++) {
        const id = cueIds[k]!;
        if (!Number.isInteger(id) || id < 0 || id >= vocabularySize) throw new RangeError(`cue ${index}: token ${k} is ${id}, outside [0, ${vocabularySize})`);
      }
    } else {
      if (args.tokenizer === null) throw new TypeError(`cue ${index} has text but the field has no tokenizer: give timedText({ tokenizer }) or the cue's tokens`);
      cueIds = tokenizerOf(args.tokenizer).encode(cue.text!, args.addSpecialTokens);
    }
    ids.push(cueIds);
    totalTokens += cueIds.length;
    const text = encoder.encode(cue.text ?? '');
    texts.push(text);
    totalText += text.byteLength;
  }
  const itemSize = tokenBytes(args);
  const tokensAt = value.length * CUE_BYTES;
  const textAt = align4(tokensAt + totalTokens * itemSize);
  const byteLength = textAt + totalText;
  if (byteLength > MAX_U32) throw new RangeError(`${byteLength} bytes of cues, more than ${MAX_U32}`);
  const payload = new Uint8Array(byteLength);
  const view = new DataView(payload.buffer);
  let tokenAt = tokensAt;
  let textOffset = textAt;
  for (let index = 0; index < value.length; index++) {
    const record = index * CUE_BYTES;
    const cueIds = ids[index]!;
    view.setFloat64(record, starts[index]!, true);
    view.setUint32(record + 8, durations[index]!, true);
    view.setUint32(record + 12, cueIds.length, true);
    view.setUint32(record + 16, texts[index]!.byteLength, true);
    for (let k = 0; k < cueIds.length; k++) {
      if (itemSize === 2) view.setUint16(tokenAt, cueIds[k]!, true);
      else view.setUint32(tokenAt, cueIds[k]!, true);
      tokenAt += itemSize;
    }
    payload.set(texts[index]!, textOffset);
    textOffset += texts[index]!.byteLength;
  }
  metadata.setUint32(CUES, value.length, true);
  metadata.setUint32(TOKENS, totalTokens, true);
  metadata.setUint32(BYTES, byteLength, true);
  allocate(payload, 0);
}

/**
 * A sample's cue table, read in place (one view per sample, no copies). Checked: counts against the
 * payload size, times sorted and integral, token ids below the vocabulary size.
 */
class CueTable {
  view: DataView = new DataView(new ArrayBuffer(0));
  bytes: Uint8Array = new Uint8Array(0);
  count = 0;
  tokens = 0;
  tokensAt = 0;
  textAt = 0;

  load(field: FieldReader<TimedTextArguments>, sampleIndex: number): this {
    this.count = cueCount(field, sampleIndex);
    this.tokens = tokenCount(field, sampleIndex);
    if (this.count === 0) return this;
    const byteLength = payloadBytes(field, sampleIndex);
    this.tokensAt = this.count * CUE_BYTES;
    this.textAt = align4(this.tokensAt + this.tokens * tokenBytes(field.arguments));
    if (this.textAt > byteLength) throw new TesseraError('E_METADATA', `field "${field.name}" sample ${sampleIndex}: ${this.count} cues and ${this.tokens} tokens need ${this.textAt} bytes, the payload has ${byteLength}`);
    this.bytes = field.bytes(field.readUint64(recordOf(field, sampleIndex)), byteLength);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this;
  }

  startTicks(cue: number): number {
    return this.view.getFloat64(cue * CUE_BYTES, true);
  }
  durationTicks(cue: number): number {
    return this.view.getUint32(cue * CUE_BYTES + 8, true);
  }
  tokenCountOf(cue: number): number {
    return this.view.getUint32(cue * CUE_BYTES + 12, true);
  }
  textBytesOf(cue: number): number {
    return this.view.getUint32(cue * CUE_BYTES + 16, true);
  }
}

/** Checks every stored cue (at open): sums, sorted integral times, ids in range. */
function validateSample(field: FieldReader<TimedTextArguments>, sampleIndex: number, table: CueTable): void {
  table.load(field, sampleIndex);
  if (table.count === 0) return;
  let tokens = 0;
  let text = 0;
  let previous = Number.NEGATIVE_INFINITY;
  for (let cue = 0; cue < table.count; cue++) {
    const start = table.startTicks(cue);
    if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`sample ${sampleIndex}: cue ${cue} starts at ${start} ticks, not a non-negative integer`);
    if (start < previous) throw new RangeError(`sample ${sampleIndex}: cue ${cue} starts at ${start} ticks, before cue ${cue - 1} (${previous}): timestamps out of order`);
    previous = start;
    tokens += table.tokenCountOf(cue);
    text += table.textBytesOf(cue);
  }
  if (tokens !== table.tokens) throw new RangeError(`sample ${sampleIndex}: the cues hold ${tokens} tokens, the metadata says ${table.tokens}`);
  if (table.textAt + text !== table.bytes.byteLength) throw new RangeError(`sample ${sampleIndex}: the cues hold ${text} text bytes, the payload has room for ${table.bytes.byteLength - table.textAt}`);
  const itemSize = tokenBytes(field.arguments);
  for (let k = 0; k < table.tokens; k++) {
    const at = table.tokensAt + k * itemSize;
    const id = itemSize === 2 ? table.view.getUint16(at, true) : table.view.getUint32(at, true);
    if (id >= field.arguments.vocabularySize) throw new RangeError(`sample ${sampleIndex}: token ${k} is ${id}, outside the vocabulary (${field.arguments.vocabularySize} ids)`);
  }
}

/** The range [from, to) of cues overlapping the window (all cues without one). Cues are sorted by start. */
interface CueSelection {
  useWindow: boolean;
  /** window start and end in ticks (set per sample) */
  from: number;
  to: number;
}

function windowOf(selection: CueSelection, context: DecodeContext | undefined, ticksPerSecond: number, where: string): void {
  if (!selection.useWindow) return;
  const window = context?.window;
  if (window === undefined) throw new TesseraError('E_ARGUMENT', `${where}: window: true cuts the cues by the loader's window, and this decode has none; give createLoader a window option ({ window: { timeline, seconds } })`);
  selection.from = window.startSeconds * ticksPerSecond;
  selection.to = (window.startSeconds + window.durationSeconds) * ticksPerSecond;
}

/** A cue [s, s + d) overlaps [from, to) when s < to and s + d > from; a cue of duration 0 when from ≤ s < to. */
function overlaps(table: CueTable, cue: number, selection: CueSelection): boolean {
  if (!selection.useWindow) return true;
  const start = table.startTicks(cue);
  const end = start + table.durationTicks(cue);
  if (start >= selection.to) return false;
  return end > selection.from || (end === start && start >= selection.from);
}

function optionsOf(raw: unknown, where: string): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new TesseraError('E_ARGUMENT', `${where}: options must be an object, got ${JSON.stringify(raw)}`);
  return raw as Record<string, unknown>;
}

function booleanOption(options: Record<string, unknown>, key: string, where: string): boolean {
  const value = options[key] ?? false;
  if (typeof value !== 'boolean') throw new TesseraError('E_ARGUMENT', `${where}: ${key} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function maxOption(options: Record<string, unknown>, key: string, longest: () => number, where: string): number {
  const value = options[key];
  if (value === undefined) return Math.max(1, Math.min(MAX_OUTPUT, longest()));
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > MAX_OUTPUT) throw new TesseraError('E_ARGUMENT', `${where}: ${key} must be an integer from 1 to ${MAX_OUTPUT}, got ${JSON.stringify(value)}`);
  return value as number;
}

/**
 * int32 [maxTokens], variable: the token ids of the cues (with `window: true`, of the cues that
 * overlap the loader's window), in cue order; lengths[0] = ids written (cut at maxTokens).
 */
const tokensDecoder: DecoderDefinition<TimedTextArguments> = {
  options: ['window', 'maxTokens'],
  setup(field, rawOptions) {
    const where = `decoder "tokens" of field "${field.name}"`;
    const options = optionsOf(rawOptions, where);
    const selection: CueSelection = { useWindow: booleanOption(options, 'window', where), from: 0, to: 0 };
    const maxTokens = maxOption(options, 'maxTokens', () => longest(field, tokenCount), where);
    const table = new CueTable();
    const itemSize = tokenBytes(field.arguments);
    return {
      output: { dtype: 'int32', shape: [maxTokens], variableDims: [0] },
      decode(sampleIndex: number, slot: OutputSlot, context?: DecodeContext) {
        windowOf(selection, context, field.arguments.ticksPerSecond, where);
        table.load(field, sampleIndex);
        const out = slot.data as Int32Array;
        let written = 0;
        let tokenAt = table.tokensAt;
        for (let cue = 0; cue < table.count && written < maxTokens; cue++) {
          const count = table.tokenCountOf(cue);
          if (overlaps(table, cue, selection)) {
            const take = Math.min(count, maxTokens - written);
            for (let k = 0; k < take; k++) out[written + k] = itemSize === 2 ? table.view.getUint16(tokenAt + k * 2, true) : table.view.getUint32(tokenAt + k * 4, true);
            written += take;
          }
          tokenAt += count * itemSize;
        }
        out.fill(0, written);
        slot.lengths[0] = written;
      },
    };
  },
};

/**
 * float64 [maxCues, 4], variable: per cue (with `window: true`, per cue overlapping the window)
 * its start and end in seconds — relative to the window's start with `window: true` (a cue that
 * began before the window has a negative start), on the sample's axis otherwise — then the
 * position of its first token in the `tokens` decoder's output (same options) and its token count
 * there (cut at maxTokens).
 */
const cuesDecoder: DecoderDefinition<TimedTextArguments> = {
  options: ['window', 'maxCues', 'maxTokens'],
  setup(field, rawOptions) {
    const where = `decoder "cues" of field "${field.name}"`;
    const options = optionsOf(rawOptions, where);
    const selection: CueSelection = { useWindow: booleanOption(options, 'window', where), from: 0, to: 0 };
    const maxCues = maxOption(options, 'maxCues', () => longest(field, cueCount), where);
    const maxTokens = maxOption(options, 'maxTokens', () => longest(field, tokenCount), where);
    const table = new CueTable();
    const { ticksPerSecond } = field.arguments;
    return {
      output: { dtype: 'float64', shape: [maxCues, 4], variableDims: [0] },
      decode(sampleIndex: number, slot: OutputSlot, context?: DecodeContext) {
        windowOf(selection, context, ticksPerSecond, where);
        table.load(field, sampleIndex);
        const out = slot.data as Float64Array;
        const origin = selection.useWindow ? context!.window!.startSeconds : 0;
        let written = 0;
        let position = 0;
        for (let cue = 0; cue < table.count && written < maxCues; cue++) {
          if (!overlaps(table, cue, selection)) continue;
          const start = table.startTicks(cue);
          const take = Math.min(table.tokenCountOf(cue), maxTokens - position);
          const row = written * 4;
          out[row] = start / ticksPerSecond - origin;
          out[row + 1] = (start + table.durationTicks(cue)) / ticksPerSecond - origin;
          out[row + 2] = position;
          out[row + 3] = take;
          position += take;
          written++;
        }
        out.fill(0, written * 4);
        slot.lengths[0] = written;
      },
    };
  },
};

/** int32 scalar: 1 when the sample has this stream, 0 when it was left out (a null value). */
const presentDecoder: DecoderDefinition<TimedTextArguments> = {
  options: [],
  setup(field) {
    return {
      output: { dtype: 'int32', shape: [] },
      decode(sampleIndex: number, slot: OutputSlot) {
        (slot.data as Int32Array)[0] = isPresent(field, sampleIndex) ? 1 : 0;
      },
    };
  },
};

function longest(field: FieldReader, count: (field: FieldReader, sampleIndex: number) => number): number {
  let most = 0;
  for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) most = Math.max(most, count(field, sampleIndex));
  return most;
}

function readCues(field: FieldReader<TimedTextArguments>, sampleIndex: number): StoredCue[] | null {
  if (!isPresent(field, sampleIndex)) return null;
  const table = new CueTable().load(field, sampleIndex);
  const { ticksPerSecond } = field.arguments;
  const itemSize = tokenBytes(field.arguments);
  const cues: StoredCue[] = [];
  let tokenAt = table.tokensAt;
  let textAt = table.textAt;
  for (let cue = 0; cue < table.count; cue++) {
    const start = table.startTicks(cue);
    const tokens: number[] = [];
    for (let k = 0; k < table.tokenCountOf(cue); k++) tokens.push(itemSize === 2 ? table.view.getUint16(tokenAt + k * 2, true) : table.view.getUint32(tokenAt + k * 4, true));
    tokenAt += tokens.length * itemSize;
    const textBytes = table.textBytesOf(cue);
    if (textAt + textBytes > table.bytes.byteLength) throw new RangeError(`sample ${sampleIndex}: cue ${cue}'s text lies outside the payload`);
    const text = textDecoder.decode(table.bytes.subarray(textAt, textAt + textBytes));
    textAt += textBytes;
    cues.push({ start: start / ticksPerSecond, end: (start + table.durationTicks(cue)) / ticksPerSecond, text, tokens });
  }
  return cues;
}

/** The cue table `timeline` and `anchors` read (called per sample when the loader draws windows: no allocation). */
const hookTable = new CueTable();

export const timedTextCodec: FieldCodec<TimedTextValue, TimedTextArguments> = {
  id: TIMED_TEXT_CODEC_ID,
  normalizeArguments: normalizeTimedTextArguments,
  metadataLayout: () => METADATA_LAYOUT,
  encode(value, args, target) {
    encodeCues(value, args, target.metadata, target.allocate.bind(target));
  },
  validate(field) {
    const table = new CueTable();
    for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) validateSample(field, sampleIndex, table);
  },
  read: readCues,
  // The tokens of all cues (what the tokens decoder gives without a window).
  length: tokenCount,
  toJSON(field, sampleIndex) {
    const cues = readCues(field, sampleIndex);
    return cues === null ? null : cues.map(({ start, end, text, tokens }) => ({ start, end, text, tokens: tokens.length }));
  },
  /**
   * One `[start–end] text` line per cue (seconds), and every cue's tokens in order, each with its
   * text when the recorded tokenizer loads here (`#id` otherwise: the cue text is stored anyway).
   */
  preview(field, sampleIndex) {
    const cues = readCues(field, sampleIndex);
    if (cues === null) return { kind: 'json', value: null };
    const { tokenizer: identity } = field.arguments;
    let tokenizer: TextTokenizer | undefined;
    try {
      if (identity !== null && cues.some((cue) => cue.tokens.length > 0)) tokenizer = tokenizerOf(identity);
    } catch {
      tokenizer = undefined;
    }
    const seconds = (value: number) => value.toFixed(3);
    const text = cues.map((cue) => `[${seconds(cue.start)}–${seconds(cue.end)}] ${cue.text}`).join('\n');
    const tokens = cues.flatMap((cue) => cue.tokens.map((id) => ({ id, text: tokenizer === undefined ? `#${id}` : tokenizer.decode([id], false) })));
    return { kind: 'text', text, tokens };
  },
  statistics(field, sampleIndex): Record<string, number> {
    if (!isPresent(field, sampleIndex)) return {};
    const span = { startSeconds: 0, durationSeconds: 0 };
    const seconds = timedTextCodec.timeline!(field, sampleIndex, span) ? span.durationSeconds : 0;
    return { cues: cueCount(field, sampleIndex), tokens: tokenCount(field, sampleIndex), seconds };
  },
  timeline(field, sampleIndex, out: StreamSpan) {
    if (!isPresent(field, sampleIndex) || cueCount(field, sampleIndex) === 0) return false;
    const table = hookTable.load(field, sampleIndex);
    let end = 0;
    for (let cue = 0; cue < table.count; cue++) end = Math.max(end, table.startTicks(cue) + table.durationTicks(cue));
    const { ticksPerSecond } = field.arguments;
    out.startSeconds = table.startTicks(0) / ticksPerSecond;
    out.durationSeconds = (end - table.startTicks(0)) / ticksPerSecond;
    return true;
  },
  anchors(field, sampleIndex, out) {
    const count = isPresent(field, sampleIndex) ? cueCount(field, sampleIndex) : 0;
    if (count === 0 || out.length < 2 * count) return count;
    const table = hookTable.load(field, sampleIndex);
    const { ticksPerSecond } = field.arguments;
    for (let cue = 0; cue < count; cue++) {
      const start = table.startTicks(cue);
      out[2 * cue] = start / ticksPerSecond;
      out[2 * cue + 1] = (start + table.durationTicks(cue)) / ticksPerSecond;
    }
    return count;
  },
  decoders: { tokens: tokensDecoder, cues: cuesDecoder, present: presentDecoder },
  defaultDecoder: 'tokens',
};
