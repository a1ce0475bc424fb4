/** Analysis windows for short-time transforms. */
export type WindowKind = 'hann' | 'hamming' | 'povey' | 'rectangular';

export interface WindowOptions {
  /**
   * Periodic (length N + 1 with the last value dropped, torch's default and what spectrograms use)
   * or symmetric. Ignored by 'povey' (Kaldi's is symmetric) and 'rectangular'. Default true.
   */
  periodic?: boolean;
  /**
   * Total length: a window shorter than this is centred in zeros, as torch.stft does for
   * win_length < n_fft (left padding floor((fftSize − length) / 2)). Default `length`.
   */
  fftSize?: number;
}

export const WINDOW_KINDS: readonly WindowKind[] = ['hann', 'hamming', 'povey', 'rectangular'];

/**
 * A window of `length` samples (zero-padded and centred to `fftSize`):
 * hann 0.5 − 0.5·cos(2πn/D); hamming 0.54 − 0.46·cos(2πn/D) (D = N periodic, N − 1 symmetric);
 * povey (Kaldi) = symmetric hann^0.85; rectangular = 1.
 */
export function createWindow(kind: WindowKind, length: number, options: WindowOptions = {}): Float64Array {
  const fftSize = options.fftSize ?? length;
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`window length must be a positive integer, got ${length}`);
  if (!Number.isInteger(fftSize) || fftSize < length) throw new RangeError(`window fftSize must be an integer ≥ the window length ${length}, got ${fftSize}`);
  if (!WINDOW_KINDS.includes(kind)) throw new RangeError(`window must be one of ${WINDOW_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  const periodic = options.periodic ?? true;
  const window = new Float64Array(fftSize);
  const left = Math.floor((fftSize - length) / 2);
  const symmetricDenominator = Math.max(1, length - 1);
  const denominator = periodic ? length : symmetricDenominator;
  for (let n = 0; n < length; n++) {
    let value: number;
    switch (kind) {
      case 'hann':
        value = length === 1 ? 1 : 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / denominator);
        break;
      case 'hamming':
        value = length === 1 ? 1 : 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / denominator);
        break;
      case 'povey':
        value = length === 1 ? 1 : (0.5 - 0.5 * Math.cos((2 * Math.PI * n) / symmetricDenominator)) ** 0.85;
        break;
      default:
        value = 1;
    }
    window[left + n] = value;
  }
  return window;
}
