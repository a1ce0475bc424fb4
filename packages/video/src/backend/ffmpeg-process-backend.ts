/**
 * The fallback backend: an ffmpeg process (found through @tessera/ffmpeg's chain — option /
 * TESSERA_FFMPEG, ffmpeg-static, @ffmpeg-installer/ffmpeg, PATH) where node-av cannot load. It is
 * the one module of this package that starts ffmpeg.
 *
 *   write side   one run per video: `-c copy -f framecrc` lists every packet (dts, pts, duration,
 *                size, flags) and, in the same run, `-c copy -bsf:v dump_extra -f data` gives the
 *                packets' bytes (the codec's extradata put before each keyframe, which is how the
 *                extradata's bytes are read without ffprobe); the stream dump on stderr gives the
 *                container, the rotation (display matrix) and the stream index.
 *   read side    one run per run of needed frames: the stored packets from the keyframe through
 *                the last needed one, fed on stdin as H.264/H.265 Annex B (avcC/hvcC parameter
 *                sets first, length prefixes turned into start codes) or IVF (VP8, VP9, AV1),
 *                decoded to rgb24 at the native size with frame passthrough (`-fps_mode
 *                passthrough`, `-vsync 0` on old builds: otherwise rawvideo output silently
 *                duplicates or drops frames). The k-th picture out is the k-th fed packet by pts;
 *                the count is checked. A crop and resize run in ffmpeg's filters (`crop`, then
 *                `scale` with swscale's bilinear, as node-av's convert uses), one process per
 *                window and size in a run (clips with different random crops: one each).
 *
 * Differences from node-av: the codec parameters besides codec, size, aspect ratio and extradata
 * are not known (profile, level, colour fields and pixel format are stored as "unknown": -99 / 2 /
 * -1, which FFmpeg's decoders read from the bitstream anyway); the average frame rate is the
 * packets' (frames / duration); a process start costs ~0.2 s per run of frames.
 */
import { type FfmpegFailure, ffmpegOptionSpellings, listDecoders, resolveFfmpeg, runFfmpegSync } from '@tessera/ffmpeg';
import { VideoBackendError, VideoFormatError, VideoInputError } from '../video-errors.js';
import { type DemuxedPacket, type DemuxedVideo, type PictureCrop, type VideoCodecParameters, fillTimestamps, h264Disposable, selectRange } from './node-av-backend.js';
import type { PictureDecoder, VideoBackend, VideoBackendImplementation } from './video-backend.js';

/** Codecs this backend stores and decodes: FFmpeg's name, AVCodecID (FFmpeg 8's numbering, as node-av stores it), how it is fed. */
interface ProcessCodec {
  name: string;
  codecId: number;
  /** `-f` of the raw stream on stdin. */
  format: 'h264' | 'hevc' | 'ivf';
  /** IVF fourcc. */
  fourcc?: string;
  /** Any of these decoders will do (`ffmpeg -decoders` names). */
  decoders: readonly string[];
}

const CODECS: readonly ProcessCodec[] = [
  { name: 'h264', codecId: 27, format: 'h264', decoders: ['h264'] },
  { name: 'hevc', codecId: 173, format: 'hevc', decoders: ['hevc'] },
  { name: 'vp8', codecId: 139, format: 'ivf', fourcc: 'VP80', decoders: ['vp8', 'libvpx'] },
  { name: 'vp9', codecId: 167, format: 'ivf', fourcc: 'VP90', decoders: ['vp9', 'libvpx-vp9'] },
  { name: 'av1', codecId: 225, format: 'ivf', fourcc: 'AV01', decoders: ['libdav1d', 'libaom-av1', 'av1'] },
];
const CODEC_NAMES = CODECS.map((codec) => codec.name).join(', ');

const PURPOSE = 'to decode video without node-av';
/** What an @ffmpeg-installer/ffmpeg build must decode to be used (the chain goes on to PATH otherwise). */
const REQUIRED_DECODERS = ['h264', 'hevc', 'vp9'];

interface Ffmpeg {
  path: string;
  version: string;
  source: string;
  passthrough: readonly string[];
}

function ffmpeg(): Ffmpeg {
  const found = resolveFfmpeg({ requiredDecoders: REQUIRED_DECODERS, purpose: PURPOSE });
  return { ...found, passthrough: ffmpegOptionSpellings(found.path).passthrough };
}

