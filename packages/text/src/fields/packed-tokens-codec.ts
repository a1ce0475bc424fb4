import type { DecodeContext, DecoderDefinition, FieldCodec, FieldReader, MetadataLayout, OutputSlot } from '@tessera/core';
import { type ReaderContext, checkReaderTokenizer } from '../tokenizer/reader-tokenizer.js';
import { tokenByteLength } from '../tokenizer/tokenizer-identity.js';
import { checkKnownOptions, choiceOption, integerOption, optionsObject } from './decoder-options.js';
import { type TokenSource, checkArgumentsObject, checkKnownArguments, normalizeTokenSource } from './token-field-arguments.js';
import { Scratch, type StoredTokenIds, type TokenIdsInput, checkPayload, checkTokenIds, isTokenIdsInput, readTokenIds, writeTokenIds } from './token-ids.js';
import { tokenIdsPreview } from './token-preview.js';

/**
 * `packedTokens({ tokenizer, windowLength })`: the language-model pretraining layout. Documents are
 * tokenized and concatenated, each followed by the separator (end-of-text) token, into ONE token
 * stream; sample i stores the i-th chunk of it: tokens [i·T, (i+1)·T) with T = windowLength (the
 * last chunk may be shorter). A sample decodes to a window of T + 1 tokens (inputs and labels shifted
 * by one) that starts in its chunk and continues into the next ones, read through the field reader:
 * page boundaries and gaps between chunks never lose or duplicate a token.
 *
 *   metadata column (20 bytes, 8-aligned)   pointer u64 @0   token count u32 @8
 *                                           document start count u32 @12   first position u32 @16
 *   payload (one allocation, none when empty)
 *     count × u16 or u32 ids, then document start count × u32: the offsets in the chunk where a
 *     document starts (its first token)
 *
 * "first position" is the position id of the chunk's first token: how many tokens of its document
 * come before it (0 when a document starts there). Chunks are made by `createPacker()` (and
 * `buildTextDataset`), which knows the stream; the codec stores what it is given.
 */
export type PackedTokensArguments = TokenSource & {
  /** T: tokens per stored chunk, and the default window length. */
  windowLength: number;
  /** The id placed after every document (end-of-text), or null when documents are concatenated as they are. */
  separatorId: number | null;
};

/** One stored chunk of the stream. */
export interface PackedChunk {
  ids: TokenIdsInput;
  /** Offsets in `ids` where a document starts, increasing. Default none. */
  documentStarts?: ArrayLike<number>;
  /** The position id of `ids[0]` in its document. Default 0. */
  firstPosition?: number;
}

/** What `read()` gives back. */
export interface StoredPackedChunk {
  ids: StoredTokenIds;
  documentStarts: number[];
  firstPosition: number;
}

const METADATA_LAYOUT: MetadataLayout = { byteLength: 20, alignment: 8 };
const POINTER_OFFSET = 0;
const COUNT_OFFSET = 8;
const DOCUMENT_COUNT_OFFSET = 12;
const FIRST_POSITION_OFFSET = 16;
const MAX_WINDOW_LENGTH = 1 << 24;

/** The rows a `window` decoder can produce, each `windowLength` long. */
export const PACKED_WINDOW_ROWS = ['input_ids', 'labels', 'position_ids', 'boundary_mask', 'attention_mask'] as const;
export type PackedWindowRow = (typeof PACKED_WINDOW_ROWS)[number];

const countOf = (field: FieldReader, sampleIndex: number): number => field.metadata.getUint32(field.recordOffset(sampleIndex) + COUNT_OFFSET, true);

