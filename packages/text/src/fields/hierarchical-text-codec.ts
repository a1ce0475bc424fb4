import type { DecodeContext, DecoderDefinition, FieldCodec, FieldReader, MetadataLayout, OutputSlot } from '@tessera/core';
import { loadRecordedTokenizer } from '../tokenizer/load-tokenizer.js';
import { type ReaderContext, checkReaderTokenizer } from '../tokenizer/reader-tokenizer.js';
import { normalizeTokenizerIdentity, tokenByteLength } from '../tokenizer/tokenizer-identity.js';
import { MAX_OUTPUT_LENGTH, checkKnownOptions, integerOption, optionsObject } from './decoder-options.js';
import { split as splitValue } from './hierarchical-value.js';
import { type TokenSource, checkArgumentsObject, checkKnownArguments, normalizeTokenSource } from './token-field-arguments.js';
import { Scratch, checkPayload, readTokenIds, writeTokenIds } from './token-ids.js';
import { tokenIdsPreview } from './token-preview.js';
import { utf8Decoder, utf8Encoder } from './utf8.js';

/**
 * `hierarchicalText({ tokenizer? })`: a document → paragraphs → sentences, stored as ONE stream (the
 * UTF-8 text, or its token ids when a tokenizer is given) plus span tables over it. Sentences tile
 * the stream (each includes the whitespace after it) and paragraphs are runs of sentences, so every
 * level is an exact range of the stream.
 *
 *   metadata column (20 bytes, 8-aligned)   pointer u64 @0   stream length u32 @8 (bytes or tokens)
 *                                           sentence count u32 @12   paragraph count u32 @16
 *   payload (one allocation, none when empty)
 *     the stream (length × 1, 2 or 4 bytes), then u32 sentence ends (stream offsets, one per
 *     sentence, the last = length), then u32 paragraph ends (sentence counts, one per paragraph)
 *
 * In token mode every sentence is tokenized on its own (without special tokens), so spans fall on
 * token boundaries; the ids of a document are the concatenation of its sentences' ids.
 */
export type HierarchicalTextArguments =
  | { unit: 'text'; tokenizer: null; vocabularySize: null; dtype: 'uint8' }
  | ({ unit: 'tokens' } & TokenSource);

/** A document as text (split by `splitDocument`), or already split: paragraphs of sentences that tile it. */
export type HierarchicalTextValue = string | { paragraphs: readonly (readonly string[])[] };

/** What `read()` gives back: the paragraphs' sentences, as text or as token ids. */
export type StoredHierarchicalText = { paragraphs: string[][] } | { paragraphs: number[][][] };

const METADATA_LAYOUT: MetadataLayout = { byteLength: 20, alignment: 8 };
const POINTER_OFFSET = 0;
const LENGTH_OFFSET = 8;
const SENTENCE_COUNT_OFFSET = 12;
const PARAGRAPH_COUNT_OFFSET = 16;
const MAX_LENGTH = 0xffff_ffff;

interface Header {
  pointer: number;
  length: number;
  sentences: number;
  paragraphs: number;
}

function readHeader(field: FieldReader, sampleIndex: number, header: Header): Header {
  const record = field.recordOffset(sampleIndex);
  header.length = field.metadata.getUint32(record + LENGTH_OFFSET, true);
  header.sentences = field.metadata.getUint32(record + SENTENCE_COUNT_OFFSET, true);
  header.paragraphs = field.metadata.getUint32(record + PARAGRAPH_COUNT_OFFSET, true);
  header.pointer = header.length + header.sentences > 0 ? field.readUint64(record + POINTER_OFFSET) : 0;
  return header;
}

const unitByteLength = (args: HierarchicalTextArguments): number => (args.unit === 'text' ? 1 : tokenByteLength(args.dtype));

