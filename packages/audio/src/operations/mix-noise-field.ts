import type { BatchColumn, BatchOperation } from '@tessera/core';
import { noiseScaleForSnr } from '../dsp/signal-level.js';
import { type WaveformLayout, checkRange, operationOptions, waveformLayout } from './operation-support.js';

export type MixNoiseFieldOptions = {
  /** The waveform field to augment (changed in place). */
  field: string;
  /** The waveform field whose samples are mixed in (e.g. a noise corpus field, or `field` itself for babble). */
  noiseField: string;
  /** 'same': sample i gets noise row i; 'next': row (i + 1) mod count (needed when noiseField is field). Default 'same', or 'next' when noiseField is field. */
  partner?: 'same' | 'next';
  /** A fixed SNR in dB, or a uniform [minSnrDb, maxSnrDb] per sample (the batch's context.random). */
  snrDb?: number;
  minSnrDb?: number;
  maxSnrDb?: number;
  /** Probability of mixing per sample. Default 1. */
  probability?: number;
};

/**
 * A batch operation mixing another loaded waveform field of the same batch into `field` at an SNR:
 * signal channel c gets noise channel c mod noiseChannels, the noise repeated to cover the signal's
 * valid samples; the power ratio is measured over the valid samples of all channels.
 */
export function mixNoiseField(options: MixNoiseFieldOptions): BatchOperation {
  const checked = operationOptions(options, 'mixNoiseField', ['field', 'noiseField', 'partner', 'snrDb', 'minSnrDb', 'maxSnrDb', 'probability']);
  const { field, noiseField } = checked;
  if (typeof field !== 'string' || field === '') throw new TypeError(`mixNoiseField field must be a field name, got ${JSON.stringify(field)}`);
  if (typeof noiseField !== 'string' || noiseField === '') throw new TypeError(`mixNoiseField noiseField must be a field name, got ${JSON.stringify(noiseField)}`);
  const partner = checked.partner ?? (field === noiseField ? 'next' : 'same');
  if (partner !== 'same' && partner !== 'next') throw new RangeError(`mixNoiseField partner must be 'same' or 'next', got ${JSON.stringify(partner)}`);
  if (partner === 'same' && field === noiseField) throw new RangeError(`mixNoiseField: noiseField is field itself, so partner 'same' would mix each sample with itself; use partner 'next'`);
  const [low, high] = checkRange(checked, 'snrDb', 'minSnrDb', 'maxSnrDb', 'mixNoiseField');
  const probability = checked.probability ?? 1;
  if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) throw new RangeError(`mixNoiseField probability must be a number from 0 to 1, got ${JSON.stringify(probability)}`);
  return {
    kind: 'batch',
    name: 'audio/mix-noise-field',
    options: options as never,
    fields: field === noiseField ? [field] : [field, noiseField],
    setup(inputs) {
      const signalSpec = inputs[field];
      const noiseSpec = inputs[noiseField];
      if (signalSpec === undefined || noiseSpec === undefined) throw new RangeError(`mixNoiseField needs fields "${field}" and "${noiseField}" in the batch, got ${Object.keys(inputs).join(', ')}`);
      const signal = waveformLayout(signalSpec, `mixNoiseField field "${field}"`);
      const noise = waveformLayout(noiseSpec, `mixNoiseField noiseField "${noiseField}"`);
      let copy = new Float32Array(0);
      return {
        outputs: {},
        apply(columns, _outputs, context) {
          const count = context.count;
          const signalColumn = columns[field]!;
          let noiseColumn: BatchColumn = columns[noiseField]!;
          let noiseData = noiseColumn.data as Float32Array;
          const noiseRow = noise.channels * noise.maxSamples;
          if (field === noiseField) {
            // the rows are changed in place: mix from a copy of the originals
            if (copy.length < count * noiseRow) copy = new Float32Array(count * noiseRow);
            copy.set(noiseData.subarray(0, count * noiseRow));
            noiseData = copy;
            noiseColumn = { ...noiseColumn, data: copy };
          }
          const signalData = signalColumn.data as Float32Array;
          const signalRow = signal.channels * signal.maxSamples;
          for (let index = 0; index < count; index++) {
            const apply = probability >= 1 || context.random.nextFloat() < probability;
            const snrDb = low === high ? low : low + (high - low) * context.random.nextFloat();
            if (!apply) continue;
            const source = partner === 'same' ? index : (index + 1) % count;
            const samples = rowLength(signal, signalColumn, index);
            const noiseSamples = rowLength(noise, noiseColumn, source);
            if (samples === 0 || noiseSamples === 0) continue;
            const signalStart = index * signalRow;
            const noiseStart = source * noiseRow;
            let signalPower = 0;
            let noisePower = 0;
            for (let channel = 0; channel < signal.channels; channel++) {
              const signalOffset = signalStart + channel * signal.maxSamples;
              const noiseOffset = noiseStart + (channel % noise.channels) * noise.maxSamples;
              for (let sample = 0, position = 0; sample < samples; sample++) {
                const value = noiseData[noiseOffset + position]!;
                signalPower += signalData[signalOffset + sample]! * signalData[signalOffset + sample]!;
                noisePower += value * value;
                if (++position === noiseSamples) position = 0;
              }
            }
            const scale = noiseScaleForSnr(signalPower, noisePower, snrDb);
            if (scale === 0) continue;
            for (let channel = 0; channel < signal.channels; channel++) {
              const signalOffset = signalStart + channel * signal.maxSamples;
              const noiseOffset = noiseStart + (channel % noise.channels) * noise.maxSamples;
              for (let sample = 0, position = 0; sample < samples; sample++) {
                signalData[signalOffset + sample] = signalData[signalOffset + sample]! + scale * noiseData[noiseOffset + position]!;
                if (++position === noiseSamples) position = 0;
              }
            }
          }
        },
      };
    },
  };
}

function rowLength(layout: WaveformLayout, column: BatchColumn, row: number): number {
  if (!layout.variable) return layout.maxSamples;
  const perRow = column.spec.variableDims?.length ?? 0;
  return Math.min(layout.maxSamples, Math.max(0, column.lengths[row * perRow]!));
}