export function normalizePackedTokensArguments(args: PackedTokensArguments): PackedTokensArguments {
  const record = checkArgumentsObject(args, 'packedTokens()');
  checkKnownArguments(record, ['tokenizer', 'vocabularySize', 'dtype', 'windowLength', 'separatorId'], 'packedTokens()');
  const source = normalizeTokenSource(record as Partial<TokenSource>);
  const windowLength = record.windowLength;
  if (!Number.isSafeInteger(windowLength) || (windowLength as number) < 1 || (windowLength as number) > MAX_WINDOW_LENGTH) {
    throw new RangeError(`windowLength must be an integer from 1 to ${MAX_WINDOW_LENGTH}, got ${JSON.stringify(windowLength)}`);
  }
  const separatorId = record.separatorId ?? null;
  if (separatorId !== null && (!Number.isInteger(separatorId) || (separatorId as number) < 0 || (separatorId as number) >= source.vocabularySize)) {
    throw new RangeError(`separatorId must be null or a token id from 0 to ${source.vocabularySize - 1}, got ${JSON.stringify(separatorId)}`);
  }
  return { ...source, windowLength: windowLength as number, separatorId: separatorId as number | null };
}

/**
 * int32 [rows, W] with the rows of `include` (default input_ids, labels), W = `windowLength`
 * (default the stored T). Sample i's window starts at its chunk's first token (`offsets:
 * 'sequential'`) or at a random token of its chunk (`'random'`, drawn from the loader's seeded
 * source; moved back so the window is full when the stream allows). Rows:
 *   input_ids       stream[s, s + W)                    (padId past the end of the stream)
 *   labels          stream[s + 1, s + W + 1)            (labelPadId past the end: -100 is PyTorch's ignore index)
 *   position_ids    the position in its document of each input token: restarts at 0 at every document start
 *   boundary_mask   1 where an input token starts a document, else 0
 *   attention_mask  1 for real input tokens, 0 for padding (only the stream's last windows have any)
 */
