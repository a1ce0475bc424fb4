/**
 * `opticalFlow()`: each video's precomputed optical flow (one field per frame pair), quantized to
 * int16, two uint8 channels or grayscale JPEG with a scale stated in the arguments, and decoded to
 * float32 clips cropped, resized and flipped exactly like the video's frames: the `flow` decoder
 * takes the frames decoder's clip options and, drawing from the video field's random streams
 * (`randomFrom` in the loader's pipeline), plans the same clips. Bytes: flow-layout.ts.
 */
import type { DecodeContext, DecoderDefinition, DecoderInstance, FieldCodec, FieldReader, MetadataLayout, OutputSlot } from '@tessera/core';
import { TesseraError } from '@tessera/core';
import { jpegBackend } from '@tessera/image';
import { CLIP_OPTION_NAMES, FRAME_OPTION_NAMES, asRecord, clipOptions, frameOptions } from '../clips/clip-options.js';
import { isRandom, videoInfoDecoder } from '../clips/clip-output.js';
import { createPlans, planClips } from '../clips/clip-sampler.js';
import {
  FLOW_METADATA_BYTES,
  FLOW_QUANTIZATIONS,
  type FlowQuantization,
  FlowStream,
  INT16_MAX_CODE,
  UINT8_ZERO,
  checkFlowHeader,
  emptyFlowHeader,
  encodeFlowPayload,
  flowTimeline,
  readFlowHeader,
} from './flow-layout.js';
import { FlowSampling, type FlowSource, type FlowTarget } from './flow-resample.js';

const lengthHeader = emptyFlowHeader();
import { type OpticalFlowValue, quantizeFlow } from './flow-value.js';

export const OPTICAL_FLOW_CODEC_ID = 'video/flow';

/** The stored arguments: the quantization and its scale, resolved (and the JPEG quality for 'jpeg'). */
export type OpticalFlowArguments = {
  quantization: FlowQuantization;
  /** Pixels per quantization step: a stored value is code × scale (int16) or (code − 128) × scale (uint8x2, jpeg). */
  scale: number;
  /** JPEG quality 1–100 ('jpeg' only). */
  quality?: number;
};

/** What `read()` gives: the stored flow, dequantized, and the per-video metadata. */
export interface StoredOpticalFlow {
  /** (frames − 1) × height × width × 2 float32 (u, v per point), in pixels of the flow grid. */
  flow: Float32Array;
  width: number;
  height: number;
  frames: number;
  frameTimes: number[];
  durationSeconds: number;
  /** The nominal frame rate given when written, or undefined. */
  fps: number | undefined;
  videoWidth: number;
  videoHeight: number;
  rotation: number;
  startSeconds: number;
  quantization: FlowQuantization;
  scale: number;
  /** How many u or v values were outside the quantization range when written, and clipped to it. */
  clipped: number;
}

const METADATA_LAYOUT: MetadataLayout = { byteLength: FLOW_METADATA_BYTES, alignment: 8 };
/** The largest output a decoder may declare per sample, in bytes (1 GiB). */
const MAX_OUTPUT_BYTES = 1 << 30;
const DEFAULT_SCALE: Record<FlowQuantization, number> = { int16: 1 / 64, uint8x2: 1 / 4, jpeg: 1 / 4 };
const MAX_CODE: Record<FlowQuantization, number> = { int16: INT16_MAX_CODE, uint8x2: 127, jpeg: 127 };
const DEFAULT_QUALITY = 95;
const ARGUMENT_KEYS = ['quantization', 'scale', 'quality', 'maxMagnitude'];

function argumentError(message: string): never {
  throw new TesseraError('E_ARGUMENT', `opticalFlow(): ${message}`);
}

/**
 * Resolves the arguments: `maxMagnitude` (the largest |u|, |v| stored without clipping) becomes
 * `scale = maxMagnitude / max code` (32767 for int16, 127 for the uint8 codes); idempotent.
 */
