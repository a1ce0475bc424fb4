import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { ArgumentError, type FieldSpec, int64, json, openDataset, writeDataset } from '@tessera/core';
import { checkKnownOptions, loadAhead, manifestLabels } from '@tessera/core/internals';
import { VideoInputError } from '../video-errors.js';
import { videoPlugin } from '../video-plugin.js';
import { type VideoProbe, probeVideo } from './probe-video.js';
import { type RepresentationOptions, VIDEO_FIELD_KINDS, type VideoFieldKind, videoRepresentation } from './video-representation.js';
import type { VideoFolderListing } from './video-folder.js';
import type { VideoManifest } from './video-manifest.js';

/** One video to write: from listVideoFolder, readVideoManifest, or made by the caller. */
export interface VideoEntry {
  /** The video file (relative paths resolve against `cwd`). */
  path: string;
  /** The manifest line it came from, named in errors. */
  line?: number;
  /** Seconds: the range [start, end) kept. */
  start?: number;
  end?: number;
  /** An integer, or a class name (names are sorted and numbered). */
  label?: number | string;
  caption?: string;
  /** `field: 'flow'`: a .npy file, float32 [N − 1, H, W, 2], N the frames of the (range of the) video. */
  flow?: string;
}

/** What buildVideoDataset reads: a folder listing, a manifest, or entries. */
export type VideoSource = VideoFolderListing | VideoManifest | readonly VideoEntry[];

export interface BuildVideoDatasetOptions extends RepresentationOptions {
  /** The representation stored. Default 'compressed'. */
  field?: VideoFieldKind;
  /** Field names. Defaults 'video', 'label', 'caption' ('flow' for the flow field). */
  videoField?: string;
  labelField?: string;
  captionField?: string;
  flowField?: string;
  /** Writer threads that encode. Default: cores, at most 4 (0: the main thread). */
  workers?: number;
  /** Leave out unreadable videos (listed in the summary with their error) instead of failing. Default false. */
  skipInvalid?: boolean;
  /** Page size of the output (see WriteOptions). Default 'auto'. */
  pageSize?: number | 'auto';
  /** Relative paths resolve against it. Default process.cwd(). */
  cwd?: string;
  onProgress?: (progress: BuildVideoProgress) => void;
  signal?: AbortSignal;
}

export interface BuildVideoProgress {
  phase: 'writing';
  /** Videos read and checked so far, skipped ones included. */
  loaded: number;
  skipped: number;
  samplesWritten: number;
  /** The videos listed; the final count is this minus the skipped ones. */
  totalSamples: number;
  /** Seconds of video checked so far. */
  videoSeconds: number;
}

export interface SkippedVideo {
  path: string;
  /** The manifest line, for manifests. */
  line?: number;
  code: string;
  error: string;
}

/** The stored size of one video field of the output. */
export interface VideoFieldStorage {
  field: string;
  /** 'compressed', 'frames' or 'flow'. */
  kind: VideoFieldKind;
  /** The field's payload bytes, all samples (stream, frames or flow with their index; no page padding). */
  byteLength: number;
  /** byteLength / videoSeconds: what one second of video costs in this representation. */
  bytesPerSecond: number;
}

export interface BuildVideoSummary {
  output: string;
  source: 'folder' | 'manifest' | 'entries';
  /** The folder or manifest, absolute; undefined for entries. */
  input: string | undefined;
  field: VideoFieldKind;
  fieldName: string;
  /** Class names; a label is an index here. Undefined when labels are integers or absent. */
  classes: string[] | undefined;
  /** The fields written, in order. */
  fields: string[];
  /** Videos listed. */
  listed: number;
  numSamples: number;
  skipped: SkippedVideo[];
  /** Folders: files that are not videos, left out. */
  ignoredFiles: number;
  /** Source frames of the videos written (of their kept ranges, from the keyframe at or before `start`). */
  frames: number;
  /**
   * Seconds of source video written: first frame to the end of the last of each kept range (what
   * the `info` decoder reports for a stream stored as it is; a representation resampled with `fps`
   * covers the same span).
   */
  videoSeconds: number;
  /** The representation's stored bytes and bytes per second of video (the main field first, then the video beside flow). */
  storage: VideoFieldStorage[];
  /** storage[0].bytesPerSecond: stored bytes per second of video of the representation. */
  bytesPerSecond: number;
  fileByteLength: number;
  elapsedMs: number;
}

const OPTION_NAMES = ['field', 'fps', 'maxSide', 'codec', 'gop', 'crf', 'quality', 'videoField', 'labelField', 'captionField', 'flowField', 'workers', 'skipInvalid', 'pageSize', 'cwd', 'onProgress', 'signal'];

/** Samples per writer chunk: videos are large, so fewer are held in flight than the writer's default 64. */
const CHUNK_SIZE = 8;