function windowDecoder(): DecoderDefinition<PackedTokensArguments> {
  return {
    options: ['windowLength', 'offsets', 'include', 'padId', 'labelPadId'],
    setup(field, rawOptions) {
      const options = optionsObject(rawOptions, 'window');
      checkKnownOptions(options, ['windowLength', 'offsets', 'include', 'padId', 'labelPadId'], 'window');
      const chunkLength = field.arguments.windowLength;
      const width = integerOption(options, 'windowLength', chunkLength, 1, MAX_WINDOW_LENGTH, 'window');
      const random = choiceOption(options, 'offsets', ['sequential', 'random'], 'sequential', 'window') === 'random';
      const padId = integerOption(options, 'padId', 0, -(2 ** 31), 2 ** 31 - 1, 'window');
      const labelPadId = integerOption(options, 'labelPadId', -100, -(2 ** 31), 2 ** 31 - 1, 'window');
      const include = parseInclude(options.include);
      const rowOf = (name: PackedWindowRow) => include.indexOf(name) * width;
      const inputRow = rowOf('input_ids');
      const labelRow = rowOf('labels');
      const positionRow = rowOf('position_ids');
      const boundaryRow = rowOf('boundary_mask');
      const maskRow = rowOf('attention_mask');
      const needsDocuments = positionRow >= 0 || boundaryRow >= 0;

      // Where each chunk starts in the stream (prefix sums of the counts): the only per-sample state.
      const numSamples = field.numSamples;
      const starts = new Float64Array(numSamples + 1);
      for (let sampleIndex = 0; sampleIndex < numSamples; sampleIndex++) starts[sampleIndex + 1] = starts[sampleIndex]! + countOf(field, sampleIndex);
      const total = starts[numSamples]!;
      const span = width + 1;
      const bytesPerToken = tokenByteLength(field.arguments.dtype);
      const metadata = field.metadata;

      const tokens = new Int32Array(span);
      const tokenBytes = new Uint8Array(tokens.buffer);
      const boundary = new Uint8Array(span);
      const idBytes = new Uint8Array(Math.min(span, chunkLength) * 2);
      const ids16 = new Uint16Array(idBytes.buffer);
      const documentBytes = new Uint8Array(chunkLength * 4);
      const documentStarts = new Uint32Array(documentBytes.buffer);

      /** The chunk holding stream position `position` (< total): the last chunk starting at or before it. */
      const chunkAt = (position: number): number => {
        let low = 0;
        let high = numSamples - 1;
        while (low < high) {
          const middle = (low + high + 1) >>> 1;
          if (starts[middle]! <= position) low = middle;
          else high = middle - 1;
        }
        return low;
      };

      return {
        output: { dtype: 'int32', shape: [include.length, width] },
        random,
        decode(sampleIndex: number, slot: OutputSlot, context?: DecodeContext) {
          let start = starts[sampleIndex]!;
          if (start !== starts[sampleIndex + 1] && random) {
            const count = starts[sampleIndex + 1]! - start;
            if (context !== undefined && count > 1) start += context.random.nextInt(count);
            if (start + span > total) start = Math.max(0, total - span);
          }
          // Gather stream[start, start + span) from as many chunks as it covers.
          let filled = 0;
          let firstPosition = 0;
          if (start < total) {
            let chunk = start === starts[sampleIndex] && starts[sampleIndex + 1]! > start ? sampleIndex : chunkAt(start);
            let offset = start - starts[chunk]!;
            while (filled < span && chunk < numSamples) {
              const count = starts[chunk + 1]! - starts[chunk]!;
              if (count === 0) {
                chunk++;
                continue;
              }
              const take = Math.min(count - offset, span - filled);
              const record = field.recordOffset(chunk);
              const pointer = field.readUint64(record);
              if (bytesPerToken === 4) {
                // u32 ids below 2^31 are their int32 values: one copy, no conversion.
                field.copyBytes(pointer + offset * 4, take * 4, tokenBytes, filled * 4);
              } else {
                field.copyBytes(pointer + offset * 2, take * 2, idBytes, 0);
                for (let index = 0; index < take; index++) tokens[filled + index] = ids16[index]!;
              }
              if (needsDocuments) {
                boundary.fill(0, filled, filled + take);
                const documentCount = metadata.getUint32(record + DOCUMENT_COUNT_OFFSET, true);
                let lastStartBefore = -1;
                if (documentCount > 0) {
                  if (documentCount > count) throw new RangeError(`sample ${chunk} stores ${documentCount} document starts for ${count} tokens`);
                  field.copyBytes(pointer + count * bytesPerToken, documentCount * 4, documentBytes, 0);
                  for (let index = 0; index < documentCount; index++) {
                    const documentStart = documentStarts[index]!;
                    if (documentStart < offset) lastStartBefore = documentStart;
                    else if (documentStart < offset + take) boundary[filled + documentStart - offset] = 1;
                    else break;
                  }
                }
                if (filled === 0) {
                  firstPosition = lastStartBefore >= 0 ? offset - lastStartBefore : metadata.getUint32(record + FIRST_POSITION_OFFSET, true) + offset;
                }
              }
              filled += take;
              offset = 0;
              chunk++;
            }
          }
          const out = slot.data as Int32Array;
          const inputs = Math.min(filled, width);
          const labels = Math.max(0, Math.min(filled - 1, width));
          if (inputRow >= 0) {
            out.set(tokens.subarray(0, inputs), inputRow);
            out.fill(padId, inputRow + inputs, inputRow + width);
          }
          if (labelRow >= 0) {
            out.set(tokens.subarray(1, labels + 1), labelRow);
            out.fill(labelPadId, labelRow + labels, labelRow + width);
          }
          if (positionRow >= 0) {
            let position = firstPosition;
            for (let index = 0; index < inputs; index++) {
              if (boundary[index] === 1) position = 0;
              out[positionRow + index] = position++;
            }
            out.fill(0, positionRow + inputs, positionRow + width);
          }
          if (boundaryRow >= 0) {
            for (let index = 0; index < inputs; index++) out[boundaryRow + index] = boundary[index]!;
            out.fill(0, boundaryRow + inputs, boundaryRow + width);
          }
          if (maskRow >= 0) {
            out.fill(1, maskRow, maskRow + inputs);
            out.fill(0, maskRow + inputs, maskRow + width);
          }
        },
      };
    },
  };
}

