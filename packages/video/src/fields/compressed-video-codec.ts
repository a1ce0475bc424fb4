import type { DecodeContext, DecoderDefinition, DecoderInstance, FieldCodec, FieldReader, MetadataLayout, OutputSlot } from '@tessera/core';
import { TesseraError, createOutputSlot } from '@tessera/core';
import { encodeBmp } from '@tessera/core/internals';
import { type PictureDecoder, createPictureDecoder, demuxVideo, videoBackend } from '../backend/video-backend.js';
import { type VideoEncoderCodec, normalizeEncodeArguments, reencodeVideo } from '../backend/node-av-encoder.js';
import { CLIP_OPTION_NAMES, FRAME_OPTION_NAMES, asRecord } from '../clips/clip-options.js';
import { clipTimesDecoder, finishWindowClip, flipRows, frameOutput, isRandom, scatterPlanes, videoInfoDecoder } from '../clips/clip-output.js';
import { type ClipPlan, createPlans, planClips } from '../clips/clip-sampler.js';
import { type RemuxedVideo, remuxPreview } from '../backend/remux-preview.js';
import { VideoBackendError, VideoFormatError, VideoInputError } from '../video-errors.js';
import { videoStatistics } from './video-preview.js';
import { DISPOSABLE_FLAG, KEY_FLAG, METADATA_BYTES, StoredStream, emptyHeader, encodeStream, readFrameCount, readHeader, streamTimeline } from './stored-stream.js';

/**
 * `compressedVideo()`: each video's encoded stream (H.264, H.265, VP9, AV1, …) stored as its
 * packets, remuxed without re-encoding, with a per-packet index (pts, dts, duration, key flag, byte
 * offset) so a clip decodes only from the keyframe before its first frame (see stored-stream.ts for
 * the bytes). Decoded in-process by FFmpeg (node-av) straight into the batch.
 */
export type CompressedVideoArguments =
  | {
      /** 'copy': the packets as the container holds them. */
      mode: 'copy';
    }
  | {
      /** 'encode': re-encoded at write time, in-process (node-av's libx264/libx265/libvpx-vp9/libsvtav1). */
      mode: 'encode';
      codec: VideoEncoderCodec;
      /** Frames from one keyframe to the next (fixed, no scene-cut keyframes). */
      gop: number;
      /** Constant rate factor (the encoder's scale; lower is better quality). */
      crf: number;
      /** The longer side in pixels (aspect ratio kept, never enlarged); absent: the video's size. */
      maxSide?: number;
      /** Resample to this rate (the frame shown at each k / fps instant); absent: every frame, at its time. */
      fps?: number;
    };

/** A video as written: a file path, or a path with a [start, end) range in seconds. */
export type VideoInput = string | { path: string; start?: number; end?: number };

export interface StoredPacket {
  pts: number;
  dts: number;
  duration: number;
  key: boolean;
  /** No frame references it (skipped when a clip does not show it). */
  disposable: boolean;
  data: Uint8Array;
}

/** What `read()` gives: the stored stream and its properties. */
export interface StoredVideo {
  codecId: number;
  width: number;
  height: number;
  timeBase: [number, number];
  averageFrameRate: [number, number];
  rotation: number;
  frames: number;
  durationSeconds: number;
  /** In decode order. */
  packets: StoredPacket[];
}

export const COMPRESSED_VIDEO_CODEC_ID = 'video/compressed';
const METADATA_LAYOUT: MetadataLayout = { byteLength: METADATA_BYTES, alignment: 8 };

export function normalizeCompressedVideoArguments(args: CompressedVideoArguments): CompressedVideoArguments {
  const record = asRecord(args, 'compressedVideo()');
  const mode = record.mode ?? 'copy';
  if (mode !== 'copy' && mode !== 'encode') throw new TesseraError('E_ARGUMENT', `compressedVideo(): mode must be 'copy' or 'encode', got ${JSON.stringify(record.mode)}`);
  const names = mode === 'copy' ? ['mode'] : ['mode', 'codec', 'gop', 'crf', 'maxSide', 'fps'];
  for (const key of Object.keys(record)) if (!names.includes(key)) throw new TesseraError('E_ARGUMENT', `compressedVideo(): unknown option "${key}" in mode '${mode}' (options: ${names.join(', ')})`);
  return mode === 'copy' ? { mode: 'copy' } : normalizeEncodeArguments(record);
}