export function normalizeHierarchicalTextArguments(args: HierarchicalTextArguments): HierarchicalTextArguments {
  const record = checkArgumentsObject(args, 'hierarchicalText()');
  checkKnownArguments(record, ['unit', 'tokenizer', 'vocabularySize', 'dtype'], 'hierarchicalText()');
  if (record.unit === 'text') {
    for (const key of ['tokenizer', 'vocabularySize'] as const) {
      if (record[key] !== null && record[key] !== undefined) throw new TypeError(`${key} must be null when unit is "text", got ${JSON.stringify(record[key])}`);
    }
    if (record.dtype !== undefined && record.dtype !== 'uint8') throw new TypeError(`dtype must be "uint8" when unit is "text", got ${JSON.stringify(record.dtype)}`);
    return { unit: 'text', tokenizer: null, vocabularySize: null, dtype: 'uint8' };
  }
  if (record.unit !== 'tokens') throw new TypeError(`unit must be "text" or "tokens", got ${JSON.stringify(record.unit)}`);
  if (record.tokenizer === null || record.tokenizer === undefined) throw new TypeError('unit "tokens" needs a tokenizer');
  normalizeTokenizerIdentity(record.tokenizer);
  return { unit: 'tokens', ...normalizeTokenSource(record as Partial<TokenSource>) };
}

/** Reads u32 number `index` of the span tables (after the stream) into a number. */
function createSpanReader(field: FieldReader, args: HierarchicalTextArguments) {
  const word = new Uint8Array(4);
  const view = new DataView(word.buffer);
  const unit = unitByteLength(args);
  return (header: Header, index: number): number => {
    field.copyBytes(header.pointer + header.length * unit + index * 4, 4, word, 0);
    return view.getUint32(0, true);
  };
}

type Choice = 'document' | 'random-paragraph' | 'sentence-window';

/**
 * The three level decoders share one body: pick a range of the stream, copy it (truncated to
 * maxLength at a character boundary for text) into uint8 (text) or int32 (tokens) [maxLength],
 * variable in dimension 0, zero-padded.
 */
function levelDecoder(choice: Choice): DecoderDefinition<HierarchicalTextArguments> {
  return {
    options: choice === 'sentence-window' ? ['maxLength', 'sentences'] : ['maxLength'],
    setup(field, rawOptions) {
      const options = optionsObject(rawOptions, choice);
      const known = choice === 'sentence-window' ? ['maxLength', 'sentences'] : ['maxLength'];
      checkKnownOptions(options, known, choice);
      const args = field.arguments;
      const text = args.unit === 'text';
      const maxLength = integerOption(options, 'maxLength', text ? 4096 : 1024, 1, MAX_OUTPUT_LENGTH, choice);
      const windowSentences = choice === 'sentence-window' ? integerOption(options, 'sentences', 3, 1, MAX_LENGTH, choice) : 0;
      const unit = unitByteLength(args);
      const spanAt = createSpanReader(field, args);
      const header: Header = { pointer: 0, length: 0, sentences: 0, paragraphs: 0 };
      const scratch = new Uint8Array(text ? 1 : maxLength * unit);
      const ids16 = new Uint16Array(scratch.buffer, 0, scratch.byteLength >> 1);
      const ids32 = new Uint32Array(scratch.buffer, 0, scratch.byteLength >> 2);
      const sentenceStart = (index: number) => (index === 0 ? 0 : spanAt(header, index - 1));
      return {
        output: text ? { dtype: 'uint8', shape: [maxLength], variableDims: [0] } : { dtype: 'int32', shape: [maxLength], variableDims: [0] },
        random: choice !== 'document',
        decode(sampleIndex: number, slot: OutputSlot, context?: DecodeContext) {
          readHeader(field, sampleIndex, header);
          let start = 0;
          let end = header.length;
          if (choice === 'random-paragraph' && header.paragraphs > 0) {
            const paragraph = context === undefined ? 0 : context.random.nextInt(header.paragraphs);
            const first = paragraph === 0 ? 0 : spanAt(header, header.sentences + paragraph - 1);
            const last = spanAt(header, header.sentences + paragraph);
            if (!(first < last && last <= header.sentences)) throw new RangeError(`sample ${sampleIndex}: paragraph ${paragraph} spans sentences [${first}, ${last}) of ${header.sentences}`);
            start = sentenceStart(first);
            end = spanAt(header, last - 1);
          } else if (choice === 'sentence-window' && header.sentences > 0) {
            const starts = Math.max(1, header.sentences - windowSentences + 1);
            const first = context === undefined ? 0 : context.random.nextInt(starts);
            start = sentenceStart(first);
            end = spanAt(header, Math.min(header.sentences, first + windowSentences) - 1);
          }
          if (!(start <= end && end <= header.length)) throw new RangeError(`sample ${sampleIndex}: span [${start}, ${end}) is outside its stream of ${header.length}`);
          let count = Math.min(end - start, maxLength);
          if (text) {
            const out = slot.bytes;
            if (count > 0) field.copyBytes(header.pointer + start, count, out, 0);
            if (end - start > maxLength) {
              // Step back to the first byte of the character that would be cut.
              field.copyBytes(header.pointer + start + count, 1, scratch, 0);
              let byte = scratch[0]!;
              while (count > 0 && (byte & 0xc0) === 0x80) byte = out[--count]!;
            }
            out.fill(0, count);
          } else {
            const out = slot.data as Int32Array;
            if (count > 0) field.copyBytes(header.pointer + start * unit, count * unit, scratch, 0);
            if (unit === 2) for (let index = 0; index < count; index++) out[index] = ids16[index]!;
            else for (let index = 0; index < count; index++) out[index] = ids32[index]!;
            out.fill(0, count);
          }
          slot.lengths[0] = count;
        },
      };
    },
  };
}

