import type { DecoderDefinition, FieldCodec, FieldReader, MetadataLayout, OutputSlot } from '@tessera/core';
import { MAX_OUTPUT_LENGTH, checkKnownOptions, integerOption, optionsObject } from './decoder-options.js';
import { checkPayload } from './token-ids.js';
import { checkText, utf8Decoder, utf8Encoder } from './utf8.js';

/**
 * `rawText()`: UTF-8 text of any length.
 *
 *   metadata column (12 bytes, 8-aligned)   pointer u64 @0   byte length u32 @8
 *   payload (one allocation, none when empty)   the UTF-8 bytes
 */
export type RawTextArguments = Record<string, never>;

const METADATA_LAYOUT: MetadataLayout = { byteLength: 12, alignment: 8 };
const POINTER_OFFSET = 0;
const BYTE_LENGTH_OFFSET = 8;
const MAX_BYTE_LENGTH = 0xffff_ffff;

export const readTextByteLength = (field: FieldReader, sampleIndex: number): number =>
  field.metadata.getUint32(field.recordOffset(sampleIndex) + BYTE_LENGTH_OFFSET, true);
export const readTextPointer = (field: FieldReader, sampleIndex: number): number => field.readUint64(field.recordOffset(sampleIndex) + POINTER_OFFSET);

/** uint8 [maxByteLength], variable in dimension 0: the UTF-8 bytes, cut at a character boundary. */
const utf8Decoder_: DecoderDefinition<RawTextArguments> = {
  options: ['maxByteLength'],
  setup(field, rawOptions) {
    const options = optionsObject(rawOptions, 'utf8');
    checkKnownOptions(options, ['maxByteLength'], 'utf8');
    const maxByteLength = integerOption(options, 'maxByteLength', 4096, 1, MAX_OUTPUT_LENGTH, 'utf8');
    const next = new Uint8Array(1);
    return {
      output: { dtype: 'uint8', shape: [maxByteLength], variableDims: [0] },
      decode(sampleIndex: number, slot: OutputSlot) {
        const byteLength = readTextByteLength(field, sampleIndex);
        const out = slot.bytes;
        let end = byteLength;
        if (byteLength > 0) {
          const pointer = readTextPointer(field, sampleIndex);
          if (byteLength > maxByteLength) {
            field.copyBytes(pointer, maxByteLength, out, 0);
            field.copyBytes(pointer + maxByteLength, 1, next, 0);
            end = maxByteLength;
            // Step back to the first byte of the character that would be cut.
            let byte = next[0]!;
            while (end > 0 && (byte & 0xc0) === 0x80) byte = out[--end]!;
          } else {
            field.copyBytes(pointer, byteLength, out, 0);
          }
        }
        out.fill(0, end);
        slot.lengths[0] = end;
      },
    };
  },
};

/** int32 [maxLength], variable in dimension 0: Unicode code points (for character-level models). */
const codepointsDecoder: DecoderDefinition<RawTextArguments> = {
  options: ['maxLength'],
  setup(field, rawOptions) {
    const options = optionsObject(rawOptions, 'codepoints');
    checkKnownOptions(options, ['maxLength'], 'codepoints');
    const maxLength = integerOption(options, 'maxLength', 1024, 1, MAX_OUTPUT_LENGTH, 'codepoints');
    return {
      output: { dtype: 'int32', shape: [maxLength], variableDims: [0] },
      decode(sampleIndex: number, slot: OutputSlot) {
        const byteLength = readTextByteLength(field, sampleIndex);
        const out = slot.data as Int32Array;
        let count = 0;
        if (byteLength > 0) {
          const bytes = field.bytes(readTextPointer(field, sampleIndex), Math.min(byteLength, maxLength * 4));
          let position = 0;
          while (count < maxLength && position < bytes.length) {
            const lead = bytes[position]!;
            let codepoint: number;
            let size: number;
            if (lead < 0x80) {
              codepoint = lead;
              size = 1;
            } else if (lead < 0xe0) {
              codepoint = ((lead & 0x1f) << 6) | (bytes[position + 1]! & 0x3f);
              size = 2;
            } else if (lead < 0xf0) {
              codepoint = ((lead & 0x0f) << 12) | ((bytes[position + 1]! & 0x3f) << 6) | (bytes[position + 2]! & 0x3f);
              size = 3;
            } else {
              codepoint = ((lead & 0x07) << 18) | ((bytes[position + 1]! & 0x3f) << 12) | ((bytes[position + 2]! & 0x3f) << 6) | (bytes[position + 3]! & 0x3f);
              size = 4;
            }
            if (position + size > bytes.length) break;
            out[count++] = codepoint;
            position += size;
          }
        }
        out.fill(0, count);
        slot.lengths[0] = count;
      },
    };
  },
};

/** int32 scalar: the UTF-8 byte length. */
const byteLengthDecoder: DecoderDefinition<RawTextArguments> = {
  options: [],
  setup(field, rawOptions) {
    checkKnownOptions(optionsObject(rawOptions, 'byte-length'), [], 'byte-length');
    return {
      output: { dtype: 'int32', shape: [] },
      decode(sampleIndex: number, slot: OutputSlot) {
        (slot.data as Int32Array)[0] = readTextByteLength(field, sampleIndex);
      },
    };
  },
};

export const RAW_TEXT_CODEC_ID = 'text/raw';

export const rawTextCodec: FieldCodec<string, RawTextArguments> = {
  id: RAW_TEXT_CODEC_ID,
  normalizeArguments(args) {
    if (args !== null && typeof args === 'object' && !Array.isArray(args) && Object.keys(args).length === 0) return {};
    throw new TypeError(`rawText() takes no arguments, got ${JSON.stringify(args)}`);
  },
  metadataLayout: () => METADATA_LAYOUT,
  encode(text, _args, target) {
    checkText(text);
    const bytes = utf8Encoder.encode(text);
    if (bytes.byteLength > MAX_BYTE_LENGTH) throw new RangeError(`text of ${bytes.byteLength} UTF-8 bytes, more than ${MAX_BYTE_LENGTH}`);
    target.metadata.setUint32(BYTE_LENGTH_OFFSET, bytes.byteLength, true);
    if (bytes.byteLength > 0) target.allocate(bytes, POINTER_OFFSET);
  },
  validate(field) {
    for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
      const byteLength = readTextByteLength(field, sampleIndex);
      if (byteLength > 0) checkPayload(field, sampleIndex, readTextPointer(field, sampleIndex), byteLength, 'the text');
    }
  },
  read(field, sampleIndex) {
    const byteLength = readTextByteLength(field, sampleIndex);
    if (byteLength === 0) return '';
    return utf8Decoder.decode(field.bytes(readTextPointer(field, sampleIndex), byteLength));
  },
  preview(field, sampleIndex) {
    return { kind: 'text', text: rawTextCodec.read(field, sampleIndex) as string };
  },
  statistics: (field, sampleIndex) => ({ bytes: readTextByteLength(field, sampleIndex) }),
  decoders: { utf8: utf8Decoder_, codepoints: codepointsDecoder, 'byte-length': byteLengthDecoder },
  defaultDecoder: 'utf8',
};