export function parseInclude(value: unknown): PackedWindowRow[] {
  if (value === undefined) return ['input_ids', 'labels'];
  if (!Array.isArray(value) || value.length === 0) throw new TypeError(`include must be a non-empty list of ${PACKED_WINDOW_ROWS.join(', ')}, got ${JSON.stringify(value)}`);
  for (const [index, name] of value.entries()) {
    if (!PACKED_WINDOW_ROWS.includes(name)) throw new RangeError(`include[${index}] is ${JSON.stringify(name)}; the rows are ${PACKED_WINDOW_ROWS.join(', ')}`);
    if (value.indexOf(name) !== index) throw new RangeError(`include names ${JSON.stringify(name)} twice`);
  }
  return value as PackedWindowRow[];
}

/** int32 [windowLength], variable in dimension 0: the stored chunk's ids as they are. */
const chunkDecoder: DecoderDefinition<PackedTokensArguments> = {
  options: [],
  setup(field, rawOptions) {
    checkKnownOptions(optionsObject(rawOptions, 'chunk'), [], 'chunk');
    const { windowLength, dtype } = field.arguments;
    const bytesPerToken = tokenByteLength(dtype);
    const scratch = new Uint8Array(windowLength * 4);
    const ids16 = new Uint16Array(scratch.buffer);
    const ids32 = new Uint32Array(scratch.buffer);
    return {
      output: { dtype: 'int32', shape: [windowLength], variableDims: [0] },
      decode(sampleIndex: number, slot: OutputSlot) {
        const count = countOf(field, sampleIndex);
        if (count > windowLength) throw new RangeError(`sample ${sampleIndex} stores ${count} tokens, more than windowLength ${windowLength}`);
        const out = slot.data as Int32Array;
        if (count > 0) field.copyBytes(field.readUint64(field.recordOffset(sampleIndex) + POINTER_OFFSET), count * bytesPerToken, scratch, 0);
        if (bytesPerToken === 2) for (let index = 0; index < count; index++) out[index] = ids16[index]!;
        else for (let index = 0; index < count; index++) out[index] = ids32[index]!;
        out.fill(0, count);
        slot.lengths[0] = count;
      },
    };
  },
};