export function normalizeOpticalFlowArguments(args: OpticalFlowArguments & { maxMagnitude?: number }): OpticalFlowArguments {
  const record = asRecord(args, 'opticalFlow()');
  for (const key of Object.keys(record)) if (!ARGUMENT_KEYS.includes(key)) argumentError(`unknown option "${key}" (options: quantization, scale, maxMagnitude, quality)`);
  const quantization = (record.quantization ?? 'int16') as FlowQuantization;
  if (!FLOW_QUANTIZATIONS.includes(quantization)) argumentError(`quantization must be one of ${FLOW_QUANTIZATIONS.map((name) => JSON.stringify(name)).join(', ')}, got ${JSON.stringify(record.quantization)}`);
  const positive = (key: string): number | undefined => {
    const value = record[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) argumentError(`${key} must be a positive number of pixels, got ${JSON.stringify(value)}`);
    return value as number;
  };
  const scale = positive('scale');
  const maxMagnitude = positive('maxMagnitude');
  if (scale !== undefined && maxMagnitude !== undefined) argumentError('give scale or maxMagnitude, not both (scale = maxMagnitude / the largest code)');
  const resolved = scale ?? (maxMagnitude === undefined ? DEFAULT_SCALE[quantization] : maxMagnitude / MAX_CODE[quantization]);
  if (quantization !== 'jpeg') {
    if (record.quality !== undefined) argumentError(`quality applies to quantization 'jpeg' only, got quality ${JSON.stringify(record.quality)} with '${quantization}'`);
    return { quantization, scale: resolved };
  }
  const quality = record.quality ?? DEFAULT_QUALITY;
  if (!Number.isSafeInteger(quality) || (quality as number) < 1 || (quality as number) > 100) argumentError(`quality must be an integer from 1 to 100, got ${JSON.stringify(record.quality)}`);
  return { quantization, scale: resolved, quality: quality as number };
}

// ── read side ─────────────────────────────────────────────────────────────────────────────────

function createStream(field: FieldReader<OpticalFlowArguments>, where: string): FlowStream {
  const args = normalizeOpticalFlowArguments(field.arguments);
  if (args.quantization !== 'jpeg') return new FlowStream(where, args.quantization, args.scale);
  const backend = jpegBackend();
  return new FlowStream(where, 'jpeg', args.scale, (jpeg, out, width, height) => {
    const found = backend.readHeader(jpeg);
    if (found === undefined || found.width !== width || found.height !== height) {
      throw new Error(found === undefined ? 'not a JPEG' : `a ${found.width}×${found.height} JPEG`);
    }
    backend.decode(jpeg, 1, 0, 0, width, height, out, width, height, 0);
  });
}

function sameGridSize(field: FieldReader): [number, number] | string {
  const header = emptyFlowHeader();
  const sizes = new Set<string>();
  let first: [number, number] = [0, 0];
  for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
    readFlowHeader(field, sampleIndex, header);
    if (sizes.size === 0) first = [header.height, header.width];
    sizes.add(`${header.width}×${header.height}`);
    if (sizes.size > 3) break;
  }
  if (sizes.size === 1) return first;
  return sizes.size === 0 ? 'the dataset is empty' : `the flow grids have different sizes (${[...sizes].slice(0, 3).join(', ')}${sizes.size > 3 ? ', …' : ''})`;
}

/**
 * float32 [T − 1, H, W, 2] (u, v), [2, T − 1, H, W] with layout 'CTHW', with a leading clip
 * dimension when clips > 1. Output pair i is the stored flow from clip frame f_i to video frame
 * f_i + 1 (the next frame of the video, whatever the stride), cropped with the clip's window,
 * resized bilinearly to `size` and rescaled to output pixels; zero when f_i is the video's last frame.
 * With sampler 'window' (the frames presented in the loader's window, as the video's decoders take
 * them) the pairs dimension is variable: `lengths[0]` = the window's frames − 1 (0 for 0 or 1
 * frame), the rest zero.
 */