/** int32 [2]: the paragraph and sentence counts (for bucketing or sampling). */
const countsDecoder: DecoderDefinition<HierarchicalTextArguments> = {
  options: [],
  setup(field, rawOptions) {
    checkKnownOptions(optionsObject(rawOptions, 'counts'), [], 'counts');
    const header: Header = { pointer: 0, length: 0, sentences: 0, paragraphs: 0 };
    return {
      output: { dtype: 'int32', shape: [2] },
      decode(sampleIndex: number, slot: OutputSlot) {
        readHeader(field, sampleIndex, header);
        const out = slot.data as Int32Array;
        out[0] = header.paragraphs;
        out[1] = header.sentences;
      },
    };
  },
};

function readDocument(field: FieldReader<HierarchicalTextArguments>, sampleIndex: number): StoredHierarchicalText {
  const args = field.arguments;
  const header = readHeader(field, sampleIndex, { pointer: 0, length: 0, sentences: 0, paragraphs: 0 });
  if (header.paragraphs === 0) return { paragraphs: [] };
  const unit = unitByteLength(args);
  const spans = new Uint32Array(header.sentences + header.paragraphs);
  field.copyBytes(header.pointer + header.length * unit, spans.byteLength, new Uint8Array(spans.buffer), 0);
  const stream = args.unit === 'text' ? field.bytes(header.pointer, header.length) : readTokenIds(field, header.pointer, header.length, args.dtype);
  const paragraphs: Array<Array<string | number[]>> = [];
  let sentence = 0;
  for (let paragraph = 0; paragraph < header.paragraphs; paragraph++) {
    const last = spans[header.sentences + paragraph]!;
    if (last < sentence || last > header.sentences) throw new RangeError(`sample ${sampleIndex}: paragraph ${paragraph} ends at sentence ${last}`);
    const sentences: Array<string | number[]> = [];
    for (; sentence < last; sentence++) {
      const start = sentence === 0 ? 0 : spans[sentence - 1]!;
      const end = spans[sentence]!;
      if (start > end || end > header.length) throw new RangeError(`sample ${sampleIndex}: sentence ${sentence} spans [${start}, ${end}) of ${header.length}`);
      sentences.push(args.unit === 'text' ? utf8Decoder.decode(stream.subarray(start, end)) : Array.from(stream.subarray(start, end)));
    }
    paragraphs.push(sentences);
  }
  return { paragraphs } as StoredHierarchicalText;
}

export const HIERARCHICAL_TEXT_CODEC_ID = 'text/hierarchical';

