import type { SampleOperation } from '@tessera/core';
import { checkPositiveInteger, operationOptions, operationOrigin, validSamples, waveformLayout, waveformSpec } from './operation-support.js';

export type PadOrTrimOptions = {
  /** Samples per channel of the fixed-size output, e.g. 480000 (30 s at 16 kHz, Whisper's pad_or_trim). */
  length: number;
};

/** A fixed-length waveform: the first `length` valid samples, zero-padded (output has no variable dims). */
export function padOrTrim(options: PadOrTrimOptions): SampleOperation {
  const checked = operationOptions(options, 'padOrTrim', ['length']);
  const length = checkPositiveInteger(checked.length, 'padOrTrim length');
  return {
    kind: 'sample',
    name: 'audio/pad-or-trim',
    options: options as never,
    origin: operationOrigin('padOrTrim', options as never),
    setup(input) {
      const layout = waveformLayout(input, 'padOrTrim');
      return {
        output: waveformSpec(layout, layout.channels, length, false),
        apply(slotIn, slotOut) {
          const kept = Math.min(length, validSamples(layout, slotIn, 'padOrTrim'));
          const source = slotIn.data as Float32Array;
          const target = slotOut.data as Float32Array;
          for (let channel = 0; channel < layout.channels; channel++) {
            target.set(source.subarray(channel * layout.maxSamples, channel * layout.maxSamples + kept), channel * length);
            target.fill(0, channel * length + kept, (channel + 1) * length);
          }
        },
      };
    },
  };
}
