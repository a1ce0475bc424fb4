import type { DecoderDefinition, FieldCodec, FieldReader, MetadataLayout, OutputSlot } from '@tessera/core';
import { loadRecordedTokenizer } from '../tokenizer/load-tokenizer.js';
import { type ReaderContext, checkReaderTokenizer, tokenizerForReading } from '../tokenizer/reader-tokenizer.js';
import { tokenByteLength } from '../tokenizer/tokenizer-identity.js';
import {
  MAX_OUTPUT_LENGTH,
  booleanOption,
  checkKnownOptions,
  choiceOption,
  integerOption,
  optionsObject,
} from './decoder-options.js';
import { type TokenSource, checkArgumentsObject, checkKnownArguments, normalizeTokenSource } from './token-field-arguments.js';
import {
  Scratch,
  type StoredTokenIds,
  type TokenIdsInput,
  checkPayload,
  checkTokenIds,
  isTokenIdsInput,
  readTokenIds,
  writeTokenIds,
} from './token-ids.js';
import { tokenIdsPreview } from './token-preview.js';
import { checkText, utf8Encoder } from './utf8.js';

/**
 * `tokens({ tokenizer })`: a variable-length list of token ids per sample. Values are text (tokenized
 * by `encode`, so in the writer's worker threads) or pre-tokenized ids.
 *
 *   metadata column (12 bytes, 8-aligned)   pointer u64 @0   token count u32 @8
 *   payload (one allocation, none when empty)   count × u16 or u32 ids (arguments.dtype)
 */
export type TokensArguments = TokenSource & {
  /** Passed to the tokenizer (`add_special_tokens`): BOS/CLS/SEP… as the tokenizer's post-processor adds them. */
  addSpecialTokens: boolean;
};

export type TokensValue = string | TokenIdsInput;

const METADATA_LAYOUT: MetadataLayout = { byteLength: 12, alignment: 8 };
const POINTER_OFFSET = 0;
const COUNT_OFFSET = 8;
const MAX_TOKENS = 0xffff_ffff;

export const readTokenCount = (field: FieldReader, sampleIndex: number): number => field.metadata.getUint32(field.recordOffset(sampleIndex) + COUNT_OFFSET, true);
const readPointer = (field: FieldReader, sampleIndex: number): number => field.readUint64(field.recordOffset(sampleIndex) + POINTER_OFFSET);

export function normalizeTokensArguments(args: TokensArguments): TokensArguments {
  const record = checkArgumentsObject(args, 'tokens()');
  checkKnownArguments(record, ['tokenizer', 'vocabularySize', 'dtype', 'addSpecialTokens'], 'tokens()');
  const source = normalizeTokenSource(record as Partial<TokenSource>);
  const addSpecialTokens = record.addSpecialTokens ?? true;
  if (typeof addSpecialTokens !== 'boolean') throw new TypeError(`addSpecialTokens must be true or false, got ${JSON.stringify(addSpecialTokens)}`);
  return { ...source, addSpecialTokens };
}

/** The ids of a value: text through the recorded tokenizer, or validated pre-tokenized ids. */
export function idsOfValue(value: unknown, args: TokenSource, addSpecialTokens: boolean, what = 'value'): ArrayLike<number> {
  let ids: ArrayLike<number>;
  if (typeof value === 'string') {
    if (args.tokenizer === null) throw new TypeError(`${what} is text, but this field has no tokenizer: give token ids (an array or a typed array)`);
    checkText(value, what);
    ids = loadRecordedTokenizer(args.tokenizer).encode(value, addSpecialTokens);
  } else if (isTokenIdsInput(value)) {
    ids = value;
  } else {
    throw new TypeError(`${what} is ${value === null ? 'null' : typeof value}, expected text (a string) or token ids (an array or a typed array)`);
  }
  if (ids.length > MAX_TOKENS) throw new RangeError(`${ids.length} tokens, more than ${MAX_TOKENS}`);
  checkTokenIds(ids, args.vocabularySize);
  return ids;
}

/**
 * int32 [maxLength] (or [2, maxLength] with the attention mask as the second row), variable in the
 * last dimension: ids truncated (from the right, or the left with `truncation: 'left'`) and
 * zero-padded; `lengths[0]` is the number kept, so the attention mask is `position < length`.
 */
function paddedDecoder(): DecoderDefinition<TokensArguments> {
  return {
    options: ['maxLength', 'truncation', 'includeMask'],
    setup(field, rawOptions) {
      const options = optionsObject(rawOptions, 'padded');
      checkKnownOptions(options, ['maxLength', 'truncation', 'includeMask'], 'padded');
      const maxLength = integerOption(options, 'maxLength', 512, 1, MAX_OUTPUT_LENGTH, 'padded');
      const truncateLeft = choiceOption(options, 'truncation', ['right', 'left'], 'right', 'padded') === 'left';
      const includeMask = booleanOption(options, 'includeMask', false, 'padded');
      const bytesPerToken = tokenByteLength(field.arguments.dtype);
      const scratch = new Uint8Array(maxLength * 4);
      const ids16 = new Uint16Array(scratch.buffer);
      const ids32 = new Uint32Array(scratch.buffer);
      return {
        output: includeMask ? { dtype: 'int32', shape: [2, maxLength], variableDims: [1] } : { dtype: 'int32', shape: [maxLength], variableDims: [0] },
        decode(sampleIndex: number, slot: OutputSlot) {
          const count = readTokenCount(field, sampleIndex);
          const kept = Math.min(count, maxLength);
          const out = slot.data as Int32Array;
          if (kept > 0) {
            const skipped = truncateLeft ? count - kept : 0;
            field.copyBytes(readPointer(field, sampleIndex) + skipped * bytesPerToken, kept * bytesPerToken, scratch, 0);
            if (bytesPerToken === 2) for (let index = 0; index < kept; index++) out[index] = ids16[index]!;
            else for (let index = 0; index < kept; index++) out[index] = ids32[index]!;
          }
          out.fill(0, kept, maxLength);
          if (includeMask) {
            out.fill(1, maxLength, maxLength + kept);
            out.fill(0, maxLength + kept, 2 * maxLength);
          }
          slot.lengths[0] = kept;
        },
      };
    },
  };
}

