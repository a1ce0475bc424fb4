import type { DecoderDefinition, FieldCodec, FieldReader, MetadataLayout, OutputSlot } from '@tessera/core';
import { FRAME_WINDOW_OPTIONS, frameWindow, windowStart } from './clip-window.js';
import { choiceValue, integerValue, numberValue, optionRecord, rejectUnknown } from './option-values.js';
import { ByteScratch, checkPayloadRange } from './payload-range.js';

/**
 * `codecTokens({ codec, frameRate, codebooks, codebookSize })`: neural-codec tokens (EnCodec, DAC,
 * Mimi…), [codebooks, frames] per sample, int16 or int32.
 *
 *   metadata column (16 bytes, 8-aligned)   pointer u64 @0   frames u32 @8   reserved u32 @12
 *   payload (one allocation, none when empty)   codebook 0's frames, then codebook 1's… (little-endian)
 */
export type CodecTokensArguments = {
  /** The codec's name, e.g. "encodec_24khz", "dac_44khz", "mimi". */
  codec: string;
  /** Token frames per second of audio (EnCodec 24 kHz: 75; Mimi: 12.5). */
  frameRate: number;
  /** Residual codebooks per frame (rows). */
  codebooks: number;
  /** Ids per codebook: every token is in [0, codebookSize). */
  codebookSize: number;
  /** int16 when codebookSize ≤ 32768 (the default then), else int32. */
  dtype: 'int16' | 'int32';
};

/** A value: a [codebooks][frames] array of rows, or flat codebook-major ids with their frame count. */
export type CodecTokensInput = readonly (readonly number[] | Int16Array | Int32Array | Uint16Array)[] | { ids: ArrayLike<number>; frames: number };

/** What `read()` gives: codebook-major ids (`ids[c * frames + t]`). */
export interface StoredCodecTokens {
  frames: number;
  ids: Int16Array | Int32Array;
}

export const CODEC_TOKENS_CODEC_ID = 'audio/codec-tokens';
/** The most values an array preview carries (the viewer's limit). */
const PREVIEW_VALUES = 4096;
const METADATA_LAYOUT: MetadataLayout = { byteLength: 16, alignment: 8 };
const FRAMES_OFFSET = 8;
const readFrames = (field: FieldReader, sampleIndex: number): number => field.metadata.getUint32(field.recordOffset(sampleIndex) + FRAMES_OFFSET, true);
const readPointer = (field: FieldReader, sampleIndex: number): number => field.readUint64(field.recordOffset(sampleIndex));

function longestFrames(field: FieldReader): number {
  let longest = 0;
  for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) longest = Math.max(longest, readFrames(field, sampleIndex));
  return longest;
}
const itemSize = (args: CodecTokensArguments): number => (args.dtype === 'int16' ? 2 : 4);

export function normalizeCodecTokensArguments(args: CodecTokensArguments): CodecTokensArguments {
  const where = 'codecTokens()';
  const record = optionRecord(args, where);
  rejectUnknown(record, ['codec', 'frameRate', 'codebooks', 'codebookSize', 'dtype'], where);
  if (typeof record.codec !== 'string' || record.codec.length === 0 || record.codec.length > 200) {
    throw new TypeError(`${where}: codec must be the codec's name (e.g. "encodec_24khz"), got ${JSON.stringify(record.codec)}`);
  }
  const codebookSize = integerValue(record, 'codebookSize', undefined, 2, 2 ** 31 - 1, where);
  const dtype = choiceValue(record, 'dtype', ['int16', 'int32'] as const, codebookSize <= 32768 ? 'int16' : 'int32', where);
  if (dtype === 'int16' && codebookSize > 32768) throw new RangeError(`${where}: int16 holds ids below 32768, the codebook has ${codebookSize}; use dtype "int32"`);
  return {
    codec: record.codec,
    frameRate: numberValue(record, 'frameRate', undefined, 1e-3, 1e6, where),
    codebooks: integerValue(record, 'codebooks', undefined, 1, 1024, where),
    codebookSize,
    dtype,
  };
}

const scratch = new ByteScratch();

