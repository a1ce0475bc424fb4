/**
 * A playable file of a stored video for `tessera view`: its stored packets remuxed (no decode, no
 * encode) into MP4 (H.264, H.265, AV1) or WebM (VP8, VP9), in memory, with their own pts shifted
 * so the first frame is at 0 (a variable frame rate stays variable).
 *
 *   node-av   FFmpeg's muxer in-process, writing through a JavaScript AVIO callback into memory;
 *             the output is seekable, so MP4 is a plain file (moov after mdat: the viewer answers
 *             range requests) and WebM has its duration and cues.
 *   ffmpeg    the packets fed on stdin as IVF (per-frame pts in the stream's own time base; H.264
 *             as Annex B, its parameter sets moved back into the codec configuration by
 *             `extract_extradata`), `-c copy` out to a pipe: fragmented MP4 or WebM. IVF has no dts,
 *             so ffmpeg guesses them: with B-frames the file starts at the reorder delay (one or two
 *             frames) rather than 0; frame spacing is kept. No H.265 (see CONTAINERS).
 *
 * This is the remux half of the two backends of video-backend.ts (the same selection, one place).
 * A codec neither container takes gives `undefined`: the caller keeps its still image.
 */
import { type FfmpegFailure, resolveFfmpeg, runFfmpeg } from '@tessera/ffmpeg';
import { VideoFormatError } from '../video-errors.js';
import { annexBParameters } from './ffmpeg-process-backend.js';
import { type VideoCodecParameters, loadedNodeAv, setVideoCodecParameters } from './node-av-backend.js';
import { selectedBackend } from './video-backend.js';

/** What the remux reads of a stored stream: its codec, time base and packets in decode order. */
export interface RemuxSource {
  params: VideoCodecParameters;
  timeBase: [number, number];
  packetCount: number;
  /** Per packet, in the stream's time base. */
  pts: Float64Array;
  dts: Float64Array;
  durations: Float64Array;
  key(index: number): boolean;
  /** The packet's bytes (a view is fine: it is copied before `remuxPreview` returns). */
  packet(index: number): Uint8Array;
  /** Where errors say the stream is (field and sample). */
  where: string;
}

export interface RemuxedVideo {
  mimeType: 'video/mp4' | 'video/webm';
  bytes: Uint8Array;
  /** The backend that muxed it, e.g. 'node-av' or 'ffmpeg'. */
  backend: string;
}

/**
 * Containers by AVCodecID (FFmpeg's numbering, as both backends store it), and how IVF names the
 * codec for an ffmpeg process (none for H.265: FFmpeg 5's IVF demuxer knows no fourcc of it).
 */
const CONTAINERS: Readonly<Record<number, { name: string; format: 'mp4' | 'webm'; fourcc?: string }>> = {
  27: { name: 'h264', format: 'mp4', fourcc: 'H264' },
  173: { name: 'hevc', format: 'mp4' },
  225: { name: 'av1', format: 'mp4', fourcc: 'AV01' },
  139: { name: 'vp8', format: 'webm', fourcc: 'VP80' },
  167: { name: 'vp9', format: 'webm', fourcc: 'VP90' },
};

/**
 * The stored packets as an MP4 or WebM file, through the active backend; undefined when the codec
 * has no container here. Throws VideoBackendError when no backend loads, VideoFormatError when the
 * muxer refuses the stream.
 */
export function remuxPreview(source: RemuxSource): RemuxedVideo | Promise<RemuxedVideo> | undefined {
  const container = CONTAINERS[source.params.codecId];
  if (container === undefined || source.packetCount === 0) return undefined;
  const backend = selectedBackend().info().name;
  const mimeType = container.format === 'mp4' ? 'video/mp4' : 'video/webm';
  if (backend === 'node-av') return { mimeType, bytes: remuxWithNodeAv(source, container.format), backend };
  const fourcc = container.fourcc;
  if (fourcc === undefined) return undefined;
  return remuxWithProcess(source, { ...container, fourcc }).then((bytes) => ({ mimeType, bytes, backend }));
}

/** The smallest pts (the first frame's), which becomes 0 in the file. */
function firstPts(source: RemuxSource): number {
  let first = Number.POSITIVE_INFINITY;
  for (let index = 0; index < source.packetCount; index++) first = Math.min(first, source.pts[index]!);
  return first;
}

// ── node-av ────────────────────────────────────────────────────────────────────────────────────

