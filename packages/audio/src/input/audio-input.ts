/**
 * A value of an audio field: a file path, `{ path, start?, end? }` (a crop, in seconds), the bytes of
 * an audio file, or PCM (`samples`: mono, or planar channels, float32 in [-1, 1], at `sampleRate`).
 */
export type AudioInput =
  | string
  | { path: string; start?: number; end?: number }
  | Uint8Array
  | { samples: Float32Array | readonly Float32Array[]; sampleRate: number };

/** Planar float32 PCM in [-1, 1]: `channels[c]` holds `length` samples. */
export interface Pcm {
  channels: Float32Array[];
  sampleRate: number;
  length: number;
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
