/**
 * The values an `opticalFlow()` field takes, checked and quantized into a FlowPayload (write side).
 */
import { TesseraError } from '@tessera/core';
import { jpegBackend } from '@tessera/image';
import { type FlowPayload, type FlowQuantization, INT16_MAX_CODE, MAX_GRID_SIDE, MAX_VIDEO_SIDE, UINT8_ZERO } from './flow-layout.js';

/**
 * One video's precomputed optical flow: N − 1 pairs for its N frames, pair k the flow from frame k
 * to frame k + 1 (u: x displacement, v: y displacement, in pixels of the flow grid).
 */
export type OpticalFlowValue = {
  /** (N − 1) × height × width × 2 float32, u then v per point; or one height × width × 2 array per pair. */
  flow: Float32Array | readonly Float32Array[];
  /** The flow grid's size (points per row, rows). */
  width: number;
  height: number;
  /**
   * Seconds of each of the N video frames after the first, as the video field has them
   * ((pts − first pts) × time base): frame k at frameTimes[k]. Give this or `fps`.
   */
  frameTimes?: readonly number[];
  /** Constant frame rate: frame k at k / fps. With `frameTimes` it is only the nominal rate (the `info` decoder's fps). */
  fps?: number;
  /** The video's duration in seconds (first frame to the end of the last). Default: N / fps, or the last frame time plus the last interval. */
  durationSeconds?: number;
  /** The video's size, which crop windows are drawn in; default: the flow grid's size. */
  videoWidth?: number;
  videoHeight?: number;
  /** The video's display rotation in degrees (metadata only; default 0). */
  rotation?: number;
  /** The video's first frame time in seconds (metadata only, the `info` decoder's first pts; default 0). */
  startSeconds?: number;
};

export interface FlowEncoding {
  quantization: FlowQuantization;
  scale: number;
  quality: number;
}

const bad = (message: string): never => {
  throw new TesseraError('E_FIELD_VALUE', message);
};

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value === 'object' ? 'an object' : JSON.stringify(value);
}

function side(value: unknown, name: string, max: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > max) bad(`${name} must be an integer from 1 to ${max}, got ${describe(value)}`);
  return value as number;
}

function optionalNumber(value: unknown, name: string, check: (number: number) => boolean, expected: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) bad(`${name} must be ${expected}, got ${describe(value)}`);
  return value as number;
}

/** Checks a value and quantizes it; non-finite flow is E_FIELD_VALUE, values past the range are clipped and counted. */
export function quantizeFlow(value: unknown, encoding: FlowEncoding): FlowPayload {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) bad(`an optical-flow value must be { flow, width, height, frameTimes | fps }, got ${describe(value)}`);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!VALUE_KEYS.includes(key)) bad(`an optical-flow value has no "${key}" (keys: ${VALUE_KEYS.join(', ')})`);
  }
  const width = side(record.width, 'width', MAX_GRID_SIDE);
  const height = side(record.height, 'height', MAX_GRID_SIDE);
  const pairValues = width * height * 2;
  const flow = record.flow;
  let pairs: readonly Float32Array[];
  if (flow instanceof Float32Array) {
    if (flow.length % pairValues !== 0) bad(`flow has ${flow.length} values, not a multiple of width × height × 2 = ${pairValues}`);
    pairs = Array.from({ length: flow.length / pairValues }, (_, pair) => flow.subarray(pair * pairValues, (pair + 1) * pairValues));
  } else if (Array.isArray(flow) && flow.every((pair) => pair instanceof Float32Array)) {
    pairs = flow as Float32Array[];
    for (const [pair, values] of pairs.entries()) if (values.length !== pairValues) bad(`flow pair ${pair} has ${values.length} values, expected width × height × 2 = ${pairValues}`);
  } else {
    return bad(`flow must be a Float32Array of (frames − 1) × height × width × 2 values or an array of one Float32Array per pair, got ${describe(flow)}`);
  }
  const frames = pairs.length + 1;
  const fps = optionalNumber(record.fps, 'fps', (number) => number > 0, 'a positive number');
  const frameTimes = new Float64Array(frames);
  if (record.frameTimes !== undefined) {
    const times = record.frameTimes;
    if (!Array.isArray(times) || times.length !== frames) bad(`frameTimes must list the ${frames} frames' times (${pairs.length} flow pairs + 1), got ${describe(times)}`);
    const list = times as unknown[];
    for (let k = 0; k < frames; k++) {
      const time = list[k];
      if (typeof time !== 'number' || !Number.isFinite(time) || (k > 0 && !(time > (list[k - 1] as number)))) bad(`frameTimes[${k}] is ${describe(time)}; frame times must be finite and increasing`);
      frameTimes[k] = (time as number) - (list[0] as number);
    }
  } else if (fps !== undefined) {
    for (let k = 0; k < frames; k++) frameTimes[k] = k / fps;
  } else {
    bad('an optical-flow value needs frameTimes (seconds of each video frame) or fps');
  }
  const last = frameTimes[frames - 1]!;
  const fallbackDuration = record.frameTimes === undefined ? frames / fps! : frames > 1 ? last + (last - frameTimes[frames - 2]!) : 0;
  const durationSeconds = optionalNumber(record.durationSeconds, 'durationSeconds', (number) => number >= last, `seconds ≥ the last frame time (${last})`) ?? fallbackDuration;
  const videoWidth = record.videoWidth === undefined ? width : side(record.videoWidth, 'videoWidth', MAX_VIDEO_SIDE);
  const videoHeight = record.videoHeight === undefined ? height : side(record.videoHeight, 'videoHeight', MAX_VIDEO_SIDE);
  const rotation = optionalNumber(record.rotation, 'rotation', (number) => Math.abs(number) <= 360, 'degrees from −360 to 360') ?? 0;
  const startSeconds = optionalNumber(record.startSeconds, 'startSeconds', () => true, 'seconds') ?? 0;

  for (const [pair, values] of pairs.entries()) {
    for (let index = 0; index < values.length; index++) {
      const component = values[index]!;
      if (!Number.isFinite(component)) {
        const point = index >> 1;
        bad(`flow pair ${pair} at x ${point % width}, y ${Math.floor(point / width)}: ${index % 2 === 0 ? 'u' : 'v'} is ${component}; flow must be finite`);
      }
    }
  }
  const { data, clipped } = encoding.quantization === 'int16' ? quantizeInt16(pairs, encoding.scale) : quantizeUint8(pairs, width, height, encoding);
  return {
    quantization: encoding.quantization,
    scale: encoding.scale,
    quality: encoding.quality,
    frames,
    width,
    height,
    videoWidth,
    videoHeight,
    frameTimes,
    durationSeconds,
    fps: fps ?? 0,
    startSeconds,
    rotation,
    clipped,
    data,
  };
}