/** A video value (a path, or `{ path, start?, end? }`) checked; shared by the video fields. */
export function inputOf(value: unknown): { path: string; start?: number; end?: number; label: string } {
  if (typeof value === 'string' && value.length > 0) return { path: value, label: value };
  if (value !== null && typeof value === 'object' && typeof (value as { path?: unknown }).path === 'string') {
    const { path, start, end } = value as { path: string; start?: unknown; end?: unknown };
    for (const [name, seconds] of [
      ['start', start],
      ['end', end],
    ] as const) {
      if (seconds !== undefined && (typeof seconds !== 'number' || !(seconds >= 0) || !Number.isFinite(seconds))) {
        throw new TesseraError('E_FIELD_VALUE', `video ${path}: ${name} must be seconds ≥ 0, got ${JSON.stringify(seconds)}`);
      }
    }
    return { path, start: start as number | undefined, end: end as number | undefined, label: path };
  }
  throw new TesseraError('E_FIELD_VALUE', `a video value must be a file path or { path, start?, end? }, got ${value === null ? 'null' : typeof value === 'object' ? 'an object without path' : JSON.stringify(value)}`);
}

// ── read side ─────────────────────────────────────────────────────────────────────────────────

/** Decodes the frames of a set of clips: from the keyframe before each run of needed frames. */
class ClipReader {
  readonly stream: StoredStream;
  private decoder: PictureDecoder | undefined;
  private decoderParams: unknown;
  private delivered = new Uint8Array(0);
  private needed = new Int32Array(0);

  constructor(private readonly where: string) {
    this.stream = new StoredStream(where);
  }

  load(field: FieldReader, sampleIndex: number): void {
    this.stream.load(field, sampleIndex);
    if (this.decoderParams !== this.stream.params) {
      this.decoder?.close();
      this.decoder = createPictureDecoder(this.stream.params!, this.where);
      this.decoderParams = this.stream.params;
    }
  }

  /**
   * For a decoder that decodes on drain (an ffmpeg process): one past the last packet that the run
   * of needed frames from `needed[index]` on requires — the frames whose keyframe the run reaches
   * without a reset, as the incremental path would decode them.
   */
  private runEnd(needed: Int32Array, index: number): number {
    const stream = this.stream;
    let end = 0;
    for (let at = index; at < needed.length; at++) {
      const frame = needed[at]!;
      if (this.delivered[frame] === 1) continue;
      const packet = stream.order[frame]!;
      let keyframe = packet;
      while (keyframe > 0 && !((stream.flags[keyframe]! & KEY_FLAG) !== 0 && stream.pts[keyframe]! <= stream.sortedPts[frame]!)) keyframe--;
      if (at > index && keyframe > end) break;
      end = Math.max(end, packet + 1);
    }
    return end;
  }

