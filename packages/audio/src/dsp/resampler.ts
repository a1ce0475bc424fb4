/**
 * Polyphase windowed-sinc resampling for any pair of integer rates, with the math of
 * torchaudio.functional.resample (so its defaults give near-identical output):
 * rates reduced by their gcd to `from`/`to`; cutoff base = min(from, to)·rolloff;
 * width = ceil(lowpassFilterWidth · from / base); output sample i·to + j is
 *   Σ_k x[i·from − width + k] · h_j[k],  t = (k − width)/from − j/to) · base clamped to ±lowpassFilterWidth,
 *   h_j[k] = sinc(π t) · window(t) · base / from,
 * window 'sinc-hann' = cos²(π t / (2·lowpassFilterWidth)) or 'kaiser' = I0(β·√(1 − (t/width)²)) / I0(β).
 * Taps whose |t| reaches the clamp are exactly (hann) or almost (kaiser) zero in torchaudio and are
 * skipped here, so each phase keeps only its ~2·lowpassFilterWidth·from/base non-zero taps
 * instead of torchaudio's dense 2·width + from. Samples outside the input are zero.
 */
export type ResamplerOptions = {
  /** Zero crossings of the sinc kept on each side. Default 6. */
  lowpassFilterWidth?: number;
  /** Cutoff as a fraction of the lower Nyquist frequency. Default 0.99. */
  rolloff?: number;
  /** Default 'sinc-hann' (torchaudio's 'sinc_interp_hann'). */
  method?: 'sinc-hann' | 'kaiser';
  /** Kaiser β. Default 14.769656459379492 (torchaudio's). */
  beta?: number;
};

export interface Resampler {
  /** Reduced rates (divided by their gcd). */
  readonly from: number;
  readonly to: number;
  /** ceil(n · to / from), like torchaudio */
  outputLength(sampleCount: number): number;
  /** Resamples `input[offset, offset + count)` into `out[outOffset, outOffset + outputLength(count))`; returns that length. */
  process(input: Float32Array | Float64Array, offset: number, count: number, out: Float32Array | Float64Array, outOffset: number): number;
}

const DEFAULT_KAISER_BETA = 14.769656459379492;