const flowDecoder: DecoderDefinition<OpticalFlowArguments> = {
  options: [...CLIP_OPTION_NAMES, ...FRAME_OPTION_NAMES],
  setup(field, rawOptions): DecoderInstance {
    const where = `decoder "flow" of field "${field.name}"`;
    const record = asRecord(rawOptions, where);
    const options = clipOptions(record, where);
    const frame = frameOptions(record, where);
    if (options.frames < 2) throw new TesseraError('E_ARGUMENT', `${where}: frames must be at least 2 (a clip of T frames has T − 1 flow pairs), got ${options.frames}`);
    let size = frame.size;
    if (size === undefined) {
      if (options.crop !== 'none') throw new TesseraError('E_ARGUMENT', `${where}: crop '${options.crop}' needs size: [height, width] (the output size)`);
      const found = sameGridSize(field);
      if (typeof found === 'string') throw new TesseraError('E_ARGUMENT', `${where}: ${found}; give size: [height, width] to resize every clip to one size`);
      size = found;
    }
    const [height, width] = size;
    // crop 'random' and shortSide windows are the output size at the video's scale: give the frames decoder's size for the same windows.
    options.outputSize = size;
    const pairs = options.frames - 1;
    const pairValues = height * width * 2;
    const clipValues = pairs * pairValues;
    if (clipValues * options.clips * 4 > MAX_OUTPUT_BYTES) throw new TesseraError('E_ARGUMENT', `${where}: ${options.clips} × ${pairs} flow pairs of ${width}×${height} need ${clipValues * options.clips * 4} bytes per sample, more than 1 GiB`);
    const cthw = frame.layout === 'CTHW';
    const clipShape = cthw ? [2, pairs, height, width] : [pairs, height, width, 2];
    const stream = createStream(field, where);
    const plans = createPlans(options);
    const sampling = new FlowSampling(width, height);
    const source: FlowSource = { codes: new Int16Array(0), uBase: 0, vBase: 1, rowStride: 0, columnStride: 2, zero: 0, scale: 1 };
    const target: FlowTarget = { out: new Float32Array(0), base: 0, vOffset: cthw ? pairs * height * width : 1, rowStride: cthw ? width : width * 2, columnStride: cthw ? 1 : 2 };
    const pairStride = cthw ? height * width : pairValues;
    // Window clips (clips is 1): pairs is dimension 0 of [pairs, H, W, 2], 1 of [2, pairs, H, W].
    const windowed = options.sampler === 'window';
    const variableDims = windowed ? [cthw ? 1 : 0] : undefined;
    return {
      description: `@tessera/video flow, ${stream.quantization} at ${field.arguments.scale} px per step${stream.quantization === 'jpeg' ? `, JPEG by ${jpegBackend().description}` : ''}`,
      output: { dtype: 'float32', shape: options.clips > 1 ? [options.clips, ...clipShape] : clipShape, variableDims },
      random: isRandom(options),
      decode(sampleIndex: number, slot: OutputSlot, context?: DecodeContext) {
        const header = stream.load(field, sampleIndex);
        planClips(stream, options, context, plans, `${where}, sample ${sampleIndex}`);
        const planar = stream.quantization === 'jpeg';
        source.scale = stream.scale;
        source.zero = stream.quantization === 'int16' ? 0 : UINT8_ZERO;
        source.uBase = 0;
        source.vBase = planar ? header.width * header.height : 1;
        source.rowStride = planar ? header.width : header.width * 2;
        source.columnStride = planar ? 1 : 2;
        target.out = slot.data as Float32Array;
        const last = header.frames - 1;
        for (let clip = 0; clip < plans.length; clip++) {
          const plan = plans[clip]!;
          sampling.plan(plan.crop, plan.flip, header.videoWidth, header.videoHeight, header.width, header.height);
          const written = Math.max(0, plan.count - 1);
          for (let pair = 0; pair < written; pair++) {
            target.base = clip * clipValues + pair * pairStride;
            const from = plan.frames[pair]!;
            if (from >= last) {
              sampling.zero(target);
              continue;
            }
            stream.readPair(field, from);
            source.codes = stream.quantization === 'int16' ? stream.pairCodes16 : stream.pairCodes8;
            sampling.write(source, target);
          }
          if (windowed) {
            const out = target.out;
            if (written < pairs) {
              if (cthw) for (let component = 0; component < 2; component++) out.fill(0, (component * pairs + written) * pairStride, (component + 1) * pairs * pairStride);
              else out.fill(0, written * pairValues, pairs * pairValues);
            }
            slot.lengths[0] = written;
          }
        }
      },
    };
  },
};

/** float64 [7], as compressedVideo's info, of the video the flow was made for. */
const infoDecoder = videoInfoDecoder<OpticalFlowArguments>(createStream);