interface Rational {
  num: number;
  den: number;
}
interface MuxCodecParameters {
  codecType: number;
  codecId: number;
  codecTag: number;
  width: number;
  height: number;
  format: number;
  profile: number;
  level: number;
  colorRange: number;
  colorSpace: number;
  colorPrimaries: number;
  colorTrc: number;
  chromaLocation: number;
  sampleAspectRatio: Rational;
  extradata: Buffer | null;
}
interface MuxStream {
  codecpar: MuxCodecParameters;
  timeBase: Rational;
}
interface MuxPacket {
  alloc(): void;
  free(): void;
  unref(): void;
  data: Buffer | null;
  pts: bigint;
  dts: bigint;
  duration: bigint;
  flags: number;
  streamIndex: number;
}
interface OutputFormatContext {
  allocOutputContext2(oformat: null, formatName: string, filename: null): number;
  newStream(codec: null): MuxStream;
  setFlags(...flags: number[]): void;
  pb: unknown;
  writeHeaderSync(options: null): number;
  interleavedWriteFrameSync(packet: MuxPacket | null): number;
  writeTrailerSync(): number;
  freeContext(): void;
}
interface WriteIOContext {
  allocContextWithCallbacks(bufferSize: number, writeFlag: 1, read: null, write: (buffer: Buffer) => number, seek: (offset: bigint, whence: number) => bigint): void;
  freeContext(): void;
}
interface MuxLibrary {
  FormatContext: new () => OutputFormatContext;
  IOContext: new () => WriteIOContext;
  Packet: new () => MuxPacket;
}

const IO_BUFFER_BYTES = 1 << 16;

/** A growable in-memory file the muxer writes and seeks in (MP4 goes back to patch box sizes). */
function createMemoryFile(): { write(buffer: Buffer): number; seek(offset: bigint, whence: number, sizeFlag: number, forceFlag: number): bigint; bytes(): Uint8Array } {
  let storage = new Uint8Array(IO_BUFFER_BYTES * 4);
  let position = 0;
  let length = 0;
  return {
    write(buffer) {
      const end = position + buffer.byteLength;
      if (end > storage.byteLength) {
        const grown = new Uint8Array(Math.max(end, storage.byteLength * 2));
        grown.set(storage.subarray(0, length));
        storage = grown;
      }
      storage.set(buffer, position);
      position = end;
      length = Math.max(length, end);
      return buffer.byteLength;
    },
    seek(offset, whence, sizeFlag, forceFlag) {
      const mode = whence & ~forceFlag;
      if (mode === sizeFlag) return BigInt(length);
      const base = mode === 0 ? 0 : mode === 1 ? position : length;
      position = base + Number(offset);
      return BigInt(position);
    },
    bytes: () => storage.slice(0, length),
  };
}

/** a × b / c on integers, rounded to nearest (av_rescale_q's default), exact for any int64 pts. */
function rescale(value: number, from: Rational, to: Rational): bigint {
  const numerator = BigInt(value) * BigInt(from.num) * BigInt(to.den);
  const denominator = BigInt(from.den) * BigInt(to.num);
  const half = denominator / 2n;
  return numerator >= 0n ? (numerator + half) / denominator : -((-numerator + half) / denominator);
}

function remuxWithNodeAv(source: RemuxSource, format: 'mp4' | 'webm'): Uint8Array {
  const { av, constants } = loadedNodeAv();
  const library = av as MuxLibrary;
  const params = source.params;
  const fail = (step: string, code: number): never => {
    throw new VideoFormatError(`${source.where}: FFmpeg's ${format} muxer refuses the stored ${CONTAINERS[params.codecId]?.name} stream (${step}: FFmpeg error ${code})`);
  };
  const file = createMemoryFile();
  const output = new library.FormatContext();
  const allocated = output.allocOutputContext2(null, format, null);
  if (allocated < 0) fail('allocating the output', allocated);
  const io = new library.IOContext();
  // The callbacks run synchronously inside the *Sync calls below, on this thread.
  io.allocContextWithCallbacks(IO_BUFFER_BYTES, 1, null, (buffer) => file.write(buffer), (offset, whence) => file.seek(offset, whence, constants.AVSEEK_SIZE!, constants.AVSEEK_FORCE!));
  output.pb = io;
  // BITEXACT: no random segment and track UIDs (WebM) or version strings, so one stream gives one file.
  output.setFlags(constants.AVFMT_FLAG_CUSTOM_IO!, constants.AVFMT_FLAG_BITEXACT!);
  const packet = new library.Packet();
  packet.alloc();
  try {
    const stream = output.newStream(null);
    const par = stream.codecpar;
    setVideoCodecParameters(par, params, constants.AVMEDIA_TYPE_VIDEO!);
    par.codecTag = 0;
    const timeBase: Rational = { num: source.timeBase[0], den: source.timeBase[1] };
    stream.timeBase = timeBase;
    const header = output.writeHeaderSync(null);
    if (header < 0) fail('writing the header', header);
    // The muxer may pick its own time base (MP4: a timescale ≥ 10 000; WebM: milliseconds).
    const muxTimeBase: Rational = { num: stream.timeBase.num, den: stream.timeBase.den };
    const first = firstPts(source);
    for (let index = 0; index < source.packetCount; index++) {
      const data = source.packet(index);
      packet.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      packet.pts = rescale(source.pts[index]! - first, timeBase, muxTimeBase);
      packet.dts = rescale(source.dts[index]! - first, timeBase, muxTimeBase);
      packet.duration = rescale(source.durations[index]!, timeBase, muxTimeBase);
      packet.flags = source.key(index) ? constants.AV_PKT_FLAG_KEY! : 0;
      packet.streamIndex = 0;
      const written = output.interleavedWriteFrameSync(packet);
      packet.unref();
      if (written < 0) fail(`writing packet ${index}`, written);
    }
    const trailer = output.writeTrailerSync();
    if (trailer < 0) fail('writing the trailer', trailer);
    return file.bytes();
  } finally {
    packet.free();
    output.pb = null;
    output.freeContext();
    io.freeContext();
  }
}