  /**
   * Decodes every frame named in `plans` and calls `deliver(frame)` once per distinct frame, in
   * presentation order, while that picture is current in the decoder.
   */
  decode(field: FieldReader, sampleIndex: number, plans: readonly ClipPlan[], deliver: (frame: number, decoder: PictureDecoder) => void): void {
    const stream = this.stream;
    const decoder = this.decoder!;
    const n = stream.header.frames;
    if (this.delivered.length < n) this.delivered = new Uint8Array(Math.max(n, this.delivered.length * 2));
    const delivered = this.delivered;
    delivered.fill(0, 0, n);
    let count = 0;
    for (const plan of plans) count += plan.count;
    if (this.needed.length < count) this.needed = new Int32Array(count);
    let filled = 0;
    for (const plan of plans) for (let k = 0; k < plan.count; k++) this.needed[filled++] = plan.frames[k]!;
    const needed = this.needed.subarray(0, filled).sort();
    decoder.reset();
    decoder.sampleIndex = sampleIndex;
    let next = 0; // next packet to send
    let end = n; // one past the last packet this run sends
    let drained = false;
    let started = false;
    for (let index = 0; index < needed.length; index++) {
      const frame = needed[index]!;
      if (delivered[frame] === 1) continue;
      const packet = stream.order[frame]!;
      const framePts = stream.sortedPts[frame]!;
      // The last keyframe at or before the frame's packet whose pts is not after the frame's.
      let keyframe = packet;
      while (keyframe > 0 && !((stream.flags[keyframe]! & KEY_FLAG) !== 0 && stream.pts[keyframe]! <= framePts)) keyframe--;
      if (!started || keyframe > next || drained) {
        if (started) decoder.reset();
        next = keyframe;
        end = decoder.decodesOnDrain === true ? this.runEnd(needed, index) : n;
        drained = false;
        started = true;
      }
      while (delivered[frame] === 0) {
        if (next < end) {
          const flags = stream.flags[next]!;
          // A frame no other frame references, and that the clip does not show, is not decoded.
          if ((flags & DISPOSABLE_FLAG) === 0 || isNeeded(needed, stream.positions[next]!)) {
            decoder.send(stream.packet(field, next), stream.pts[next]!, stream.dts[next]!, (flags & KEY_FLAG) !== 0);
          }
          next++;
        } else if (!drained) {
          decoder.send(undefined, 0, 0, false);
          drained = true;
        } else {
          throw new VideoFormatError(`${this.where}, sample ${sampleIndex}: the decoder gave no picture for frame ${frame} (pts ${framePts}); the stream is corrupt`);
        }
        while (decoder.receive()) {
          const shown = ptsIndex(stream.sortedPts, decoder.pts);
          if (shown < 0 || delivered[shown] === 1) continue;
          delivered[shown] = 1;
          if (isNeeded(needed, shown)) deliver(shown, decoder);
        }
      }
    }
  }
}

