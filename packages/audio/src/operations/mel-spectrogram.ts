import { type OutputSpec, type SampleOperation, numberToFloat16Bits } from '@tessera/core';
import { KALDI_FBANK_PARAMS, type KaldiFbankParams, createKaldiFbank } from '../dsp/kaldi-fbank.js';
import { MEL_SPECTROGRAM_PARAMS, type MelSpectrogramParams, createMelSpectrogram, melSpectrogramPreset } from '../dsp/mel-spectrogram.js';
import { operationOptions, operationOrigin, validSamples, waveformLayout } from './operation-support.js';

export type MelPreset = 'torchaudio' | 'whisper' | 'kaldi-fbank';

/**
 * Options of `melSpectrogram` / `logMel`: a preset plus any of its parameters.
 * - 'torchaudio' and 'whisper' take the fields of MelSpectrogramParams (see melSpectrogramPreset);
 * - 'kaldi-fbank' takes the fields of KaldiFbankParams (torchaudio.compliance.kaldi.fbank defaults, 80 bins).
 * `sampleRate` (Hz) is not part of a waveform's spec: give the rate the decoder produces (default 16000).
 */
export type MelSpectrogramOptions = MelSpectrogramParams &
  KaldiFbankParams & {
    preset?: MelPreset;
    /** Output dtype. 'float16' halves the batch memory (values rounded to half precision). Default 'float32'. */
    dtype?: 'float32' | 'float16';
  };

const PRESETS: readonly MelPreset[] = ['torchaudio', 'whisper', 'kaldi-fbank'];

/**
 * Mel spectrogram of each channel: input float32 [channels, samples] (variable in samples) or
 * [samples]; output [channels, nMels, maxFrames] (or [nMels, maxFrames]) variable in frames, the
 * padding frames zero. Without a preset: torchaudio's MelSpectrogram defaults with no log.
 */
export function melSpectrogram(options?: MelSpectrogramOptions): SampleOperation {
  return createMelOperation('melSpectrogram', 'audio/mel-spectrogram', options, undefined);
}

/** Log-mel: `melSpectrogram` with preset 'torchaudio' (log10(max(x, 1e-10))) unless another preset is given. */
export function logMel(options?: MelSpectrogramOptions): SampleOperation {
  return createMelOperation('logMel', 'audio/log-mel', options, 'torchaudio');
}

interface FeaturePlan {
  readonly melCount: number;
  frameCount(sampleCount: number): number;
  compute(input: Float32Array, inputOffset: number, sampleCount: number, out: Float32Array, outOffset: number, outRowStride: number): number;
}

function createMelOperation(exportName: string, name: string, rawOptions: MelSpectrogramOptions | undefined, defaultPreset: MelPreset | undefined): SampleOperation {
  const preset = rawOptions?.preset ?? defaultPreset;
  if (preset !== undefined && !PRESETS.includes(preset)) throw new RangeError(`${exportName} preset must be one of ${PRESETS.join(', ')}, got ${JSON.stringify(preset)}`);
  const known = [...(preset === 'kaldi-fbank' ? KALDI_FBANK_PARAMS : MEL_SPECTROGRAM_PARAMS), 'preset', 'dtype'];
  const options = operationOptions(rawOptions, exportName, known);
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float16') throw new RangeError(`${exportName} dtype must be 'float32' or 'float16', got ${JSON.stringify(dtype)}`);
  const { preset: _preset, dtype: _dtype, ...params } = options;
  let plan: FeaturePlan;
  if (preset === 'kaldi-fbank') plan = createKaldiFbank(params as KaldiFbankParams);
  else plan = createMelSpectrogram(preset === undefined ? (params as MelSpectrogramParams) : { ...melSpectrogramPreset(preset), ...(params as MelSpectrogramParams) });
  return {
    kind: 'sample',
    name,
    options: rawOptions as never,
    origin: operationOrigin(exportName, (rawOptions ?? {}) as never),
    setup(input) {
      const layout = waveformLayout(input, exportName);
      const melCount = plan.melCount;
      const maxFrames = plan.frameCount(layout.maxSamples);
      const output: OutputSpec =
        layout.rank === 2
          ? { dtype, shape: [layout.channels, melCount, maxFrames], variableDims: [2] }
          : { dtype, shape: [melCount, maxFrames], variableDims: [1] };
      const planeSize = melCount * maxFrames;
      const half = dtype === 'float16' ? new Float32Array(planeSize) : null;
      return {
        output,
        apply(slotIn, slotOut) {
          const samples = validSamples(layout, slotIn, exportName);
          const waveform = slotIn.data as Float32Array;
          const frames = plan.frameCount(samples);
          for (let channel = 0; channel < layout.channels; channel++) {
            const inputOffset = channel * layout.maxSamples;
            if (half === null) {
              const out = slotOut.data as Float32Array;
              const planeOffset = channel * planeSize;
              plan.compute(waveform, inputOffset, samples, out, planeOffset, maxFrames);
              for (let mel = 0; mel < melCount; mel++) out.fill(0, planeOffset + mel * maxFrames + frames, planeOffset + (mel + 1) * maxFrames);
            } else {
              half.fill(0);
              plan.compute(waveform, inputOffset, samples, half, 0, maxFrames);
              const bits = slotOut.data as Uint16Array;
              const planeOffset = channel * planeSize;
              for (let index = 0; index < planeSize; index++) bits[planeOffset + index] = numberToFloat16Bits(half[index]!);
            }
          }
          slotOut.lengths[0] = frames;
        },
      };
    },
  };
}