// ── ffmpeg process ─────────────────────────────────────────────────────────────────────────────

/** The packets as an IVF file: 32-byte header (fourcc, size, time base), then size u32, pts u64 and the bytes of each. */
function ivfStream(source: RemuxSource, fourcc: string, codecName: string): Uint8Array {
  const annexB = codecName === 'h264';
  const { prefix, nalLengthSize } = annexB ? annexBParameters({ name: codecName }, source.params.extradata, source.where) : { prefix: new Uint8Array(0), nalLengthSize: 0 };
  const frames: Uint8Array[] = [];
  let total = 32;
  for (let index = 0; index < source.packetCount; index++) {
    let data = source.packet(index);
    if (annexB && nalLengthSize > 0) data = toAnnexB(data, nalLengthSize, source.where, index);
    // The parameter sets go before the first packet; extract_extradata takes them out again.
    if (index === 0 && prefix.byteLength > 0) {
      const joined = new Uint8Array(prefix.byteLength + data.byteLength);
      joined.set(prefix, 0);
      joined.set(data, prefix.byteLength);
      data = joined;
    }
    frames.push(data);
    total += 12 + data.byteLength;
  }
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  for (let index = 0; index < 4; index++) bytes[index] = 'DKIF'.charCodeAt(index);
  view.setUint16(6, 32, true);
  for (let index = 0; index < 4; index++) bytes[8 + index] = fourcc.charCodeAt(index);
  view.setUint16(12, Math.min(0xffff, source.params.width), true);
  view.setUint16(14, Math.min(0xffff, source.params.height), true);
  // FFmpeg reads the stream's time base as (scale @20) / (rate @16).
  view.setUint32(16, source.timeBase[1], true);
  view.setUint32(20, source.timeBase[0], true);
  view.setUint32(24, source.packetCount, true);
  const first = firstPts(source);
  let at = 32;
  for (let index = 0; index < frames.length; index++) {
    const data = frames[index]!;
    view.setUint32(at, data.byteLength, true);
    view.setBigUint64(at + 4, BigInt(source.pts[index]! - first), true);
    bytes.set(data, at + 12);
    at += 12 + data.byteLength;
  }
  return bytes;
}

/** A length-prefixed (avcC / hvcC) packet with 4-byte start codes instead. */
function toAnnexB(data: Uint8Array, nalLengthSize: number, where: string, index: number): Uint8Array {
  const units: Array<[number, number]> = [];
  let read = 0;
  let bytes = 0;
  while (read < data.byteLength) {
    let length = 0;
    for (let byte = 0; byte < nalLengthSize; byte++) length = length * 256 + (data[read + byte] ?? 0);
    read += nalLengthSize;
    if (length === 0 || read + length > data.byteLength) throw new VideoFormatError(`${where}: packet ${index} has a NAL unit of ${length} bytes at byte ${read} of its ${data.byteLength}; the file is corrupt: re-create the dataset`);
    units.push([read, length]);
    bytes += 4 + length;
    read += length;
  }
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const [from, length] of units) {
    out[at + 3] = 1;
    out.set(data.subarray(from, from + length), at + 4);
    at += 4 + length;
  }
  return out;
}

function remuxWithProcess(source: RemuxSource, container: { name: string; format: 'mp4' | 'webm'; fourcc: string }): Promise<Uint8Array> {
  const { path } = resolveFfmpeg();
  const input = ivfStream(source, container.fourcc, container.name);
  // A pipe cannot be seeked back into: MP4 is written fragmented (moov first, a fragment per keyframe).
  const muxer = container.format === 'mp4' ? ['-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof'] : ['-f', 'webm'];
  const extradata = container.name === 'h264' ? ['-bsf:v', 'extract_extradata=remove=1'] : [];
  return runFfmpeg(['-f', 'ivf', '-i', 'pipe:0', '-map', '0:v:0', '-c', 'copy', ...extradata, '-fflags', '+bitexact', ...muxer, 'pipe:1'], {
    ffmpegPath: path,
    stdin: input,
    input: source.where,
    action: `remux ${source.packetCount} ${container.name} packets into ${container.format}`,
    createError: (failure: FfmpegFailure) => new VideoFormatError(`${failure.input}: ffmpeg cannot remux the stored ${container.name} packets into ${container.format} (${failure.message})${failure.stderr === '' ? '' : `\nffmpeg said:\n${failure.stderr.replace(/^/gm, '  ')}`}`, { cause: failure.cause }),
  });
}