function checkChunk(value: unknown, args: PackedTokensArguments): { ids: ArrayLike<number>; documentStarts: ArrayLike<number>; firstPosition: number } {
  if (value === null || typeof value !== 'object' || isTokenIdsInput(value)) {
    throw new TypeError(`expected a packed chunk { ids, documentStarts?, firstPosition? } (made by createPacker()), got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  const chunk = value as Partial<PackedChunk>;
  if (!isTokenIdsInput(chunk.ids)) throw new TypeError(`ids must be an array or typed array of token ids, got ${chunk.ids === null ? 'null' : typeof chunk.ids}`);
  const { ids } = chunk;
  if (ids.length > args.windowLength) throw new RangeError(`${ids.length} tokens in a chunk, more than windowLength ${args.windowLength}`);
  checkTokenIds(ids, args.vocabularySize);
  const documentStarts = chunk.documentStarts ?? [];
  if (typeof documentStarts !== 'object' || typeof documentStarts.length !== 'number') throw new TypeError('documentStarts must be an array of token offsets');
  let previous = -1;
  for (let index = 0; index < documentStarts.length; index++) {
    const offset = documentStarts[index]!;
    if (!Number.isInteger(offset) || offset <= previous || offset >= ids.length) {
      throw new RangeError(`documentStarts[${index}] is ${JSON.stringify(offset)}: document starts must be increasing token offsets below ${ids.length}`);
    }
    previous = offset;
  }
  const firstPosition = chunk.firstPosition ?? 0;
  if (!Number.isSafeInteger(firstPosition) || firstPosition < 0 || firstPosition > 0xffff_ffff) {
    throw new RangeError(`firstPosition must be an integer from 0 to 2^32 - 1, got ${JSON.stringify(firstPosition)}`);
  }
  if (firstPosition !== 0 && documentStarts[0] === 0) throw new RangeError(`firstPosition is ${firstPosition} but a document starts at token 0 (its position is 0)`);
  return { ids, documentStarts, firstPosition };
}

function readChunk(field: FieldReader<PackedTokensArguments>, sampleIndex: number): StoredPackedChunk {
  const record = field.recordOffset(sampleIndex);
  const count = field.metadata.getUint32(record + COUNT_OFFSET, true);
  const documentCount = field.metadata.getUint32(record + DOCUMENT_COUNT_OFFSET, true);
  const firstPosition = field.metadata.getUint32(record + FIRST_POSITION_OFFSET, true);
  if (count === 0) return { ids: readTokenIds(field, 0, 0, field.arguments.dtype), documentStarts: [], firstPosition };
  const pointer = field.readUint64(record + POINTER_OFFSET);
  const ids = readTokenIds(field, pointer, count, field.arguments.dtype);
  const starts = new Uint32Array(documentCount);
  if (documentCount > 0) field.copyBytes(pointer + ids.byteLength, documentCount * 4, new Uint8Array(starts.buffer), 0);
  return { ids, documentStarts: Array.from(starts), firstPosition };
}

export const PACKED_TOKENS_CODEC_ID = 'text/packed-tokens';

export function createPackedTokensCodec(context: ReaderContext): FieldCodec<PackedChunk, PackedTokensArguments> {
  const scratch = new Scratch();
  return {
    id: PACKED_TOKENS_CODEC_ID,
    normalizeArguments: normalizePackedTokensArguments,
    metadataLayout: () => METADATA_LAYOUT,
    encode(value, args, target) {
      const { ids, documentStarts, firstPosition } = checkChunk(value, args);
      target.metadata.setUint32(COUNT_OFFSET, ids.length, true);
      target.metadata.setUint32(DOCUMENT_COUNT_OFFSET, documentStarts.length, true);
      target.metadata.setUint32(FIRST_POSITION_OFFSET, firstPosition, true);
      if (ids.length === 0) return;
      const idByteLength = ids.length * tokenByteLength(args.dtype);
      const bytes = scratch.bytes(idByteLength + documentStarts.length * 4);
      writeTokenIds(ids, args.dtype, bytes, 0);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let index = 0; index < documentStarts.length; index++) view.setUint32(idByteLength + index * 4, documentStarts[index]!, true);
      target.allocate(bytes, POINTER_OFFSET);
    },
    validate(field) {
      checkReaderTokenizer(field, field.arguments.tokenizer, context);
      const { windowLength, dtype } = field.arguments;
      for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
        const record = field.recordOffset(sampleIndex);
        const count = field.metadata.getUint32(record + COUNT_OFFSET, true);
        const documentCount = field.metadata.getUint32(record + DOCUMENT_COUNT_OFFSET, true);
        if (count > windowLength) throw new RangeError(`sample ${sampleIndex} stores ${count} tokens, more than windowLength ${windowLength}`);
        if (documentCount > count) throw new RangeError(`sample ${sampleIndex} stores ${documentCount} document starts for ${count} tokens`);
        if (count > 0) checkPayload(field, sampleIndex, field.readUint64(record + POINTER_OFFSET), count * tokenByteLength(dtype) + documentCount * 4, `a chunk of ${count} tokens`);
      }
    },
    read: readChunk,
    toJSON(field, sampleIndex) {
      const chunk = readChunk(field, sampleIndex);
      return { ids: Array.from(chunk.ids), documentStarts: chunk.documentStarts, firstPosition: chunk.firstPosition };
    },
    preview: (field, sampleIndex) => tokenIdsPreview(field, readChunk(field, sampleIndex).ids, field.arguments.tokenizer, context),
    statistics(field, sampleIndex) {
      const record = field.recordOffset(sampleIndex);
      return { tokens: field.metadata.getUint32(record + COUNT_OFFSET, true), documentStarts: field.metadata.getUint32(record + DOCUMENT_COUNT_OFFSET, true) };
    },
    decoders: { window: windowDecoder(), chunk: chunkDecoder },
    defaultDecoder: 'window',
  };
}