/** int32 scalar: the token count. */
const lengthDecoder: DecoderDefinition<TokensArguments> = {
  options: [],
  setup(field, rawOptions) {
    checkKnownOptions(optionsObject(rawOptions, 'length'), [], 'length');
    return {
      output: { dtype: 'int32', shape: [] },
      decode(sampleIndex: number, slot: OutputSlot) {
        (slot.data as Int32Array)[0] = readTokenCount(field, sampleIndex);
      },
    };
  },
};

/**
 * uint8 [maxByteLength], variable in dimension 0: the ids detokenized back to UTF-8 text (cut at a
 * character boundary). Needs the tokenizer: the reader's, or the one recorded in the file, and
 * checks that it is the one the field was written with. Not a fast path (strings per sample).
 */
function textDecoder(context: ReaderContext): DecoderDefinition<TokensArguments> {
  return {
    options: ['maxByteLength', 'skipSpecialTokens'],
    setup(field, rawOptions) {
      const options = optionsObject(rawOptions, 'text');
      checkKnownOptions(options, ['maxByteLength', 'skipSpecialTokens'], 'text');
      const maxByteLength = integerOption(options, 'maxByteLength', 4096, 1, MAX_OUTPUT_LENGTH, 'text');
      const skipSpecialTokens = booleanOption(options, 'skipSpecialTokens', false, 'text');
      const tokenizer = tokenizerForReading(field, field.arguments.tokenizer, context, 'decoder setup');
      const { dtype } = field.arguments;
      return {
        output: { dtype: 'uint8', shape: [maxByteLength], variableDims: [0] },
        decode(sampleIndex: number, slot: OutputSlot) {
          const count = readTokenCount(field, sampleIndex);
          const text = count === 0 ? '' : tokenizer.decode(readTokenIds(field, readPointer(field, sampleIndex), count, dtype), skipSpecialTokens);
          // encodeInto writes whole characters only: truncation never cuts one.
          const { written } = utf8Encoder.encodeInto(text, slot.bytes);
          slot.bytes.fill(0, written);
          slot.lengths[0] = written;
        },
      };
    },
  };
}

export const TOKENS_CODEC_ID = 'text/tokens';

export function createTokensCodec(context: ReaderContext): FieldCodec<TokensValue, TokensArguments> {
  const scratch = new Scratch();
  return {
    id: TOKENS_CODEC_ID,
    normalizeArguments: normalizeTokensArguments,
    metadataLayout: () => METADATA_LAYOUT,
    encode(value, args, target) {
      const ids = idsOfValue(value, args, args.addSpecialTokens);
      target.metadata.setUint32(COUNT_OFFSET, ids.length, true);
      if (ids.length === 0) return;
      const bytes = scratch.bytes(ids.length * tokenByteLength(args.dtype));
      writeTokenIds(ids, args.dtype, bytes, 0);
      target.allocate(bytes, POINTER_OFFSET);
    },
    validate(field) {
      checkReaderTokenizer(field, field.arguments.tokenizer, context);
      const bytesPerToken = tokenByteLength(field.arguments.dtype);
      for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
        const count = readTokenCount(field, sampleIndex);
        if (count > 0) checkPayload(field, sampleIndex, readPointer(field, sampleIndex), count * bytesPerToken, `${count} token ids`);
      }
    },
    /** The stored ids, as a Uint16Array or Uint32Array (the field's dtype). */
    read(field, sampleIndex): StoredTokenIds {
      return readTokenIds(field, readPointer(field, sampleIndex), readTokenCount(field, sampleIndex), field.arguments.dtype);
    },
    toJSON(field, sampleIndex) {
      return Array.from(readTokenIds(field, readPointer(field, sampleIndex), readTokenCount(field, sampleIndex), field.arguments.dtype));
    },
    length: readTokenCount,
    preview(field, sampleIndex) {
      const ids = readTokenIds(field, readPointer(field, sampleIndex), readTokenCount(field, sampleIndex), field.arguments.dtype);
      return tokenIdsPreview(field, ids, field.arguments.tokenizer, context);
    },
    statistics: (field, sampleIndex) => ({ tokens: readTokenCount(field, sampleIndex) }),
    decoders: { padded: paddedDecoder(), length: lengthDecoder, text: textDecoder(context) },
    defaultDecoder: 'padded',
  };
}