function readStored(field: FieldReader<OpticalFlowArguments>, sampleIndex: number): StoredOpticalFlow {
  const stream = createStream(field, `field "${field.name}"`);
  const header = stream.load(field, sampleIndex);
  const { width, height, frames } = header;
  const points = width * height;
  const flow = new Float32Array((frames - 1) * points * 2);
  const zero = stream.quantization === 'int16' ? 0 : UINT8_ZERO;
  for (let pair = 0; pair < frames - 1; pair++) {
    stream.readPair(field, pair);
    const codes = stream.quantization === 'int16' ? stream.pairCodes16 : stream.pairCodes8;
    const base = pair * points * 2;
    for (let point = 0; point < points; point++) {
      const u = stream.quantization === 'jpeg' ? codes[point]! : codes[point * 2]!;
      const v = stream.quantization === 'jpeg' ? codes[points + point]! : codes[point * 2 + 1]!;
      flow[base + point * 2] = (u - zero) * stream.scale;
      flow[base + point * 2 + 1] = (v - zero) * stream.scale;
    }
  }
  return {
    flow,
    width,
    height,
    frames,
    frameTimes: Array.from({ length: frames }, (_, k) => stream.frameTime(k)),
    durationSeconds: stream.durationSeconds(),
    fps: stream.fps > 0 ? stream.fps : undefined,
    videoWidth: header.videoWidth,
    videoHeight: header.videoHeight,
    rotation: header.rotation,
    startSeconds: stream.startSeconds,
    quantization: stream.quantization,
    scale: stream.scale,
    clipped: header.clipped,
  };
}

export const opticalFlowCodec: FieldCodec<OpticalFlowValue, OpticalFlowArguments> = {
  id: OPTICAL_FLOW_CODEC_ID,
  normalizeArguments: normalizeOpticalFlowArguments,
  metadataLayout: () => METADATA_LAYOUT,
  encode(value, args, target) {
    const payload = quantizeFlow(value, { quantization: args.quantization, scale: args.scale, quality: args.quality ?? DEFAULT_QUALITY });
    target.allocate(encodeFlowPayload(payload, target.metadata), 0);
  },
  validate(field) {
    const header = emptyFlowHeader();
    for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
      readFlowHeader(field, sampleIndex, header);
      const problem = checkFlowHeader(header);
      if (problem !== undefined) throw new RangeError(`sample ${sampleIndex}: ${problem}`);
      const allocated = field.allocationByteLength(header.pointer, sampleIndex);
      if (allocated < header.byteLength) throw new RangeError(`sample ${sampleIndex}: the flow has ${header.byteLength} bytes, its allocation ${allocated}`);
    }
  },
  // A Float32Array posted to a writer worker is cloned with its whole ArrayBuffer: views of a larger
  // buffer are copied out first, so a pair taken from a big array does not carry all of it.
  toTransferable(value) {
    const record = value as OpticalFlowValue | null;
    if (record === null || typeof record !== 'object') return value;
    const own = (array: unknown) => (array instanceof Float32Array && array.byteLength !== array.buffer.byteLength ? array.slice() : array);
    const flow = Array.isArray(record.flow) ? record.flow.map(own) : own(record.flow);
    return flow === record.flow ? value : { ...record, flow };
  },
  read: (field, sampleIndex) => readStored(field, sampleIndex) as unknown as OpticalFlowValue,
  toJSON(field, sampleIndex) {
    const stored = readStored(field, sampleIndex);
    const header = readFlowHeader(field, sampleIndex, emptyFlowHeader());
    let maxMagnitude = 0;
    for (const component of stored.flow) maxMagnitude = Math.max(maxMagnitude, Math.abs(component));
    return {
      frames: stored.frames,
      width: stored.width,
      height: stored.height,
      videoWidth: stored.videoWidth,
      videoHeight: stored.videoHeight,
      durationSeconds: stored.durationSeconds,
      fps: stored.fps ?? null,
      rotation: stored.rotation,
      quantization: stored.quantization,
      scale: stored.scale,
      clipped: stored.clipped,
      maxMagnitude,
      ...field.describeBytes(header.pointer, header.byteLength),
    };
  },
  timeline: flowTimeline,
  // The video frames the flow was computed between (frames − 1 flow fields).
  length: (field, sampleIndex) => readFlowHeader(field, sampleIndex, lengthHeader).frames,
  statistics(field, sampleIndex) {
    const { frames, width, height } = readFlowHeader(field, sampleIndex, lengthHeader);
    const span = { startSeconds: 0, durationSeconds: 0 };
    return { seconds: flowTimeline(field, sampleIndex, span) ? span.durationSeconds : 0, frames, width, height };
  },
  decoders: { flow: flowDecoder, info: infoDecoder },
  defaultDecoder: 'flow',
};
