/**
 * The loader's `window` option: one time window per sample, drawn once and shared by every field
 * of the sample (video frames, audio samples, spans and tokens are then all cut by the same
 * interval). The window is a pure function of (seed, epoch, sample, occurrence) and the sample's
 * timeline, so the calling thread and every decode worker compute the same one on their own.
 */
import { ArgumentError, TesseraError } from '../errors.js';
import type { Dataset } from '../reader/open-dataset.js';
import type { SampleWindow, StreamSpan } from '../registry/plugin-contract.js';
import { checkKnownOptions } from '../util/check-options.js';
import { type ReseedableRandomSource, createSampleRandom } from './orders/random.js';

export type WindowSampler = 'random' | 'regular' | 'centered';

export interface WindowOptions {
  /**
   * The field whose stream the windows are drawn over (its codec has a `timeline`, e.g. a video,
   * an audio or an alignments field). Every sample must have this stream: a sample without it is
   * E_MISSING_STREAM.
   */
  timeline: string;
  /** The window's duration in seconds (the same for every sample). */
  seconds: number;
  /**
   * 'random' (default): uniform start in [start, end − seconds] of the timeline stream;
   * 'regular': window k starts at start + k × strideSeconds, where k is the sample's occurrence
   *   (the loader's `repeat: n` gives windows 0 … n − 1 of every sample);
   * 'centered': centred on one of the `anchors` field's spans (a word, an event), chosen uniformly,
   *   then moved inside the timeline when it would stick out; a sample without spans gets a random window.
   */
  sampler?: WindowSampler;
  /** 'regular': seconds between window starts (default: `seconds`, windows back to back). */
  strideSeconds?: number;
  /** 'centered': the field whose spans windows are centred on (its codec has `anchors`); default `timeline`. */
  anchors?: string;
  /** The batch output holding each sample's window, float64 [startSeconds, durationSeconds]; default 'window'. */
  output?: string;
}

const WINDOW_OPTIONS = ['timeline', 'seconds', 'sampler', 'strideSeconds', 'anchors', 'output'] as const;
const WINDOW_HINTS: Record<string, string> = { field: 'timeline', duration: 'seconds', durationSeconds: 'seconds', stride: 'strideSeconds', anchor: 'anchors', name: 'output' };
const SAMPLERS: readonly WindowSampler[] = ['random', 'regular', 'centered'];
/** Salt of the window's random stream, apart from every field's (fields use multiples of 1024). */
export const WINDOW_STREAM_SALT = 0x7fff_fc00;

export interface ResolvedWindowOptions {
  timeline: string;
  seconds: number;
  sampler: WindowSampler;
  strideSeconds: number;
  anchors: string | undefined;
  output: string;
}

/** Checks the option against the file (fields exist, their codecs have the hooks the sampler needs). */
export function resolveWindowOptions(options: WindowOptions, dataset: Dataset): ResolvedWindowOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ArgumentError('window', `expected { timeline, seconds, sampler?, … }, got ${JSON.stringify(options)}`);
  }
  checkKnownOptions('window', options, WINDOW_OPTIONS, WINDOW_HINTS);
  const { timeline, seconds } = options;
  if (typeof timeline !== 'string') throw new ArgumentError('window.timeline', `must name the field the windows are drawn over, got ${JSON.stringify(timeline)}`);
  if (!dataset.hasTimeline(timeline)) {
    if (!dataset.hasField(timeline)) dataset.field(timeline);
    const timed = dataset.fields.filter((field) => dataset.hasTimeline(field.name)).map((field) => `"${field.name}"`);
    throw new ArgumentError('window.timeline', `field "${timeline}" has no time axis (its codec has no timeline); fields with one: ${timed.length === 0 ? 'none' : timed.join(', ')}`);
  }
  if (typeof seconds !== 'number' || !(seconds > 0) || !Number.isFinite(seconds)) throw new ArgumentError('window.seconds', `must be a positive number of seconds, got ${JSON.stringify(seconds)}`);
  const sampler = options.sampler ?? 'random';
  if (!SAMPLERS.includes(sampler)) {
    const hint = (sampler as string) === 'centred' ? " (spelled 'centered')" : '';
    throw new ArgumentError('window.sampler', `must be one of ${SAMPLERS.map((item) => `'${item}'`).join(', ')}, got ${JSON.stringify(sampler)}${hint}`);
  }
  const strideSeconds = options.strideSeconds ?? seconds;
  if (options.strideSeconds !== undefined && sampler !== 'regular') throw new ArgumentError('window.strideSeconds', "is given only with sampler 'regular'");
  if (typeof strideSeconds !== 'number' || !(strideSeconds > 0) || !Number.isFinite(strideSeconds)) {
    throw new ArgumentError('window.strideSeconds', `must be a positive number of seconds, got ${JSON.stringify(strideSeconds)}`);
  }
  let anchors: string | undefined;
  if (options.anchors !== undefined && sampler !== 'centered') throw new ArgumentError('window.anchors', "is given only with sampler 'centered'");
  if (sampler === 'centered') {
    anchors = options.anchors ?? timeline;
    if (typeof anchors !== 'string') throw new ArgumentError('window.anchors', `must name a field with spans, got ${JSON.stringify(anchors)}`);
    if (!dataset.hasAnchors(anchors)) {
      if (!dataset.hasField(anchors)) dataset.field(anchors);
      const spanned = dataset.fields.filter((field) => dataset.hasAnchors(field.name)).map((field) => `"${field.name}"`);
      throw new ArgumentError('window.anchors', `field "${anchors}" has no spans to centre windows on (its codec has no anchors); fields with spans: ${spanned.length === 0 ? 'none' : spanned.join(', ')}`);
    }
  }
  const output = options.output ?? 'window';
  if (typeof output !== 'string' || output.length === 0) throw new ArgumentError('window.output', `must be a non-empty name, got ${JSON.stringify(output)}`);
  return { timeline, seconds, sampler, strideSeconds, anchors, output };
}