const VALUE_KEYS = ['flow', 'width', 'height', 'frameTimes', 'fps', 'durationSeconds', 'videoWidth', 'videoHeight', 'rotation', 'startSeconds'];

function quantizeInt16(pairs: readonly Float32Array[], scale: number): { data: Uint8Array; clipped: number } {
  let total = 0;
  for (const values of pairs) total += values.length;
  const data = new Uint8Array(total * 2);
  const view = new DataView(data.buffer);
  let clipped = 0;
  let at = 0;
  for (const values of pairs) {
    for (let index = 0; index < values.length; index++, at += 2) {
      let code = Math.round(values[index]! / scale);
      if (code > INT16_MAX_CODE || code < -INT16_MAX_CODE) {
        code = code > 0 ? INT16_MAX_CODE : -INT16_MAX_CODE;
        clipped++;
      }
      view.setInt16(at, code, true);
    }
  }
  return { data, clipped };
}

function quantizeUint8(pairs: readonly Float32Array[], width: number, height: number, encoding: FlowEncoding): { data: Uint8Array | Uint8Array[]; clipped: number } {
  const jpeg = encoding.quantization === 'jpeg';
  const encode = jpeg ? jpegEncoder() : undefined;
  const points = width * height;
  const interleaved = jpeg ? new Uint8Array(0) : new Uint8Array(pairs.length * points * 2);
  const planes = jpeg ? new Uint8Array(points * 2) : new Uint8Array(0);
  const jpegs: Uint8Array[] = [];
  let clipped = 0;
  for (const [pair, values] of pairs.entries()) {
    for (let index = 0; index < values.length; index++) {
      let code = Math.round(values[index]! / encoding.scale) + UINT8_ZERO;
      if (code > 255 || code < 0) {
        code = code > 0 ? 255 : 0;
        clipped++;
      }
      // jpeg: the u plane (H rows), then the v plane.
      if (jpeg) planes[(index & 1) * points + (index >> 1)] = code;
      else interleaved[pair * points * 2 + index] = code;
    }
    if (jpeg) jpegs.push(encode!(planes, width, 2 * height, 1, encoding.quality));
  }
  return { data: jpeg ? jpegs : interleaved, clipped };
}

type JpegEncode = (pixels: Uint8Array, width: number, height: number, channels: 1 | 3, quality: number) => Uint8Array;

function jpegEncoder(): JpegEncode {
  const backend = jpegBackend();
  if (backend.encode === undefined) {
    throw new TesseraError(
      'E_ENCODE',
      `opticalFlow({ quantization: 'jpeg' }) needs a JPEG encoder, and @tessera/image's ${backend.name} backend (${backend.description}) has none. Fix: build @tessera/image's native backend (a C compiler and Node's headers, then npm rebuild @tessera/image), or use quantization 'int16' or 'uint8x2'`,
    );
  }
  return backend.encode;
}