function encodeTokens(value: CodecTokensInput, args: CodecTokensArguments, metadata: DataView, allocate: (payload: Uint8Array, pointerOffset?: number) => void): void {
  const { codebooks, codebookSize } = args;
  let frames: number;
  let idAt: (codebook: number, frame: number) => number;
  if (Array.isArray(value)) {
    if (value.length !== codebooks) throw new RangeError(`the value has ${value.length} codebook rows, the field ${codebooks}`);
    frames = value[0]!.length;
    for (const [codebook, row] of value.entries()) {
      if (row === null || typeof row !== 'object' || typeof row.length !== 'number') throw new TypeError(`codebook row ${codebook} must be an array of ids, got ${JSON.stringify(row)}`);
      if (row.length !== frames) throw new RangeError(`codebook row ${codebook} has ${row.length} frames, row 0 has ${frames}`);
    }
    idAt = (codebook, frame) => (value as readonly ArrayLike<number>[])[codebook]![frame]!;
  } else if (value !== null && typeof value === 'object' && 'ids' in value && 'frames' in value) {
    const { ids } = value;
    frames = value.frames;
    if (!Number.isSafeInteger(frames) || frames < 0) throw new RangeError(`frames must be a non-negative integer, got ${JSON.stringify(frames)}`);
    if (ids === null || typeof ids !== 'object' || ids.length !== codebooks * frames) throw new RangeError(`ids must hold codebooks × frames = ${codebooks} × ${frames} values, got ${ids?.length}`);
    idAt = (codebook, frame) => ids[codebook * frames + frame]!;
  } else {
    throw new TypeError(`a codec-tokens value is [codebooks][frames] ids or { ids, frames }, got ${value === null ? 'null' : typeof value}`);
  }
  if (frames > 0xffff_ffff) throw new RangeError(`${frames} frames, more than ${0xffff_ffff}`);
  metadata.setUint32(FRAMES_OFFSET, frames, true);
  if (frames === 0) return;
  const bytes = scratch.bytes(codebooks * frames * itemSize(args));
  const out = args.dtype === 'int16' ? new Int16Array(scratch.arrayBuffer, 0, codebooks * frames) : new Int32Array(scratch.arrayBuffer, 0, codebooks * frames);
  for (let codebook = 0; codebook < codebooks; codebook++) {
    for (let frame = 0; frame < frames; frame++) {
      const id = idAt(codebook, frame);
      if (!Number.isInteger(id) || id < 0 || id >= codebookSize) {
        throw new RangeError(`codebook ${codebook} frame ${frame} is ${JSON.stringify(id)}, expected an integer from 0 to ${codebookSize - 1}`);
      }
      out[codebook * frames + frame] = id;
    }
  }
  allocate(bytes, 0);
}

/** int32 [codebooks, maxFrames], variable in dimension 1 (a window of maxFrames: 'start', 'center' or 'random'). */
const tokensDecoder: DecoderDefinition<CodecTokensArguments> = {
  options: [...FRAME_WINDOW_OPTIONS],
  setup(field, rawOptions) {
    const where = `decoder "tokens" of field "${field.name}"`;
    const options = optionRecord(rawOptions, where);
    const { codebooks, frameRate } = field.arguments;
    const size = itemSize(field.arguments);
    const window = frameWindow(options, frameRate, codebooks, () => longestFrames(field), where);
    const maxFrames = window.outputLength;
    const local = new ByteScratch();
    return {
      output: { dtype: 'int32', shape: [codebooks, maxFrames], variableDims: [1] },
      random: window.crop === 'random',
      decode(sampleIndex: number, slot: OutputSlot, context) {
        const frames = readFrames(field, sampleIndex);
        const start = windowStart(window, frames, context?.random);
        const count = Math.min(maxFrames, frames);
        const out = slot.data as Int32Array;
        out.fill(0);
        if (count > 0) {
          const pointer = readPointer(field, sampleIndex);
          const bytes = local.bytes(count * size);
          const source = size === 2 ? new Int16Array(local.arrayBuffer, 0, count) : new Int32Array(local.arrayBuffer, 0, count);
          for (let codebook = 0; codebook < codebooks; codebook++) {
            field.copyBytes(pointer + (codebook * frames + start) * size, count * size, bytes, 0);
            out.set(source, codebook * maxFrames);
          }
        }
        slot.lengths[0] = count;
      },
    };
  },
};

export const codecTokensCodec: FieldCodec<CodecTokensInput, CodecTokensArguments> = {
  id: CODEC_TOKENS_CODEC_ID,
  normalizeArguments: normalizeCodecTokensArguments,
  metadataLayout: () => METADATA_LAYOUT,
  encode(value, args, target) {
    encodeTokens(value, args, target.metadata, target.allocate.bind(target));
  },
  validate(field) {
    const bytesPerFrame = itemSize(field.arguments) * field.arguments.codebooks;
    for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
      const frames = readFrames(field, sampleIndex);
      if (frames > 0) checkPayloadRange(field, sampleIndex, readPointer(field, sampleIndex), frames * bytesPerFrame, 'the tokens');
    }
  },
  read(field, sampleIndex) {
    const frames = readFrames(field, sampleIndex);
    const { codebooks, dtype } = field.arguments;
    const ids = dtype === 'int16' ? new Int16Array(codebooks * frames) : new Int32Array(codebooks * frames);
    if (frames > 0) field.copyBytes(readPointer(field, sampleIndex), ids.byteLength, new Uint8Array(ids.buffer), 0);
    return { ids, frames } satisfies StoredCodecTokens;
  },
  toJSON(field, sampleIndex) {
    const frames = readFrames(field, sampleIndex);
    const { codec, frameRate, codebooks } = field.arguments;
    const payload = frames > 0 ? field.describeBytes(readPointer(field, sampleIndex), frames * codebooks * itemSize(field.arguments)) : { byteLength: 0, sha256: null };
    return { codec, codebooks, frames, seconds: frames / frameRate, ...payload };
  },
  /** The ids as a [codebooks, frames] array (its first values). */
  preview(field, sampleIndex) {
    const { ids, frames } = codecTokensCodec.read(field, sampleIndex) as StoredCodecTokens;
    return { kind: 'array', dtype: field.arguments.dtype === 'int16' ? '<i2' : '<i4', shape: [field.arguments.codebooks, frames], values: Float64Array.from(ids.subarray(0, PREVIEW_VALUES)) };
  },
  statistics(field, sampleIndex) {
    const frames = readFrames(field, sampleIndex);
    return { frames, seconds: frames / field.arguments.frameRate };
  },
  decoders: { tokens: tokensDecoder },
  defaultDecoder: 'tokens',
};
