import type { PadMode } from './frame-reader.js';
import { checkSpectrogramParams } from './mel-spectrogram.js';
import { type LogMode, SpectrogramEngine } from './spectrogram-engine.js';
import { type WindowKind, createWindow } from './windows.js';

export type SpectrogramParams = {
  /** Hz, only checked (the linear spectrogram does not depend on it). Default 16000. */
  sampleRate?: number;
  /** Default 400. */
  nFft?: number;
  /** Default nFft. */
  winLength?: number;
  /** Default floor(winLength / 2). */
  hopLength?: number;
  /** Default 'hann'. */
  window?: WindowKind;
  /** Default true. */
  periodicWindow?: boolean;
  /** Default true. */
  center?: boolean;
  /** Default 'reflect'. */
  padMode?: PadMode;
  /** 1 = magnitude (the default here), 2 = power. */
  power?: 1 | 2;
  /** Default 'none'. */
  log?: LogMode;
  /** Default 1e-10. */
  logFloor?: number;
};

export interface Spectrogram {
  readonly params: Readonly<Required<SpectrogramParams>>;
  /** nFft / 2 + 1 */
  readonly binCount: number;
  frameCount(sampleCount: number): number;
  /** Writes [binCount, frames] planar like MelSpectrogram.compute; returns the frames written. */
  compute(input: Float32Array, inputOffset: number, sampleCount: number, out: Float32Array | Float64Array, outOffset: number, outRowStride: number): number;
}

/** The linear (magnitude by default) spectrogram, torchaudio.transforms.Spectrogram with power 1. */
export function createSpectrogram(params: SpectrogramParams = {}): Spectrogram {
  const nFft = params.nFft ?? 400;
  const winLength = params.winLength ?? nFft;
  const resolved: Required<SpectrogramParams> = {
    sampleRate: params.sampleRate ?? 16000,
    nFft,
    winLength,
    hopLength: params.hopLength ?? Math.floor(winLength / 2),
    window: params.window ?? 'hann',
    periodicWindow: params.periodicWindow ?? true,
    center: params.center ?? true,
    padMode: params.padMode ?? 'reflect',
    power: params.power ?? 1,
    log: params.log ?? 'none',
    logFloor: params.logFloor ?? 1e-10,
  };
  checkSpectrogramParams(resolved);
  const engine = new SpectrogramEngine({
    fftSize: nFft,
    hopLength: resolved.hopLength,
    window: createWindow(resolved.window, winLength, { periodic: resolved.periodicWindow, fftSize: nFft }),
    center: resolved.center,
    padMode: resolved.padMode,
    power: resolved.power,
    filterbank: null,
    log: resolved.log,
    logFloor: resolved.logFloor,
    dropLastFrame: false,
    whisperNormalize: false,
  });
  return {
    params: Object.freeze(resolved),
    binCount: engine.rowCount,
    frameCount: (sampleCount) => engine.frameCount(sampleCount),
    compute: (input, inputOffset, sampleCount, out, outOffset, outRowStride) => engine.compute(input, inputOffset, sampleCount, out, outOffset, outRowStride),
  };
}
