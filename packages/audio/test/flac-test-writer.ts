/**
 * A small FLAC writer for tests only: it makes the streams ffmpeg's encoder never does (8-, 12-, 20-,
 * 32-bit and odd sizes, wasted bits, escaped and 5-bit Rice partitions, long unary codes, variable block
 * sizes, explicit block size and sample rate codes, 33-bit side channels), from integers the test
 * knows. It writes whatever subframe plan it is given, exactly; it does not search for a good one.
 */
import { flacCrc16, flacCrc8 } from '../src/flac/flac-crc.js';

export type SubframePlan =
  | { kind: 'constant'; wasted?: number }
  | { kind: 'verbatim'; wasted?: number }
  | { kind: 'fixed'; order: number; wasted?: number; rice?: RicePlan }
  | { kind: 'lpc'; coefficients: number[]; precision: number; shift: number; wasted?: number; rice?: RicePlan };

export interface RicePlan {
  /** 0: 4-bit parameters, 1: 5-bit. */
  method?: 0 | 1;
  partitionOrder?: number;
  /** Force this Rice parameter in every partition (else one is chosen per partition). */
  parameter?: number;
  /** Escape every partition with raw values of this many bits (0 only when the residuals are all 0). */
  escapeBits?: number;
}

export interface FramePlan {
  /** Per channel, the samples of this frame (the real channels: left/right before decorrelation). */
  samples: number[][];
  /** Frame header channel code: 0–7 independent, 8 left/side, 9 side/right, 10 mid/side. */
  assignment: number;
  subframes: SubframePlan[];
}

export interface StreamPlan {
  sampleRate: number;
  bitsPerSample: number;
  channels: number;
  variableBlockSize: boolean;
  frames: FramePlan[];
  /** Write the sample rate and sample size in every frame header (else "from STREAMINFO", code 0). */
  explicitCodes?: boolean;
}

class BitWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private used = 0;

  write(value: number, count: number): void {
    // Two's complement of negative values, up to 36 bits, via doubles.
    let unsigned = value < 0 ? value + 2 ** count : value;
    for (let bit = count - 1; bit >= 0; bit--) {
      const power = 2 ** bit;
      const one = unsigned >= power ? 1 : 0;
      unsigned -= one * power;
      this.current = (this.current << 1) | one;
      if (++this.used === 8) {
        this.bytes.push(this.current);
        this.current = 0;
        this.used = 0;
      }
    }
  }

  unary(zeros: number): void {
    for (let index = 0; index < zeros; index++) this.write(0, 1);
    this.write(1, 1);
  }

  align(): void {
    while (this.used !== 0) this.write(0, 1);
  }

  get length(): number {
    return this.bytes.length;
  }

  toBytes(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const BLOCK_SIZE_CODES: Record<number, number> = { 192: 1, 576: 2, 1152: 3, 2304: 4, 4608: 5, 256: 8, 512: 9, 1024: 10, 2048: 11, 4096: 12, 8192: 13, 16384: 14, 32768: 15 };
const SAMPLE_SIZE_CODES: Record<number, number> = { 8: 1, 12: 2, 16: 4, 20: 5, 24: 6, 32: 7 };

function codedNumber(writer: BitWriter, value: number): void {
  if (value < 0x80) {
    writer.write(value, 8);
    return;
  }
  let extra = 1;
  while (value >= 2 ** (6 * extra + 6 - extra)) extra++;
  const high = Math.floor(value / 2 ** (6 * extra));
  writer.write(((0xff << (7 - extra)) & 0xff) | high, 8);
  for (let index = extra - 1; index >= 0; index--) writer.write(0x80 | (Math.floor(value / 2 ** (6 * index)) % 64), 8);
}

function zigzag(value: number): number {
  return value >= 0 ? 2 * value : -2 * value - 1;
}

function writeResidual(writer: BitWriter, residuals: number[], blockSize: number, order: number, plan: RicePlan = {}): void {
  const method = plan.method ?? 0;
  const partitionOrder = plan.partitionOrder ?? 0;
  const limit = method === 0 ? 14 : 30;
  writer.write(method, 2);
  writer.write(partitionOrder, 4);
  const partitionSize = blockSize >> partitionOrder;
  let index = 0;
  for (let partition = 0; partition < 1 << partitionOrder; partition++) {
    const count = partition === 0 ? partitionSize - order : partitionSize;
    const values = residuals.slice(index, index + count);
    index += count;
    if (plan.escapeBits !== undefined) {
      writer.write(method === 0 ? 15 : 31, method === 0 ? 4 : 5);
      writer.write(plan.escapeBits, 5);
      for (const value of values) writer.write(value, plan.escapeBits);
      continue;
    }
    let parameter = plan.parameter;
    if (parameter === undefined) {
      const mean = values.reduce((sum, value) => sum + zigzag(value), 0) / Math.max(1, values.length);
      parameter = Math.min(limit, Math.max(0, Math.floor(Math.log2(mean + 1))));
    }
    writer.write(parameter, method === 0 ? 4 : 5);
    for (const value of values) {
      const unsigned = zigzag(value);
      writer.unary(Math.floor(unsigned / 2 ** parameter));
      writer.write(unsigned % 2 ** parameter, parameter);
    }
  }
}

function fixedPrediction(x: number[], index: number, order: number): number {
  if (order === 0) return 0;
  if (order === 1) return x[index - 1];
  if (order === 2) return 2 * x[index - 1] - x[index - 2];
  if (order === 3) return 3 * x[index - 1] - 3 * x[index - 2] + x[index - 3];
  return 4 * x[index - 1] - 6 * x[index - 2] + 4 * x[index - 3] - x[index - 4];
}

function writeSubframe(writer: BitWriter, signal: number[], bitsPerSample: number, plan: SubframePlan): void {
  const wasted = plan.wasted ?? 0;
  const x = signal.map((value) => value / 2 ** wasted);
  if (x.some((value) => !Number.isInteger(value))) throw new Error(`samples are not multiples of 2^${wasted}`);
  const bits = bitsPerSample - wasted;
  const type = plan.kind === 'constant' ? 0 : plan.kind === 'verbatim' ? 1 : plan.kind === 'fixed' ? 8 + plan.order : 31 + plan.coefficients.length;
  writer.write(0, 1);
  writer.write(type, 6);
  if (wasted === 0) writer.write(0, 1);
  else {
    writer.write(1, 1);
    writer.unary(wasted - 1);
  }
  if (plan.kind === 'constant') {
    writer.write(x[0], bits);
    return;
  }
  if (plan.kind === 'verbatim') {
    for (const value of x) writer.write(value, bits);
    return;
  }
  const order = plan.kind === 'fixed' ? plan.order : plan.coefficients.length;
  for (let index = 0; index < order; index++) writer.write(x[index], bits);
  const residuals: number[] = [];
  if (plan.kind === 'fixed') {
    for (let index = order; index < x.length; index++) residuals.push(x[index] - fixedPrediction(x, index, order));
  } else {
    writer.write(plan.precision - 1, 4);
    writer.write(plan.shift, 5);
    for (const coefficient of plan.coefficients) {
      if (Math.abs(coefficient + 0.5) > 2 ** (plan.precision - 1)) throw new Error(`coefficient ${coefficient} does not fit ${plan.precision} bits`);
    }
    for (const coefficient of plan.coefficients) writer.write(coefficient, plan.precision);
    for (let index = order; index < x.length; index++) {
      let sum = 0;
      for (let j = 0; j < order; j++) sum += plan.coefficients[j] * x[index - 1 - j];
      residuals.push(x[index] - Math.floor(sum / 2 ** plan.shift));
    }
  }
  for (const residual of residuals) if (residual < -(2 ** 31) || residual >= 2 ** 31) throw new Error(`residual ${residual} does not fit 32 bits`);
  writeResidual(writer, residuals, x.length, order, plan.rice);
}

/** The signals the subframes carry for a channel assignment (side needs one more bit). */
function decorrelated(frame: FramePlan): { signals: number[][]; extraBit: number[] } {
  const [left, right] = frame.samples;
  if (frame.assignment <= 7) return { signals: frame.samples, extraBit: frame.samples.map(() => 0) };
  const side = left.map((value, index) => value - right[index]);
  if (frame.assignment === 8) return { signals: [left, side], extraBit: [0, 1] };
  if (frame.assignment === 9) return { signals: [side, right], extraBit: [1, 0] };
  const mid = left.map((value, index) => Math.floor((value + right[index]) / 2));
  return { signals: [mid, side], extraBit: [0, 1] };
}

export function writeFlacStream(plan: StreamPlan): Uint8Array {
  const frameBytes: Uint8Array[] = [];
  let firstSample = 0;
  const blockSizes = plan.frames.map((frame) => frame.samples[0].length);
  plan.frames.forEach((frame, frameIndex) => {
    const blockSize = frame.samples[0].length;
    const writer = new BitWriter();
    writer.write(0xfff8 | (plan.variableBlockSize ? 1 : 0), 16);
    const sizeCode = BLOCK_SIZE_CODES[blockSize] ?? (blockSize <= 256 ? 6 : 7);
    const rateCode = !plan.explicitCodes ? 0 : plan.sampleRate % 1000 === 0 && plan.sampleRate < 256000 ? 12 : plan.sampleRate < 65536 ? 13 : 14;
    writer.write(sizeCode, 4);
    writer.write(rateCode, 4);
    writer.write(frame.assignment, 4);
    writer.write(plan.explicitCodes ? (SAMPLE_SIZE_CODES[plan.bitsPerSample] ?? 0) : 0, 3);
    writer.write(0, 1);
    codedNumber(writer, plan.variableBlockSize ? firstSample : frameIndex);
    if (sizeCode === 6) writer.write(blockSize - 1, 8);
    if (sizeCode === 7) writer.write(blockSize - 1, 16);
    if (rateCode === 12) writer.write(plan.sampleRate / 1000, 8);
    if (rateCode === 13) writer.write(plan.sampleRate, 16);
    if (rateCode === 14) writer.write(plan.sampleRate / 10, 16);
    const headerSoFar = writer.toBytes();
    writer.write(flacCrc8(headerSoFar, 0, headerSoFar.length), 8);
    const { signals, extraBit } = decorrelated(frame);
    signals.forEach((signal, channel) => {
      writeSubframe(writer, signal, plan.bitsPerSample + extraBit[channel], frame.subframes[channel]);
    });
    writer.align();
    const body = writer.toBytes();
    writer.write(flacCrc16(body, 0, body.length), 16);
    frameBytes.push(writer.toBytes());
    firstSample += blockSize;
  });
  const minBlock = plan.variableBlockSize ? Math.min(...blockSizes) : blockSizes[0];
  const maxBlock = Math.max(...blockSizes);
  const info = new BitWriter();
  info.write(minBlock, 16);
  info.write(maxBlock, 16);
  info.write(0, 24);
  info.write(0, 24);
  info.write(plan.sampleRate, 20);
  info.write(plan.channels - 1, 3);
  info.write(plan.bitsPerSample - 1, 5);
  info.write(firstSample, 36);
  for (let index = 0; index < 16; index++) info.write(0, 8);
  const parts = [Uint8Array.from([0x66, 0x4c, 0x61, 0x43, 0x80, 0, 0, 34]), info.toBytes(), ...frameBytes];
  const file = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    file.set(part, offset);
    offset += part.length;
  }
  return file;
}
