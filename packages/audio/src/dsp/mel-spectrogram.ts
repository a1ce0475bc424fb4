import type { PadMode } from './frame-reader.js';
import { createMelFilterbank } from './mel-filterbank.js';
import { type LogMode, SpectrogramEngine } from './spectrogram-engine.js';
import { WINDOW_KINDS, type WindowKind, createWindow } from './windows.js';

export type { LogMode };

export type MelSpectrogramParams = {
  /** Hz. Default 16000. */
  sampleRate?: number;
  /** FFT size. Default 400. */
  nFft?: number;
  /** Window length ≤ nFft (centred in zeros when shorter). Default nFft. */
  winLength?: number;
  /** Samples between frames. Default floor(winLength / 2) (torchaudio). */
  hopLength?: number;
  /** Default 'hann' (periodic). */
  window?: WindowKind;
  /** Periodic window (torch's default). Default true. */
  periodicWindow?: boolean;
  /** Pad nFft / 2 on both sides so frame t is centred on sample t·hop. Default true. */
  center?: boolean;
  /** Padding of centred frames. Default 'reflect'. */
  padMode?: PadMode;
  /** 1 = magnitude, 2 = power. Default 2. */
  power?: 1 | 2;
  /** Default 128 (torchaudio's default). */
  nMels?: number;
  /** Hz. Default 0. */
  fMin?: number;
  /** Hz. Default sampleRate / 2. */
  fMax?: number;
  /** Default 'htk'. */
  melScale?: 'htk' | 'slaney';
  /** Default 'none'. */
  norm?: 'none' | 'slaney';
  /** 'log10' / 'ln': log(max(x, logFloor)); 'db': 10·log10 (20· for power 1) of max(x, logFloor). Default 'none'. */
  log?: LogMode;
  /** Default 1e-10. */
  logFloor?: number;
  /** Drop the last frame (Whisper's stft[..., :-1]). Default false. */
  dropLastFrame?: boolean;
  /** 'whisper': max(x, max − 8) then (x + 4) / 4 over each computed clip (after log10). Default 'none'. */
  normalize?: 'none' | 'whisper';
};

export type MelSpectrogramPreset = 'torchaudio' | 'whisper';

export const MEL_SPECTROGRAM_PARAMS: readonly (keyof MelSpectrogramParams)[] = [
  'sampleRate',
  'nFft',
  'winLength',
  'hopLength',
  'window',
  'periodicWindow',
  'center',
  'padMode',
  'power',
  'nMels',
  'fMin',
  'fMax',
  'melScale',
  'norm',
  'log',
  'logFloor',
  'dropLastFrame',
  'normalize',
];

/**
 * Presets (every field overridable):
 * - 'torchaudio': torchaudio.transforms.MelSpectrogram's defaults (16 kHz, n_fft 400, win 400, hop 200,
 *   periodic Hann, center + reflect, power 2, 128 HTK mels, no norm) then log10(max(x, 1e-10)).
 * - 'whisper': openai-whisper's log_mel_spectrogram: 16 kHz, n_fft 400, hop 160, 80 Slaney mels with
 *   Slaney norm (librosa's filters), power 2, center + reflect, the last frame dropped,
 *   log10(max(x, 1e-10)), max(x, max − 8), (x + 4) / 4. Use nMels 128 for large-v3.
 */
export function melSpectrogramPreset(preset: MelSpectrogramPreset): Required<MelSpectrogramParams> {
  const torchaudio: Required<MelSpectrogramParams> = {
    sampleRate: 16000,
    nFft: 400,
    winLength: 400,
    hopLength: 200,
    window: 'hann',
    periodicWindow: true,
    center: true,
    padMode: 'reflect',
    power: 2,
    nMels: 128,
    fMin: 0,
    fMax: 8000,
    melScale: 'htk',
    norm: 'none',
    log: 'log10',
    logFloor: 1e-10,
    dropLastFrame: false,
    normalize: 'none',
  };
  if (preset === 'torchaudio') return torchaudio;
  if (preset === 'whisper') return { ...torchaudio, hopLength: 160, nMels: 80, melScale: 'slaney', norm: 'slaney', dropLastFrame: true, normalize: 'whisper' };
  throw new RangeError(`mel spectrogram preset must be 'torchaudio' or 'whisper', got ${JSON.stringify(preset)}`);
}