function info(): VideoBackend {
  const { path, version, source } = ffmpeg();
  return { name: 'ffmpeg', version, ffmpegVersion: version, description: `ffmpeg ${version} process (${path}, from ${source})` };
}

const stderrOf = (failure: FfmpegFailure): string => (failure.stderr.length === 0 ? '' : `\nffmpeg said:\n${failure.stderr.replace(/^/gm, '  ')}`);

// ── write side ─────────────────────────────────────────────────────────────────────────────────

const NO_TIMESTAMP = '-9223372036854775808';
const FLAG_KEY = 0x1;
const FLAG_CORRUPT = 0x2;
const FLAG_DISPOSABLE = 0x10;
const PACKET_LINE = /^(\d+),\s*(-?\d+),\s*(-?\d+),\s*(-?\d+),\s*(\d+),\s*0x[0-9a-fA-F]+(?:,\s*F=0x([0-9a-fA-F]+))?/;

/** demuxVideo() with the ffmpeg binary only (no ffprobe): the same packets, timestamps and flags as node-av's. */
function demuxVideo(path: string, range: { startSeconds?: number; endSeconds?: number } = {}): DemuxedVideo {
  const { path: binary } = ffmpeg();
  const copy = ['-map', '0:v:0', '-c', 'copy', '-copyinkf'];
  const run = runFfmpegSync(['-copyts', '-i', path, ...copy, '-f', 'framecrc', 'pipe:1', ...copy, '-bsf:v', 'dump_extra', '-f', 'data', 'pipe:3'], {
    ffmpegPath: binary,
    input: path,
    action: 'list the video packets',
    logLevel: 'info',
    extraPipes: 1,
    createError: (failure) => {
      if (/matches no streams/.test(failure.stderr)) {
        const streams = [...(failure.log ?? '').matchAll(/^\s*Stream #0:\d+\S*: (\w+):/gm)].map((match) => match[1]!.toLowerCase());
        return new VideoInputError(`it has no video stream (streams: ${streams.length === 0 ? 'none' : streams.join(', ')})`, { input: path });
      }
      return new VideoInputError(`ffmpeg cannot read it (${failure.message})${stderrOf(failure)}`, { input: path, cause: failure.cause });
    },
  });
  const list = run.stdout.toString('latin1').split('\n');
  const header = (name: string): string | undefined => list.find((line) => line.startsWith(`#${name} 0:`))?.slice(name.length + 4).trim();
  const codecName = header('codec_id') ?? 'unknown';
  const codec = CODECS.find((candidate) => candidate.name === codecName);
  if (codec === undefined) throw new VideoInputError(`its ${codecName} stream cannot be stored by the ffmpeg backend (it stores ${CODEC_NAMES}); install node-av for other codecs`, { input: path });
  const timeBase = /^(\d+)\/(\d+)$/.exec(header('tb') ?? '');
  const dimensions = /^(\d+)x(\d+)$/.exec(header('dimensions') ?? '');
  if (timeBase === null || dimensions === null) throw new VideoInputError(`ffmpeg's packet list has no time base or size (${JSON.stringify(header('tb'))}, ${JSON.stringify(header('dimensions'))})`, { input: path });
  const sar = /^(\d+)\/(\d+)$/.exec(header('sar') ?? '') ?? ['', '0', '1'];
  const extradataBytes = Number(/^(\d+),/.exec(header('extradata') ?? '')?.[1] ?? 0);

  const bytes = run.pipes[0]!;
  const packets: DemuxedPacket[] = [];
  let at = 0;
  let extradata = new Uint8Array(0);
  for (const line of list) {
    const match = PACKET_LINE.exec(line);
    if (match === null) continue;
    const flags = match[6] === undefined ? FLAG_KEY : Number.parseInt(match[6], 16);
    if ((flags & FLAG_CORRUPT) !== 0) throw new VideoInputError(`packet ${packets.length} of its ${codecName} stream is corrupt or cut off: the file is truncated or damaged`, { input: path });
    const key = (flags & FLAG_KEY) !== 0;
    const size = Number(match[5]);
    if (key && extradataBytes > 0) {
      // dump_extra put the extradata before this keyframe's bytes.
      if (extradata.length === 0) extradata = bytes.subarray(at, at + extradataBytes).slice();
      at += extradataBytes;
    }
    if (at + size > bytes.length) throw new VideoInputError(`ffmpeg gave ${bytes.length} packet bytes, fewer than its packet list says (packet ${packets.length} ends at ${at + size})`, { input: path });
    const data = bytes.subarray(at, at + size).slice();
    at += size;
    const timestamp = (text: string): number => (text === NO_TIMESTAMP ? Number.NaN : Number(text));
    const dts = timestamp(match[2]!);
    const pts = match[3] === NO_TIMESTAMP ? dts : timestamp(match[3]!);
    packets.push({ data, pts, dts, duration: Number(match[4]), key, disposable: !key && (flags & FLAG_DISPOSABLE) !== 0 });
  }
  if (packets.length === 0) throw new VideoInputError(`its ${codecName} stream has no packets`, { input: path });
  if (at !== bytes.length) throw new VideoInputError(`ffmpeg gave ${bytes.length} packet bytes, its packet list ${at}`, { input: path });
  // avcC extradata (version 1) gives the NAL length size; without it the stream is Annex B.
  if (codecName === 'h264') {
    const nalLengthSize = extradata.length > 4 && extradata[0] === 1 ? (extradata[4]! & 3) + 1 : 0;
    for (const packet of packets) if (!packet.key && !packet.disposable) packet.disposable = h264Disposable(packet.data, nalLengthSize);
  } else if (codecName === 'hevc' && extradata.length >= 23 && extradata[0] === 1) {
    // Old ffmpeg builds do not pass the container's "not depended on" flag: read the NAL unit types.
    const nalLengthSize = (extradata[21]! & 3) + 1;
    let highest = 0;
    for (const packet of packets) highest = Math.max(highest, hevcTemporalId(packet.data, nalLengthSize));
    for (const packet of packets) if (!packet.key && !packet.disposable) packet.disposable = hevcDisposable(packet.data, nalLengthSize, highest);
  }
  fillTimestamps(packets, path);
  const width = Number(dimensions[1]);
  const height = Number(dimensions[2]);
  const params: VideoCodecParameters = {
    codecId: codec.codecId,
    codecName,
    width,
    height,
    // Unknown here (no ffprobe): the decoders read them from the bitstream.
    pixelFormat: -1,
    profile: -99,
    level: -99,
    colorRange: 0,
    colorSpace: 2,
    colorPrimaries: 2,
    colorTrc: 2,
    chromaLocation: 0,
    bitsPerRawSample: 0,
    videoDelay: 0,
    sampleAspectNum: Number(sar[1]),
    sampleAspectDen: Number(sar[2]) || 1,
    extradata,
  };
  const dump = streamDump(run.stderr);
  const tb: [number, number] = [Number(timeBase[1]), Number(timeBase[2])];
  return { params, timeBase: tb, averageFrameRate: averageRate(packets, tb), rotation: dump.rotation, container: dump.container, packets: selectRange(packets, tb, range, path) };
}

/** Calls `visit(type, temporalId)` for each NAL unit of a length-prefixed H.265 packet; false when the lengths do not fit. */
function hevcUnits(data: Uint8Array, nalLengthSize: number, visit: (type: number, temporalId: number) => void): boolean {
  let at = 0;
  while (at + nalLengthSize < data.length) {
    let length = 0;
    for (let index = 0; index < nalLengthSize; index++) length = length * 256 + data[at + index]!;
    at += nalLengthSize;
    if (length < 2 || at + length > data.length) return false;
    visit((data[at]! >> 1) & 0x3f, (data[at + 1]! & 7) - 1);
    at += length;
  }
  return at === data.length;
}

/** The highest temporal sub-layer id of a packet's slices (0 when it has none or is malformed). */
function hevcTemporalId(data: Uint8Array, nalLengthSize: number): number {
  let highest = 0;
  hevcUnits(data, nalLengthSize, (type, temporalId) => {
    if (type < 32) highest = Math.max(highest, temporalId);
  });
  return highest;
}

/**
 * True when every slice of an H.265 packet is a sub-layer non-reference picture (TRAIL_N, TSA_N,
 * STSA_N, RADL_N, RASL_N, RSV_VCL_N10/12/14: even types below 16) of the highest sub-layer the
 * stream has, so no picture references it. Anything unexpected answers false.
 */
function hevcDisposable(data: Uint8Array, nalLengthSize: number, highestTemporalId: number): boolean {
  let slices = 0;
  let referenced = false;
  const wellFormed = hevcUnits(data, nalLengthSize, (type, temporalId) => {
    if (type >= 32) return;
    slices++;
    if (type >= 16 || type % 2 === 1 || temporalId !== highestTemporalId) referenced = true;
  });
  return wellFormed && slices > 0 && !referenced;
}

/** The container name and the first video stream's rotation, from ffmpeg's input dump. */
function streamDump(stderr: string): { container: string; rotation: number } {
  const lines = stderr.split('\n');
  const container = lines.map((line) => /^Input #0, (.+?), from '/.exec(line)?.[1]).find((name) => name !== undefined) ?? 'unknown';
  let inVideo = false;
  for (const line of lines) {
    if (/^\s*Stream #0:\d+/.test(line)) {
      if (inVideo) break;
      inVideo = /: Video: /.test(line);
      continue;
    }
    if (/^(Output|Stream mapping)/.test(line)) break;
    const rotation = inVideo ? /displaymatrix: rotation of (-?[\d.]+) degrees/.exec(line) : null;
    if (rotation !== null) return { container, rotation: Math.round(Number(rotation[1]) * 100) / 100 + 0 };
  }
  return { container, rotation: 0 };
}

/** Frames per second over the whole stream (frames / (last end − first pts), exact), reduced; 0/1 when it has no duration. */
function averageRate(packets: readonly DemuxedPacket[], timeBase: [number, number]): [number, number] {
  let first = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const packet of packets) {
    first = Math.min(first, packet.pts);
    end = Math.max(end, packet.pts + packet.duration);
  }
  const num = packets.length * timeBase[1];
  const den = (end - first) * timeBase[0];
  if (!(den > 0) || !Number.isSafeInteger(num) || !Number.isSafeInteger(den)) return [0, 1];
  let [a, b] = [num, den];
  while (b !== 0) [a, b] = [b, a % b];
  return [num / a, den / a];
}

// ── read side ──────────────────────────────────────────────────────────────────────────────────

/** Start code + parameter sets of avcC / hvcC extradata, and the NAL length size of the packets (0: already Annex B). */
export function annexBParameters(codec: Pick<ProcessCodec, 'name'>, extradata: Uint8Array, where: string): { prefix: Uint8Array; nalLengthSize: number } {
  if (extradata.length === 0 || extradata[0] !== 1) return { prefix: extradata, nalLengthSize: 0 };
  const cutOff = (): never => {
    throw new VideoFormatError(`${where}: the stored ${codec.name} extradata (${extradata.length} bytes) is cut off; the file is corrupt: re-create the dataset`);
  };
  const units: Uint8Array[] = [];
  let at: number;
  const readUnits = (count: number): void => {
    for (let index = 0; index < count; index++) {
      if (at + 2 > extradata.length) cutOff();
      const length = (extradata[at]! << 8) | extradata[at + 1]!;
      at += 2;
      if (at + length > extradata.length) cutOff();
      units.push(extradata.subarray(at, at + length));
      at += length;
    }
  };
  let nalLengthSize: number;
  if (codec.name === 'h264') {
    if (extradata.length < 7) cutOff();
    nalLengthSize = (extradata[4]! & 3) + 1;
    at = 6;
    readUnits(extradata[5]! & 0x1f);
    if (at >= extradata.length) cutOff();
    readUnits(extradata[at++]!);
  } else {
    if (extradata.length < 23) cutOff();
    nalLengthSize = (extradata[21]! & 3) + 1;
    const arrays = extradata[22]!;
    at = 23;
    for (let array = 0; array < arrays; array++) {
      if (at + 3 > extradata.length) cutOff();
      const count = (extradata[at + 1]! << 8) | extradata[at + 2]!;
      at += 3;
      readUnits(count);
    }
  }
  let total = 0;
  for (const unit of units) total += 4 + unit.length;
  const prefix = new Uint8Array(total);
  let offset = 0;
  for (const unit of units) {
    prefix[offset + 3] = 1;
    prefix.set(unit, offset + 4);
    offset += 4 + unit.length;
  }
  return { prefix, nalLengthSize };
}

function createProcessPictureDecoder(params: VideoCodecParameters, where: string): PictureDecoder {
  const codec = CODECS.find((candidate) => candidate.codecId === params.codecId);
  if (codec === undefined) throw new VideoFormatError(`${where}: codec id ${params.codecId} is not one the ffmpeg process backend decodes (${CODEC_NAMES}); install node-av`);
  const binary = ffmpeg();
  const decoders = listDecoders(binary.path);
  if (!codec.decoders.some((name) => decoders.includes(name))) {
    throw new VideoBackendError([{ backend: 'ffmpeg process', reason: `${binary.path} (${binary.version}) has no ${codec.name} decoder (looked for ${codec.decoders.join(', ')}); point TESSERA_FFMPEG at a build that has one, or install node-av` }]);
  }
  const { prefix, nalLengthSize } = codec.format === 'ivf' ? { prefix: new Uint8Array(0), nalLengthSize: 0 } : annexBParameters(codec, params.extradata, where);
  const { width, height } = params;

  // Packets of the current run: views into the dataset (valid while it is open, used before decode() returns).
  let fed: Uint8Array[] = [];
  let fedPts = new Float64Array(64);
  let fedCount = 0;
  let sortedPts = new Float64Array(64);
  let input = new Uint8Array(1 << 16);
  let inputLength = 0;
  let pictureCount = 0;
  let current = -1;
  /** The run's pictures per crop and output size ('' = native size), decoded when first asked for. */
  const decoded = new Map<string, Buffer>();

  const label = (): string => (decoder.sampleIndex === undefined ? where : `${where}, sample ${decoder.sampleIndex}`);
  const reserve = (bytes: number): void => {
    if (input.length >= bytes) return;
    const grown = new Uint8Array(Math.max(bytes, input.length * 2));
    grown.set(input);
    input = grown;
  };

  /** The fed packets as the stream ffmpeg reads on stdin; returns its length. */
  const buildInput = (): number => {
    let bytes = 0;
    for (let index = 0; index < fedCount; index++) bytes += fed[index]!.length;
    if (codec.format === 'ivf') {
      reserve(32 + 12 * fedCount + bytes);
      const view = new DataView(input.buffer, input.byteOffset, input.length);
      for (let index = 0; index < 4; index++) input[index] = 'DKIF'.charCodeAt(index);
      view.setUint16(4, 0, true);
      view.setUint16(6, 32, true);
      for (let index = 0; index < 4; index++) input[8 + index] = codec.fourcc!.charCodeAt(index);
      view.setUint16(12, width, true);
      view.setUint16(14, height, true);
      view.setUint32(16, 1000, true);
      view.setUint32(20, 1, true);
      view.setUint32(24, fedCount, true);
      view.setUint32(28, 0, true);
      let at = 32;
      for (let index = 0; index < fedCount; index++) {
        const data = fed[index]!;
        view.setUint32(at, data.length, true);
        view.setUint32(at + 4, index, true);
        view.setUint32(at + 8, 0, true);
        input.set(data, at + 12);
        at += 12 + data.length;
      }
      return at;
    }
    // Annex B: a 4-byte start code replaces each length prefix (up to 3 more bytes per NAL unit when the prefix is shorter).
    reserve(prefix.length + bytes * (nalLengthSize > 0 && nalLengthSize < 4 ? 5 : 1) + 8);
    input.set(prefix, 0);
    let at = prefix.length;
    for (let index = 0; index < fedCount; index++) {
      const data = fed[index]!;
      if (nalLengthSize === 0) {
        input.set(data, at);
        at += data.length;
        continue;
      }
      let read = 0;
      while (read < data.length) {
        if (read + nalLengthSize > data.length) throw corruptPacket(index, `${data.length - read} stray bytes after its last NAL unit`);
        let length = 0;
        for (let byte = 0; byte < nalLengthSize; byte++) length = length * 256 + data[read + byte]!;
        read += nalLengthSize;
        if (length === 0 || read + length > data.length) throw corruptPacket(index, `a NAL unit of ${length} bytes at byte ${read} of its ${data.length}`);
        input[at] = 0;
        input[at + 1] = 0;
        input[at + 2] = 0;
        input[at + 3] = 1;
        input.set(data.subarray(read, read + length), at + 4);
        at += 4 + length;
        read += length;
      }
    }
    return at;
  };

  const corruptPacket = (index: number, problem: string): VideoFormatError =>
    new VideoFormatError(`${label()}: the ${codec.name} packet at pts ${fedPts[index]} is corrupt (${problem}); the file is corrupt: re-create the dataset`);

  /**
   * Decodes the run's packets into rgb24 pictures of `outWidth × outHeight`: at native size, or
   * through ffmpeg's crop and scale filters (swscale bilinear, as node-av's convert uses).
   */
  const decodeRun = (crop: PictureCrop | undefined, outWidth: number, outHeight: number): Buffer => {
    // A corner on odd coordinates cannot be cut from 4:2:0 chroma planes: as node-av does, the
    // picture goes to RGB first and the crop is cut and scaled there.
    const viaRgb = crop !== undefined && ((crop.x & 1) !== 0 || (crop.y & 1) !== 0);
    const filter = crop === undefined ? [] : ['-vf', `${viaRgb ? 'format=rgb24,' : ''}crop=${crop.width}:${crop.height}:${crop.x}:${crop.y}:exact=1,scale=${outWidth}:${outHeight}:flags=bilinear`];
    const frameBytes = outWidth * outHeight * 3;
    const args = ['-threads', '1', '-f', codec.format, '-i', 'pipe:0', '-map', '0:v:0', ...binary.passthrough, '-xerror', ...filter, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'];
    const run = runFfmpegSync(args, {
      ffmpegPath: binary.path,
      stdin: input.subarray(0, inputLength),
      input: label(),
      action: `decode ${fedCount} ${codec.name} packets`,
      maxOutputBytes: (fedCount + 1) * frameBytes,
      createError: (failure) => new VideoFormatError(`${failure.input}: the stored ${codec.name} packets from pts ${fedPts[0]} do not decode: ${failure.message}; the stream is corrupt${stderrOf(failure)}`, { cause: failure.cause }),
    });
    const pictures = run.stdout;
    const count = pictures.length / frameBytes;
    if (count !== fedCount) {
      throw new VideoFormatError(
        `${label()}: ffmpeg decoded ${Number.isInteger(count) ? count : `${pictures.length} bytes, not a whole number of`} ${outWidth}×${outHeight} pictures from the ${fedCount} ${codec.name} packets fed (from pts ${fedPts[0]}); the stream is corrupt`,
      );
    }
    return pictures;
  };

  const decoder: PictureDecoder = {
    decodesOnDrain: true,
    sampleIndex: undefined,
    get pts() {
      return sortedPts[current]!;
    },
    codecName: codec.name,
    send(data, pts) {
      if (data === undefined) {
        // The packets are checked and laid out now; ffmpeg runs when a picture is first converted
        // (then the crop and output size are known). The k-th picture is the k-th fed packet by pts.
        if (fedCount === 0) return;
        inputLength = buildInput();
        if (sortedPts.length < fedCount) sortedPts = new Float64Array(fedPts.length);
        sortedPts.set(fedPts.subarray(0, fedCount));
        sortedPts.subarray(0, fedCount).sort();
        pictureCount = fedCount;
        current = -1;
        return;
      }
      if (fedCount === fedPts.length) {
        const grown = new Float64Array(fedPts.length * 2);
        grown.set(fedPts);
        fedPts = grown;
      }
      fed[fedCount] = data;
      fedPts[fedCount++] = pts;
    },
    receive() {
      if (current + 1 >= pictureCount) return false;
      current++;
      return true;
    },
    convert(crop: PictureCrop, outWidth: number, outHeight: number, out: Uint8Array, offset: number) {
      if (current < 0 || current >= pictureCount) throw new VideoFormatError(`${label()}: no decoded picture to convert`);
      const native = crop.x === 0 && crop.y === 0 && crop.width === width && crop.height === height && outWidth === width && outHeight === height;
      const key = native ? '' : `${crop.x},${crop.y},${crop.width},${crop.height}>${outWidth}x${outHeight}`;
      let pictures = decoded.get(key);
      if (pictures === undefined) {
        pictures = decodeRun(native ? undefined : crop, outWidth, outHeight);
        decoded.set(key, pictures);
      }
      const frameBytes = outWidth * outHeight * 3;
      out.set(pictures.subarray(current * frameBytes, (current + 1) * frameBytes), offset);
    },
    reset() {
      fedCount = 0;
      pictureCount = 0;
      current = -1;
      decoded.clear();
    },
    close() {
      fed = [];
      decoded.clear();
    },
  };
  return decoder;
}

export const ffmpegProcessBackend: VideoBackendImplementation = { info, demuxVideo, createPictureDecoder: createProcessPictureDecoder };