/** A window per batch position, recomputed when the position gets another (sample, occurrence, epoch). */
export interface MutableSampleWindow extends SampleWindow {
  startSeconds: number;
  durationSeconds: number;
}

export interface WindowPlanner {
  readonly options: ResolvedWindowOptions;
  /** Sets `window` to the window of (sample, occurrence) in `epoch`. */
  plan(sampleIndex: number, occurrence: number, epoch: number, window: MutableSampleWindow): void;
}

export function createWindowPlanner(dataset: Dataset, options: ResolvedWindowOptions, seed: number): WindowPlanner {
  const span: StreamSpan = { startSeconds: 0, durationSeconds: 0 };
  const random: ReseedableRandomSource = createSampleRandom();
  let anchorScratch: Float64Array = new Float64Array(64);
  const { timeline, seconds, sampler, strideSeconds, anchors } = options;
  return {
    options,
    plan(sampleIndex, occurrence, epoch, window) {
      if (dataset.timeline(timeline, sampleIndex, span) === undefined) {
        throw new TesseraError(
          'E_MISSING_STREAM',
          `sample ${sampleIndex} has no stream in field "${timeline}", the timeline the loader's window option draws windows over; draw windows over a stream every sample has (window.timeline), or leave such samples out (indices)`,
        );
      }
      const start = span.startSeconds;
      const room = Math.max(0, span.durationSeconds - seconds);
      window.durationSeconds = seconds;
      if (sampler === 'regular') {
        window.startSeconds = start + occurrence * strideSeconds;
        return;
      }
      if (occurrence === 0) random.reseed(seed, epoch, sampleIndex, WINDOW_STREAM_SALT);
      else random.reseed(seed, epoch, sampleIndex, WINDOW_STREAM_SALT, occurrence);
      if (sampler === 'centered') {
        const pairs = dataset.anchors(anchors!, sampleIndex, anchorScratch);
        // A sample with more spans than the scratch holds got a new array: keep it for the next ones.
        if (pairs.buffer !== anchorScratch.buffer) anchorScratch = pairs;
        const count = pairs.length >> 1;
        if (count > 0) {
          const chosen = random.nextInt(count);
          const middle = (pairs[2 * chosen]! + pairs[2 * chosen + 1]!) / 2;
          window.startSeconds = Math.min(start + room, Math.max(start, middle - seconds / 2));
          return;
        }
      }
      window.startSeconds = start + random.nextFloat() * room;
    },
  };
}

/** The per-position state a context keeps for its window (see SampleRunContext). */
export interface WindowState {
  readonly planner: WindowPlanner;
  readonly window: MutableSampleWindow;
  /** (sample, occurrence, epoch) the window was planned for; sample −1: none yet */
  sampleIndex: number;
  occurrence: number;
  epoch: number;
}

export function createWindowState(planner: WindowPlanner): WindowState {
  return { planner, window: { startSeconds: 0, durationSeconds: 0 }, sampleIndex: -1, occurrence: 0, epoch: 0 };
}

/** Plans the window of (sample, occurrence, epoch) unless `state` already holds it (the fields of a batch share it). */
export function updateWindow(state: WindowState, sampleIndex: number, occurrence: number, epoch: number): SampleWindow {
  if (state.sampleIndex !== sampleIndex || state.occurrence !== occurrence || state.epoch !== epoch) {
    state.sampleIndex = -1;
    state.planner.plan(sampleIndex, occurrence, epoch, state.window);
    state.sampleIndex = sampleIndex;
    state.occurrence = occurrence;
    state.epoch = epoch;
  }
  return state.window;
}