function greatestCommonDivisor(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges for any β used here). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const quarter = (x * x) / 4;
  for (let k = 1; k < 500; k++) {
    term *= quarter / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

export function createResampler(fromRate: number, toRate: number, options: ResamplerOptions = {}): Resampler {
  if (!Number.isInteger(fromRate) || fromRate < 1) throw new RangeError(`resampler fromRate must be a positive integer (Hz), got ${JSON.stringify(fromRate)}`);
  if (!Number.isInteger(toRate) || toRate < 1) throw new RangeError(`resampler toRate must be a positive integer (Hz), got ${JSON.stringify(toRate)}`);
  const width6 = options.lowpassFilterWidth ?? 6;
  const rolloff = options.rolloff ?? 0.99;
  const method = options.method ?? 'sinc-hann';
  const beta = options.beta ?? DEFAULT_KAISER_BETA;
  if (!(Number.isFinite(width6) && width6 > 0)) throw new RangeError(`lowpassFilterWidth must be a positive number, got ${JSON.stringify(width6)}`);
  if (!(rolloff > 0 && rolloff <= 1)) throw new RangeError(`rolloff must be in (0, 1], got ${JSON.stringify(rolloff)}`);
  if (method !== 'sinc-hann' && method !== 'kaiser') throw new RangeError(`method must be 'sinc-hann' or 'kaiser', got ${JSON.stringify(method)}`);
  if (!(Number.isFinite(beta) && beta >= 0)) throw new RangeError(`beta must be a non-negative number, got ${JSON.stringify(beta)}`);
  const divisor = greatestCommonDivisor(fromRate, toRate);
  const from = fromRate / divisor;
  const to = toRate / divisor;
  if (from === to) return new IdentityResampler();
  const base = Math.min(from, to) * rolloff;
  const width = Math.ceil((width6 * from) / base);
  const tapSpan = 2 * width + from;
  const scale = base / from;
  const kaiserNormalizer = method === 'kaiser' ? besselI0(beta) : 1;
  const firstTaps = new Int32Array(to);
  const tapCounts = new Int32Array(to);
  const phaseTaps: number[][] = [];
  for (let phase = 0; phase < to; phase++) {
    const taps: number[] = [];
    let first = -1;
    for (let k = 0; k < tapSpan; k++) {
      const t = ((k - width) / from - phase / to) * base;
      if (!(Math.abs(t) < width6)) continue;
      if (first < 0) first = k;
      const window = method === 'sinc-hann' ? Math.cos((t * Math.PI) / width6 / 2) ** 2 : besselI0(beta * Math.sqrt(1 - (t / width6) ** 2)) / kaiserNormalizer;
      const argument = t * Math.PI;
      const sinc = argument === 0 ? 1 : Math.sin(argument) / argument;
      // taps between the first and last kept one are contiguous in k (|t| < width is an interval)
      taps[k - first] = sinc * window * scale;
    }
    firstTaps[phase] = Math.max(0, first);
    tapCounts[phase] = taps.length;
    phaseTaps.push(taps);
  }
  const stride = Math.max(...phaseTaps.map((taps) => taps.length), 1);
  const kernel = new Float64Array(to * stride);
  for (let phase = 0; phase < to; phase++) kernel.set(phaseTaps[phase]!, phase * stride);
  return new PolyphaseResampler(from, to, width, firstTaps, tapCounts, kernel, stride);
}

class IdentityResampler implements Resampler {
  readonly from = 1;
  readonly to = 1;
  outputLength(sampleCount: number): number {
    return sampleCount;
  }
  process(input: Float32Array | Float64Array, offset: number, count: number, out: Float32Array | Float64Array, outOffset: number): number {
    for (let index = 0; index < count; index++) out[outOffset + index] = input[offset + index]!;
    return count;
  }
}

class PolyphaseResampler implements Resampler {
  constructor(
    readonly from: number,
    readonly to: number,
    private readonly width: number,
    private readonly firstTaps: Int32Array,
    private readonly tapCounts: Int32Array,
    private readonly kernel: Float64Array,
    private readonly stride: number,
  ) {}

  outputLength(sampleCount: number): number {
    if (!Number.isInteger(sampleCount) || sampleCount < 0) throw new RangeError(`sampleCount must be a non-negative integer, got ${sampleCount}`);
    return Math.ceil((sampleCount * this.to) / this.from);
  }

  process(input: Float32Array | Float64Array, offset: number, count: number, out: Float32Array | Float64Array, outOffset: number): number {
    const length = this.outputLength(count);
    if (offset < 0 || offset + count > input.length) throw new RangeError(`input range [${offset}, ${offset + count}) is outside the input of ${input.length} samples`);
    if (outOffset < 0 || outOffset + length > out.length) throw new RangeError(`output of ${out.length} samples cannot hold ${length} samples at offset ${outOffset}`);
    const { from, to, width, firstTaps, tapCounts, kernel, stride } = this;
    for (let index = 0; index < length; index++) {
      const block = Math.floor(index / to);
      const phase = index - block * to;
      const start = block * from - width + firstTaps[phase]!;
      const taps = tapCounts[phase]!;
      const kernelStart = phase * stride;
      let sum = 0;
      if (start >= 0 && start + taps <= count) {
        const base = offset + start;
        for (let tap = 0; tap < taps; tap++) sum += input[base + tap]! * kernel[kernelStart + tap]!;
      } else {
        const low = Math.max(0, -start);
        const high = Math.min(taps, count - start);
        for (let tap = low; tap < high; tap++) sum += input[offset + start + tap]! * kernel[kernelStart + tap]!;
      }
      out[outOffset + index] = sum;
    }
    return length;
  }
}