/** Fills defaults the way torchaudio derives them: winLength from nFft, hop from winLength, fMax from sampleRate. */
export function resolveMelSpectrogramParams(params: MelSpectrogramParams = {}): Required<MelSpectrogramParams> {
  const sampleRate = params.sampleRate ?? 16000;
  const nFft = params.nFft ?? 400;
  const winLength = params.winLength ?? nFft;
  const resolved: Required<MelSpectrogramParams> = {
    sampleRate,
    nFft,
    winLength,
    hopLength: params.hopLength ?? Math.floor(winLength / 2),
    window: params.window ?? 'hann',
    periodicWindow: params.periodicWindow ?? true,
    center: params.center ?? true,
    padMode: params.padMode ?? 'reflect',
    power: params.power ?? 2,
    nMels: params.nMels ?? 128,
    fMin: params.fMin ?? 0,
    fMax: params.fMax ?? sampleRate / 2,
    melScale: params.melScale ?? 'htk',
    norm: params.norm ?? 'none',
    log: params.log ?? 'none',
    logFloor: params.logFloor ?? 1e-10,
    dropLastFrame: params.dropLastFrame ?? false,
    normalize: params.normalize ?? 'none',
  };
  checkSpectrogramParams(resolved);
  if (!['htk', 'slaney'].includes(resolved.melScale)) throw new RangeError(`melScale must be 'htk' or 'slaney', got ${JSON.stringify(resolved.melScale)}`);
  if (!['none', 'slaney'].includes(resolved.norm)) throw new RangeError(`norm must be 'none' or 'slaney', got ${JSON.stringify(resolved.norm)}`);
  if (!Number.isInteger(resolved.nMels) || resolved.nMels < 1) throw new RangeError(`nMels must be a positive integer, got ${JSON.stringify(resolved.nMels)}`);
  if (!['none', 'whisper'].includes(resolved.normalize)) throw new RangeError(`normalize must be 'none' or 'whisper', got ${JSON.stringify(resolved.normalize)}`);
  if (resolved.normalize === 'whisper' && resolved.log !== 'log10') throw new RangeError(`normalize 'whisper' needs log 'log10', got ${JSON.stringify(resolved.log)}`);
  return resolved;
}

/** Shared checks of the framing/log fields (also used by the linear spectrogram). */
export function checkSpectrogramParams(params: {
  sampleRate: number;
  nFft: number;
  winLength: number;
  hopLength: number;
  window: WindowKind;
  center: boolean;
  padMode: PadMode;
  power: number;
  log: LogMode;
  logFloor: number;
}): void {
  const { sampleRate, nFft, winLength, hopLength } = params;
  if (!(typeof sampleRate === 'number' && sampleRate > 0 && Number.isFinite(sampleRate))) throw new RangeError(`sampleRate must be a positive number, got ${JSON.stringify(sampleRate)}`);
  if (!Number.isInteger(nFft) || nFft < 2) throw new RangeError(`nFft must be an integer ≥ 2, got ${JSON.stringify(nFft)}`);
  if (!Number.isInteger(winLength) || winLength < 1 || winLength > nFft) throw new RangeError(`winLength must be an integer from 1 to nFft (${nFft}), got ${JSON.stringify(winLength)}`);
  if (!Number.isInteger(hopLength) || hopLength < 1) throw new RangeError(`hopLength must be a positive integer, got ${JSON.stringify(hopLength)}`);
  if (!WINDOW_KINDS.includes(params.window)) throw new RangeError(`window must be one of ${WINDOW_KINDS.join(', ')}, got ${JSON.stringify(params.window)}`);
  if (typeof params.center !== 'boolean') throw new TypeError(`center must be a boolean, got ${JSON.stringify(params.center)}`);
  if (params.padMode !== 'reflect' && params.padMode !== 'constant') throw new RangeError(`padMode must be 'reflect' or 'constant', got ${JSON.stringify(params.padMode)}`);
  if (params.power !== 1 && params.power !== 2) throw new RangeError(`power must be 1 or 2, got ${JSON.stringify(params.power)}`);
  if (!['none', 'log10', 'ln', 'db'].includes(params.log)) throw new RangeError(`log must be 'none', 'log10', 'ln' or 'db', got ${JSON.stringify(params.log)}`);
  if (!(typeof params.logFloor === 'number' && params.logFloor > 0 && Number.isFinite(params.logFloor))) throw new RangeError(`logFloor must be a positive number, got ${JSON.stringify(params.logFloor)}`);
}

export interface MelSpectrogram {
  readonly params: Readonly<Required<MelSpectrogramParams>>;
  readonly melCount: number;
  frameCount(sampleCount: number): number;
  /**
   * Writes [nMels, frames] planar: mel m, frame t at out[outOffset + m·outRowStride + t]. Reads
   * `input[inputOffset, inputOffset + sampleCount)`; returns the number of frames written.
   */
  compute(input: Float32Array, inputOffset: number, sampleCount: number, out: Float32Array | Float64Array, outOffset: number, outRowStride: number): number;
}

/** A reusable (mel) spectrogram plan: window, FFT plan, sparse filterbank and scratch made once. */
export function createMelSpectrogram(params: MelSpectrogramParams = {}): MelSpectrogram {
  const resolved = resolveMelSpectrogramParams(params);
  const filterbank = createMelFilterbank({
    sampleRate: resolved.sampleRate,
    fftSize: resolved.nFft,
    melCount: resolved.nMels,
    minFrequencyHz: resolved.fMin,
    maxFrequencyHz: resolved.fMax,
    scale: resolved.melScale,
    norm: resolved.norm,
  });
  const engine = new SpectrogramEngine({
    fftSize: resolved.nFft,
    hopLength: resolved.hopLength,
    window: createWindow(resolved.window, resolved.winLength, { periodic: resolved.periodicWindow, fftSize: resolved.nFft }),
    center: resolved.center,
    padMode: resolved.padMode,
    power: resolved.power,
    filterbank,
    log: resolved.log,
    logFloor: resolved.logFloor,
    dropLastFrame: resolved.dropLastFrame,
    whisperNormalize: resolved.normalize === 'whisper',
  });
  return {
    params: Object.freeze(resolved),
    melCount: resolved.nMels,
    frameCount: (sampleCount) => engine.frameCount(sampleCount),
    compute: (input, inputOffset, sampleCount, out, outOffset, outRowStride) => engine.compute(input, inputOffset, sampleCount, out, outOffset, outRowStride),
  };
}