/**
 * Builds a video dataset: the representation `field` ('compressed': the stream as stored, or
 * re-encoded with `codec` and `gop`, `crf`, `maxSide`, `fps`; 'frames': one JPEG per frame;
 * 'flow': precomputed optical flow from each entry's .npy file, written beside the compressed
 * video), plus `label` (int64) and `caption` (JSON string) when the entries have them. Each video
 * is opened and demuxed on this thread before it reaches the writer (the writer's workers encode),
 * so an unreadable file is known first: a VideoInputError naming the file and manifest line, or
 * with `skipInvalid` a line of the summary. A missing backend (E_VIDEO_BACKEND) is never skipped.
 * Unknown option names are E_ARGUMENT naming the nearest one. The output is written atomically.
 */
export async function buildVideoDataset(source: VideoSource, output: string, options: BuildVideoDatasetOptions = {}): Promise<BuildVideoSummary> {
  const started = performance.now();
  if (options === null || typeof options !== 'object') throw new ArgumentError('options', 'buildVideoDataset(source, output, { field, ... }) takes an options object');
  if (typeof output !== 'string' || output.length === 0) throw new ArgumentError('output', 'must be the path of the .beton file to write');
  checkKnownOptions('buildVideoDataset', options, OPTION_NAMES);
  const kind = options.field ?? 'compressed';
  if (!VIDEO_FIELD_KINDS.includes(kind)) throw new ArgumentError('field', `must be one of ${VIDEO_FIELD_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  const cwd = options.cwd ?? process.cwd();
  const workers = options.workers ?? Math.min(4, availableParallelism());
  if (!Number.isInteger(workers) || workers < 0) throw new ArgumentError('workers', `must be a non-negative integer, got ${String(workers)}`);
  const representation = videoRepresentation(kind, options);
  const input = entriesOf(source, cwd);
  const { entries } = input;
  if (kind === 'flow') {
    const missing = entries.find((entry) => entry.flow === undefined);
    if (missing !== undefined) throw new ArgumentError('flow', `${where(missing)} has no "flow" (a .npy file of float32 [N − 1, H, W, 2]); field 'flow' needs one per video`);
  }

  const names = {
    video: options.videoField ?? 'video',
    flow: options.flowField ?? 'flow',
    label: options.labelField ?? 'label',
    caption: options.captionField ?? 'caption',
  };
  const schema: Record<string, FieldSpec> = {};
  // The flow field sits beside the compressed video it was computed from (clips and crops drawn for both with randomFrom).
  if (kind === 'flow') {
    schema[names.video] = representation.companion!;
    schema[names.flow] = representation.spec;
  } else schema[names.video] = representation.spec;
  if (input.labels !== undefined) schema[names.label] = int64();
  if (input.hasCaption) schema[names.caption] = json();
  const fields = Object.keys(schema);
  const wanted = [...(kind === 'flow' ? [names.video, names.flow] : [names.video]), ...(input.labels === undefined ? [] : [names.label]), ...(input.hasCaption ? [names.caption] : [])];
  if (fields.length !== wanted.length) throw new ArgumentError('options', `field names must differ, got ${wanted.join(', ')}`);
  const mainField = kind === 'flow' ? names.flow : names.video;

  const skipped: SkippedVideo[] = [];
  const state = { loaded: 0, samplesWritten: 0, videoSeconds: 0, frames: 0 };
  const report = () =>
    options.onProgress?.({ phase: 'writing', loaded: state.loaded, skipped: skipped.length, samplesWritten: state.samplesWritten, totalSamples: entries.length, videoSeconds: state.videoSeconds });

  const load = async (entry: VideoEntry): Promise<{ probe: VideoProbe; value: unknown }> => {
    const probe = probeVideo(entry.path, entry.start, entry.end);
    return { probe, value: await representation.valueOf(entry, probe) };
  };

  async function* samples(): AsyncGenerator<Record<string, unknown>> {
    for await (const outcome of loadAhead(entries, 2, load)) {
      state.loaded++;
      const entry = outcome.item;
      if (outcome.error !== undefined) {
        const error = withLine(outcome.error, entry);
        if (!options.skipInvalid || !(error instanceof VideoInputError)) throw error;
        skipped.push({ path: entry.path, ...(entry.line === undefined ? {} : { line: entry.line }), code: error.code, error: error.message });
        report();
        continue;
      }
      const { probe, value } = outcome.value!;
      state.videoSeconds += probe.seconds;
      state.frames += probe.frames;
      const sample: Record<string, unknown> = {};
      const video = entry.start === undefined && entry.end === undefined ? entry.path : { path: entry.path, start: entry.start, end: entry.end };
      if (kind === 'flow') {
        sample[names.video] = video;
        sample[names.flow] = value;
      } else sample[names.video] = value;
      if (input.labels !== undefined) sample[names.label] = input.labels[outcome.index]!;
      if (input.hasCaption) sample[names.caption] = entry.caption ?? null;
      report();
      yield sample;
    }
  }

  report();
  const summary = await writeDataset(resolve(cwd, output), schema, samples(), {
    workers,
    chunkSize: CHUNK_SIZE,
    pageSize: options.pageSize,
    signal: options.signal,
    info: { source: input.kind === 'folder' ? 'video-folder' : input.kind === 'manifest' ? 'video-manifest' : 'video-entries', ...(input.classes === undefined ? {} : { classes: input.classes }), field: kind },
    onProgress: (progress) => {
      state.samplesWritten = progress.samplesWritten;
      report();
    },
  });
  const storedFields: Array<[string, VideoFieldKind]> = kind === 'flow' ? [[names.flow, 'flow'], [names.video, 'compressed']] : [[names.video, kind]];
  const storage = storedByteLengths(summary.path, storedFields, state.videoSeconds);
  return {
    output: summary.path,
    source: input.kind,
    input: input.input,
    field: kind,
    fieldName: mainField,
    classes: input.classes,
    fields,
    listed: entries.length,
    numSamples: summary.numSamples,
    skipped,
    ignoredFiles: input.ignoredFiles,
    frames: state.frames,
    videoSeconds: state.videoSeconds,
    storage,
    bytesPerSecond: storage[0]!.bytesPerSecond,
    fileByteLength: summary.fileByteLength,
    elapsedMs: performance.now() - started,
  };
}

interface Entries {
  kind: 'folder' | 'manifest' | 'entries';
  input: string | undefined;
  entries: VideoEntry[];
  labels: number[] | undefined;
  classes: string[] | undefined;
  hasCaption: boolean;
  ignoredFiles: number;
}

function entriesOf(source: VideoSource, cwd: string): Entries {
  const absolute = (entry: VideoEntry): VideoEntry => ({ ...entry, path: resolve(cwd, entry.path), ...(entry.flow === undefined ? {} : { flow: resolve(cwd, entry.flow) }) });
  if (Array.isArray(source)) {
    const entries = (source as readonly VideoEntry[]).map((entry, index) => {
      if (entry === null || typeof entry !== 'object' || typeof entry.path !== 'string' || entry.path.length === 0) {
        throw new ArgumentError('entries', `entry ${index} must be { path, start?, end?, label?, caption?, flow? }, got ${JSON.stringify(entry)}`);
      }
      return absolute(entry);
    });
    const { labels, classes } = manifestLabels(
      entries.map((entry, index) => ({ line: entry.line ?? index, label: entry.label })),
      'entries',
    );
    return { kind: 'entries', input: undefined, entries, labels, classes, hasCaption: entries.some((entry) => entry.caption !== undefined), ignoredFiles: 0 };
  }
  if (source !== null && typeof source === 'object' && 'classes' in source && Array.isArray(source.classes)) {
    const listing = source as VideoFolderListing;
    const entries = listing.entries.map((entry) => absolute({ path: entry.path, label: entry.label }));
    return { kind: 'folder', input: listing.folder, entries, labels: listing.entries.map((entry) => entry.label), classes: listing.classes, hasCaption: false, ignoredFiles: listing.ignoredFiles };
  }
  if (source !== null && typeof source === 'object' && 'format' in source && Array.isArray(source.entries)) {
    const manifest = source as VideoManifest;
    const entries = manifest.entries.map(absolute);
    const { labels, classes } = manifestLabels(manifest.entries, manifest.path);
    return { kind: 'manifest', input: manifest.path, entries, labels, classes, hasCaption: entries.some((entry) => entry.caption !== undefined), ignoredFiles: 0 };
  }
  throw new ArgumentError('source', 'must be listVideoFolder(dir), readVideoManifest(file) or an array of { path, ... } entries');
}

/** Each stored video field's payload bytes (u32 at byte 8 of its metadata: compressed, frames and flow alike). */
function storedByteLengths(path: string, fields: ReadonlyArray<[string, VideoFieldKind]>, seconds: number): VideoFieldStorage[] {
  const dataset = openDataset(path, { plugins: [videoPlugin()] });
  try {
    return fields.map(([name, kind]) => {
      const field = dataset.field(name);
      let byteLength = 0;
      for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) byteLength += field.metadata.getUint32(field.recordOffset(sampleIndex) + 8, true);
      return { field: name, kind, byteLength, bytesPerSecond: seconds > 0 ? byteLength / seconds : 0 };
    });
  } finally {
    dataset.close();
  }
}

const where = (entry: VideoEntry): string => (entry.line === undefined ? entry.path : `${entry.path} (line ${entry.line})`);

/** An input error of a manifest row names its line: "clip.mp4 (manifest line 3): …". */
function withLine(error: unknown, entry: VideoEntry): unknown {
  if (!(error instanceof VideoInputError) || entry.line === undefined) return error;
  const input = `${error.input} (manifest line ${entry.line})`;
  const prefix = `${error.input}: `;
  return new VideoInputError(error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message, { input, cause: error });
}
