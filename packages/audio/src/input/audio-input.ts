/**
 * A value of an audio field: a file path, `{ path, start?, end? }` (a crop, in seconds), the bytes of
 * an audio file, or PCM (`samples`: mono, or planar channels, float32 in [-1, 1], at `sampleRate`).
 *
 * `startTime` places the audio on the sample's time axis (seconds; default 0), the axis a video,
 * alignments or timed text of the same sample share. A number is where the first loaded sample lies
 * (the crop's first sample when cropped). `'container'` (paths only) measures it: the time of the
 * audio stream's first presented sample in its container, as ffmpeg reports it with `-copyts` (the
 * first decoded frame's pts × time base). With `'container'` a crop's `start` and `end` are on the
 * container's axis too: `{ path, start: 2, end: 4, startTime: 'container' }` is container time
 * [2 s, 4 s) of the audio, and the loaded start is max(start, the stream's first sample).
 */
export type AudioInput =
  | string
  | { path: string; start?: number; end?: number; startTime?: number | 'container' }
  | Uint8Array
  | { samples: Float32Array | readonly Float32Array[]; sampleRate: number; startTime?: number };

/** Planar float32 PCM in [-1, 1]: `channels[c]` holds `length` samples. */
export interface Pcm {
  channels: Float32Array[];
  sampleRate: number;
  length: number;
  /** Where the first sample lies on the sample's time axis, in seconds; set when the input gave `startTime`. */
  startTime?: number;
}

/** What `loadAudio` converts to: the field's rate and channel count. */
export interface AudioTarget {
  sampleRate: number;
  channels: number;
  ffmpegPath?: string;
  /** PCM at another rate is resampled with ffmpeg (default true); false makes it E_AUDIO_SAMPLE_RATE. */
  resample?: boolean;
  /** ffmpeg runs are killed after this long. Default 60 000. */
  timeoutMs?: number;
}

/** File extensions read as audio by folder listings (lower case, without the dot). */
export const AUDIO_EXTENSIONS: readonly string[] = ['wav', 'wave', 'flac', 'mp3', 'ogg', 'opus', 'm4a', 'aac', 'webm', 'aiff', 'aif'];