export function createHierarchicalTextCodec(context: ReaderContext): FieldCodec<HierarchicalTextValue | StoredHierarchicalText, HierarchicalTextArguments> {
  const scratch = new Scratch();
  return {
    id: HIERARCHICAL_TEXT_CODEC_ID,
    normalizeArguments: normalizeHierarchicalTextArguments,
    metadataLayout: () => METADATA_LAYOUT,
    encode(value, args, target) {
      const paragraphs = splitValue(value, args.unit);
      const sentenceCount = paragraphs.reduce((sum, paragraph) => sum + paragraph.length, 0);
      const pieces: ArrayLike<number>[] = [];
      let length = 0;
      if (args.unit === 'text') {
        for (const paragraph of paragraphs) for (const sentence of paragraph) pieces.push(utf8Encoder.encode(sentence));
      } else {
        const tokenizer = loadRecordedTokenizer(args.tokenizer!);
        for (const paragraph of paragraphs) for (const sentence of paragraph) pieces.push(sentence.length === 0 ? [] : tokenizer.encode(sentence, false));
      }
      for (const piece of pieces) length += piece.length;
      if (length > MAX_LENGTH) throw new RangeError(`a stream of ${length}, more than ${MAX_LENGTH}`);
      target.metadata.setUint32(LENGTH_OFFSET, length, true);
      target.metadata.setUint32(SENTENCE_COUNT_OFFSET, sentenceCount, true);
      target.metadata.setUint32(PARAGRAPH_COUNT_OFFSET, paragraphs.length, true);
      if (sentenceCount === 0) return;
      const unit = unitByteLength(args);
      const streamByteLength = length * unit;
      const bytes = scratch.bytes(streamByteLength + (sentenceCount + paragraphs.length) * 4);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let offset = 0;
      let spanOffset = streamByteLength;
      for (const piece of pieces) {
        if (args.unit === 'text') bytes.set(piece as Uint8Array, offset);
        else writeTokenIds(piece, args.dtype, bytes, offset * unit);
        offset += piece.length;
        view.setUint32(spanOffset, offset, true);
        spanOffset += 4;
      }
      let sentences = 0;
      for (const paragraph of paragraphs) {
        sentences += paragraph.length;
        view.setUint32(spanOffset, sentences, true);
        spanOffset += 4;
      }
      target.allocate(bytes, POINTER_OFFSET);
    },
    validate(field) {
      const args = field.arguments;
      if (args.unit === 'tokens') checkReaderTokenizer(field, args.tokenizer, context);
      const unit = unitByteLength(args);
      const header: Header = { pointer: 0, length: 0, sentences: 0, paragraphs: 0 };
      for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
        readHeader(field, sampleIndex, header);
        if (header.paragraphs > header.sentences) throw new RangeError(`sample ${sampleIndex} has ${header.paragraphs} paragraphs but ${header.sentences} sentences`);
        if (header.sentences > 0 && header.paragraphs === 0) throw new RangeError(`sample ${sampleIndex} has ${header.sentences} sentences in no paragraph`);
        if (header.sentences > 0) {
          checkPayload(field, sampleIndex, header.pointer, header.length * unit + (header.sentences + header.paragraphs) * 4, 'the document and its spans');
        } else if (header.length > 0) {
          throw new RangeError(`sample ${sampleIndex} has a stream of ${header.length} but no sentences`);
        }
      }
    },
    read: readDocument,
    /** The whole document: its text, or (token mode) its tokens. */
    preview(field, sampleIndex) {
      const args = field.arguments;
      const header = readHeader(field, sampleIndex, { pointer: 0, length: 0, sentences: 0, paragraphs: 0 });
      if (args.unit === 'text') return { kind: 'text', text: header.length === 0 ? '' : utf8Decoder.decode(field.bytes(header.pointer, header.length)) };
      return tokenIdsPreview(field, readTokenIds(field, header.pointer, header.length, args.dtype), args.tokenizer, context);
    },
    statistics(field, sampleIndex) {
      const header = readHeader(field, sampleIndex, { pointer: 0, length: 0, sentences: 0, paragraphs: 0 });
      return { [field.arguments.unit === 'text' ? 'bytes' : 'tokens']: header.length, sentences: header.sentences, paragraphs: header.paragraphs };
    },
    decoders: {
      document: levelDecoder('document'),
      'random-paragraph': levelDecoder('random-paragraph'),
      'sentence-window': levelDecoder('sentence-window'),
      counts: countsDecoder,
    },
    defaultDecoder: 'document',
  };
}