function ptsIndex(sorted: Float64Array, pts: number): number {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const value = sorted[middle]!;
    if (value === pts) return middle;
    if (value < pts) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

function isNeeded(sortedNeeded: Int32Array, frame: number): boolean {
  let low = 0;
  let high = sortedNeeded.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const value = sortedNeeded[middle]!;
    if (value === frame) return true;
    if (value < frame) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

/**
 * uint8 [T, H, W, 3] (THWC) or [3, T, H, W] (CTHW), with a leading clip dimension when clips > 1:
 * the clip's frames, each cropped (one window per clip) and resized (bilinear, in swscale) to `size`.
 * With sampler 'window' T is variable (`lengths[0]` frames written, the rest zero).
 */
const framesDecoder: DecoderDefinition<CompressedVideoArguments> = {
  options: [...CLIP_OPTION_NAMES, ...FRAME_OPTION_NAMES],
  setup(field, rawOptions): DecoderInstance {
    const where = `decoder "frames" of field "${field.name}"`;
    const resolved = frameOutput(field, rawOptions, where);
    const { options, layout, height, width, frameBytes, clipBytes, shape, variableDims } = resolved;
    const reader = new ClipReader(where);
    const plans = createPlans(options);
    const crops = plans.map(() => ({ x: 0, y: 0, width: 0, height: 0 }));
    const cthw = layout === 'CTHW';
    const scratch = cthw ? new Uint8Array(frameBytes) : undefined;
    let out: Uint8Array = new Uint8Array(0);
    let base = 0;

    const writeFrame = (shown: number, decoder: PictureDecoder): void => {
      for (let clip = 0; clip < plans.length; clip++) {
        const plan = plans[clip]!;
        const crop = crops[clip]!;
        let converted = false;
        for (let k = 0; k < plan.count; k++) {
          if (plan.frames[k] !== shown) continue;
          const clipBase = base + clip * clipBytes;
          if (cthw) {
            if (!converted) {
              decoder.convert(crop, width, height, scratch!, 0);
              if (plan.flip) flipRows(scratch!, 0, width, height);
              converted = true;
            }
            scatterPlanes(scratch!, out, clipBase, k, options.frames, width * height);
            continue;
          }
          const offset = clipBase + k * frameBytes;
          decoder.convert(crop, width, height, out, offset);
          if (plan.flip) flipRows(out, offset, width, height);
        }
      }
    };

    // Loads the backend now: a missing one is E_VIDEO_BACKEND when the loader is created, not at the first batch.
    const description = videoBackend().description;
    return {
      description,
      output: { dtype: 'uint8', shape, variableDims },
      random: isRandom(options),
      decode(sampleIndex: number, slot: OutputSlot, context?: DecodeContext) {
        reader.load(field, sampleIndex);
        planClips(reader.stream, options, context, plans, `${where}, sample ${sampleIndex}`);
        for (let clip = 0; clip < plans.length; clip++) {
          const window = plans[clip]!.crop;
          const crop = crops[clip]!;
          crop.x = window[0];
          crop.y = window[1];
          crop.width = window[2];
          crop.height = window[3];
        }
        out = slot.bytes;
        base = 0;
        if (plans[0]!.count > 0) reader.decode(field, sampleIndex, plans, writeFrame);
        if (variableDims !== undefined) finishWindowClip(slot, resolved, plans[0]!.count);
      },
    };
  },
};

/** The first-frame decoders of `preview`, per field and frame size. */
const posterDecoders = new WeakMap<FieldReader, Map<string, { decoder: DecoderInstance; slot: OutputSlot }>>();

const timesDecoder = clipTimesDecoder<CompressedVideoArguments>((_field, where) => new StoredStream(where));
const infoDecoder = videoInfoDecoder<CompressedVideoArguments>((_field, where) => new StoredStream(where));

export const compressedVideoCodec: FieldCodec<VideoInput, CompressedVideoArguments> = {
  id: COMPRESSED_VIDEO_CODEC_ID,
  normalizeArguments: normalizeCompressedVideoArguments,
  metadataLayout: () => METADATA_LAYOUT,
  encode(value, args, target) {
    const input = inputOf(value);
    let video: ReturnType<typeof demuxVideo>;
    try {
      video =
        args.mode === 'encode'
          ? reencodeVideo(input.path, { codec: args.codec, gop: args.gop, crf: args.crf, maxSide: args.maxSide, fps: args.fps, startSeconds: input.start, endSeconds: input.end })
          : demuxVideo(input.path, { startSeconds: input.start, endSeconds: input.end });
    } catch (error) {
      if (error instanceof TesseraError) throw error;
      throw new VideoInputError(`cannot be read (${(error as Error)?.message ?? String(error)})`, { input: input.label, cause: error });
    }
    target.allocate(encodeStream(video, target.metadata), 0);
  },
  validate(field) {
    const header = emptyHeader();
    for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
      readHeader(field, sampleIndex, header);
      if (header.byteLength === 0 || header.frames === 0) throw new RangeError(`sample ${sampleIndex}: no stored stream`);
      if (header.timeBase[0] === 0 || header.timeBase[1] === 0) throw new RangeError(`sample ${sampleIndex}: time base ${header.timeBase[0]}/${header.timeBase[1]}`);
      const allocated = field.allocationByteLength(header.pointer, sampleIndex);
      if (allocated < header.byteLength) throw new RangeError(`sample ${sampleIndex}: the stream has ${header.byteLength} bytes, its allocation ${allocated}`);
    }
  },
  read(field, sampleIndex) {
    const stream = new StoredStream(`field "${field.name}"`);
    const header = stream.load(field, sampleIndex);
    const packets: StoredPacket[] = [];
    for (let index = 0; index < header.frames; index++) {
      packets.push({ pts: stream.pts[index]!, dts: stream.dts[index]!, duration: stream.durations[index]!, key: (stream.flags[index]! & KEY_FLAG) !== 0, disposable: (stream.flags[index]! & DISPOSABLE_FLAG) !== 0, data: stream.packet(field, index).slice() });
    }
    const stored: StoredVideo = {
      codecId: header.codecId,
      width: header.width,
      height: header.height,
      timeBase: [...header.timeBase],
      averageFrameRate: [...header.averageFrameRate],
      rotation: header.rotation,
      frames: header.frames,
      durationSeconds: stream.durationSeconds(),
      packets,
    };
    return stored as unknown as VideoInput;
  },
  toJSON(field, sampleIndex) {
    const stream = new StoredStream(`field "${field.name}"`);
    const header = stream.load(field, sampleIndex);
    let keyframes = 0;
    let disposable = 0;
    for (let index = 0; index < header.frames; index++) {
      keyframes += stream.flags[index]! & KEY_FLAG;
      disposable += (stream.flags[index]! & DISPOSABLE_FLAG) >> 1;
    }
    return {
      codecId: header.codecId,
      width: header.width,
      height: header.height,
      frames: header.frames,
      keyframes,
      disposable,
      timeBase: `${header.timeBase[0]}/${header.timeBase[1]}`,
      durationSeconds: stream.durationSeconds(),
      rotation: header.rotation,
      ...field.describeBytes(header.pointer, header.byteLength),
    };
  },
  timeline: streamTimeline,
  length: readFrameCount,
  /**
   * A playable file: the stored packets remuxed (no re-encode) into MP4 (H.264, H.265, AV1) or
   * WebM (VP8, VP9) with their own pts, shifted to start near 0 (see remux-preview.ts), and
   * `durationSeconds` of the stored timeline; the first frame as its BMP poster (decoded through
   * the frames decoder, scaled there to fit `maxSide`, never enlarged). A codec with no container
   * here, or no backend that can remux, keeps the poster alone as an image.
   */
  async preview(field, sampleIndex, options) {
    const poster = posterOf(field, sampleIndex, options.maxSide);
    const stream = new StoredStream(`field "${field.name}", sample ${sampleIndex}`);
    const header = stream.load(field, sampleIndex);
    let remuxed: RemuxedVideo | undefined;
    try {
      remuxed = await remuxPreview({
        params: stream.params!,
        timeBase: header.timeBase,
        packetCount: header.frames,
        pts: stream.pts,
        dts: stream.dts,
        durations: stream.durations,
        key: (index) => (stream.flags[index]! & KEY_FLAG) !== 0,
        packet: (index) => stream.packet(field, index),
        where: `field "${field.name}", sample ${sampleIndex}`,
      });
    } catch (error) {
      if (!(error instanceof VideoBackendError)) throw error;
    }
    if (remuxed === undefined) return poster;
    const durationSeconds = stream.durationSeconds();
    const framesPerSecond = stream.nominalFps() || (durationSeconds > 0 ? header.frames / durationSeconds : 0);
    return {
      kind: 'video',
      mimeType: remuxed.mimeType,
      bytes: remuxed.bytes,
      durationSeconds,
      width: header.width,
      height: header.height,
      ...(framesPerSecond > 0 ? { framesPerSecond } : {}),
      poster: { mimeType: poster.mimeType, bytes: poster.bytes },
    };
  },
  statistics: (field, sampleIndex) => videoStatistics(field, sampleIndex, streamTimeline),
  decoders: { frames: framesDecoder, times: timesDecoder, info: infoDecoder },
  defaultDecoder: 'frames',
};

/**
 * The first frame as a still (BMP), decoded through the frames decoder and scaled there (swscale,
 * at no extra cost) to fit `maxSide`, never enlarged.
 */
function posterOf(field: FieldReader<CompressedVideoArguments>, sampleIndex: number, maxSide: number): { kind: 'image'; mimeType: string; bytes: Uint8Array; width: number; height: number } {
  const stored = readHeader(field, sampleIndex, emptyHeader());
  const scale = Math.min(1, maxSide / Math.max(stored.width, stored.height));
  const width = Math.max(1, Math.round(stored.width * scale));
  const height = Math.max(1, Math.round(stored.height * scale));
  // One decoder per field and frame size, kept with the reader: the contract has no close, so
  // decoders are not made per call.
  let bySize = posterDecoders.get(field);
  if (bySize === undefined) posterDecoders.set(field, (bySize = new Map()));
  let poster = bySize.get(`${width}x${height}`);
  if (poster === undefined) {
    const decoder = framesDecoder.setup(field, { frames: 1, sampler: 'regular', size: [height, width] });
    poster = { decoder, slot: createOutputSlot(decoder.output) };
    bySize.set(`${width}x${height}`, poster);
  }
  const { decoder, slot } = poster;
  decoder.decode(sampleIndex, slot);
  return { kind: 'image', mimeType: 'image/bmp', bytes: encodeBmp(slot.bytes.subarray(0, width * height * 3), width, height), width, height };
}
