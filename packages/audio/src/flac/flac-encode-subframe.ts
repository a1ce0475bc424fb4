/**
 * One FLAC subframe from one channel's block of integers: CONSTANT when every sample is equal, else
 * the smaller of VERBATIM and FIXED (orders 0–4) with a partitioned Rice residual.
 *
 * The fixed order is chosen by the sum of |residual| (all five orders in one pass). The partition
 * order (0–6) is chosen on estimated Rice costs from per-partition sums of the zigzag-folded
 * residuals (finest level measured, coarser levels summed from it); the chosen level's parameters
 * are then refined on exact costs, so the size compared with VERBATIM is the size written. A
 * partition whose Rice code would cost more than raw values is escaped; a parameter above 14 switches
 * the subframe to the 5-bit-parameter method (RICE2), as 24-bit audio usually needs.
 */
import type { FlacBitWriter } from './flac-encode-bit-writer.js';

const MAX_FIXED_ORDER = 4;
const MAX_PARTITION_ORDER = 6;
const MAX_RICE_PARAMETER = 14;
const MAX_RICE2_PARAMETER = 30;
const ESCAPE_RICE = 15;
const ESCAPE_RICE2 = 31;
const SUBFRAME_CONSTANT = 0;
const SUBFRAME_VERBATIM = 1;
const SUBFRAME_FIXED = 8;
/** Subframe header (8 bits) — no wasted bits are signalled. */
const SUBFRAME_HEADER_BITS = 8;
/** Residual coding method (2 bits) and partition order (4 bits). */
const RESIDUAL_HEADER_BITS = 6;
/** Escaped partition: the 5-bit raw sample width after the escape code. */
const ESCAPE_WIDTH_BITS = 5;

/** What `analyze` learned about one channel's block, for choosing a stereo mode and then coding it. */
export class FlacChannelAnalysis {
  constant = false;
  /** Best fixed order by the sum of |residual|. */
  order = 0;
  /** Estimated subframe bits with that order (CONSTANT: exact). */
  estimatedBits = 0;
}

/** Estimated Rice bits for `count` folded residuals summing to `sum`, at the best parameter. */
function estimateRiceBits(sum: number, count: number): number {
  if (count === 0) return 0;
  const parameter = estimateParameter(sum, count);
  return riceCostEstimate(sum, count, parameter);
}

function estimateParameter(sum: number, count: number): number {
  const mean = sum / count;
  if (mean < 1) return 0;
  let parameter = Math.floor(Math.log2(mean));
  if (parameter > MAX_RICE2_PARAMETER) parameter = MAX_RICE2_PARAMETER;
  return parameter;
}

/** n(k + 1) unary stops and low bits, plus about sum / 2^k quotient bits (half a bit less per value for k > 0). */
function riceCostEstimate(sum: number, count: number, parameter: number): number {
  return count * (parameter + 1) + (parameter === 0 ? sum : sum / 2 ** parameter - count / 2);
}

export class FlacSubframeEncoder {
  private folded = new Uint32Array(0);
  /** Per-partition folded sums and maxima for levels 0–6, level L at offset 2^L − 1. */
  private readonly levelSums = new Float64Array(2 << MAX_PARTITION_ORDER);
  private readonly levelMaxima = new Uint32Array(2 << MAX_PARTITION_ORDER);
  /** The chosen partitioning: parameter per partition, or −1 for an escape with `escapeWidths`. */
  private readonly parameters = new Int8Array(1 << MAX_PARTITION_ORDER);
  private readonly escapeWidths = new Uint8Array(1 << MAX_PARTITION_ORDER);
  private partitionOrder = 0;
  private method = 0;

  /** Fills `result` for samples[0, count) of `bitsPerSample`-bit values. */
  analyze(samples: Int32Array, count: number, bitsPerSample: number, result: FlacChannelAnalysis): void {
    const first = samples[0];
    let index = 1;
    while (index < count && samples[index] === first) index++;
    if (index === count) {
      result.constant = true;
      result.order = 0;
      result.estimatedBits = SUBFRAME_HEADER_BITS + bitsPerSample;
      return;
    }
    result.constant = false;
    if (count <= MAX_FIXED_ORDER) {
      let sum = 0;
      for (let i = 0; i < count; i++) sum += Math.abs(samples[i]);
      result.order = 0;
      result.estimatedBits = SUBFRAME_HEADER_BITS + RESIDUAL_HEADER_BITS + 4 + estimateRiceBits(2 * sum, count);
      return;
    }
    // Residuals of orders 0–4 from sample 4 on, by running differences.
    let e0 = samples[3];
    let e1 = e0 - samples[2];
    const d2 = samples[2] - samples[1];
    let e2 = e1 - d2;
    let e3 = e2 - (d2 - (samples[1] - samples[0]));
    let sum0 = 0;
    let sum1 = 0;
    let sum2 = 0;
    let sum3 = 0;
    let sum4 = 0;
    for (let i = MAX_FIXED_ORDER; i < count; i++) {
      const x = samples[i];
      const n1 = x - e0;
      const n2 = n1 - e1;
      const n3 = n2 - e2;
      const n4 = n3 - e3;
      sum0 += x < 0 ? -x : x;
      sum1 += n1 < 0 ? -n1 : n1;
      sum2 += n2 < 0 ? -n2 : n2;
      sum3 += n3 < 0 ? -n3 : n3;
      sum4 += n4 < 0 ? -n4 : n4;
      e0 = x;
      e1 = n1;
      e2 = n2;
      e3 = n3;
    }
    let order = 0;
    let best = sum0;
    if (sum1 < best) {
      order = 1;
      best = sum1;
    }
    if (sum2 < best) {
      order = 2;
      best = sum2;
    }
    if (sum3 < best) {
      order = 3;
      best = sum3;
    }
    if (sum4 < best) {
      order = 4;
      best = sum4;
    }
    // The sums cover count − 4 residuals; scale to count − order.
    const residualCount = count - order;
    const scaledFoldedSum = (2 * best * residualCount) / (count - MAX_FIXED_ORDER);
    result.order = order;
    result.estimatedBits =
      SUBFRAME_HEADER_BITS + order * bitsPerSample + RESIDUAL_HEADER_BITS + 4 + estimateRiceBits(scaledFoldedSum, residualCount);
  }

  /** Writes the subframe for samples[0, count) as analysed; returns the bits written. */
  encode(writer: FlacBitWriter, samples: Int32Array, count: number, bitsPerSample: number, analysis: FlacChannelAnalysis): number {
    if (analysis.constant) {
      writer.writeBits(SUBFRAME_CONSTANT << 1, 8);
      writer.writeSigned(samples[0], bitsPerSample);
      return SUBFRAME_HEADER_BITS + bitsPerSample;
    }
    const order = analysis.order;
    const verbatimBits = SUBFRAME_HEADER_BITS + count * bitsPerSample;
    const fixedBits = SUBFRAME_HEADER_BITS + order * bitsPerSample + this.planResidual(samples, count, order);
    if (verbatimBits <= fixedBits) {
      writer.writeBits(SUBFRAME_VERBATIM << 1, 8);
      for (let i = 0; i < count; i++) writer.writeSigned(samples[i], bitsPerSample);
      return verbatimBits;
    }
    writer.writeBits((SUBFRAME_FIXED + order) << 1, 8);
    for (let i = 0; i < order; i++) writer.writeSigned(samples[i], bitsPerSample);
    this.writeResidual(writer, count, order);
    return fixedBits;
  }

  /** Folds the order-`order` residuals into `folded`, chooses the partitioning; returns its exact bits. */
  private planResidual(samples: Int32Array, count: number, order: number): number {
    if (this.folded.length < count) this.folded = new Uint32Array(Math.max(count, this.folded.length * 2));
    const folded = this.folded;
    foldFixedResidual(samples, count, order, folded);

    let finest = 0;
    while (finest < MAX_PARTITION_ORDER && count % (2 << finest) === 0 && count >> (finest + 1) > order) finest++;
    const sums = this.levelSums;
    const maxima = this.levelMaxima;
    const finestBase = (1 << finest) - 1;
    const finestSize = count >> finest;
    for (let partition = 0; partition < 1 << finest; partition++) {
      const end = (partition + 1) * finestSize;
      let sum = 0;
      let maximum = 0;
      for (let i = partition === 0 ? order : partition * finestSize; i < end; i++) {
        const value = folded[i];
        sum += value;
        if (value > maximum) maximum = value;
      }
      sums[finestBase + partition] = sum;
      maxima[finestBase + partition] = maximum;
    }
    for (let level = finest - 1; level >= 0; level--) {
      const base = (1 << level) - 1;
      const childBase = (2 << level) - 1;
      for (let partition = 0; partition < 1 << level; partition++) {
        sums[base + partition] = sums[childBase + 2 * partition] + sums[childBase + 2 * partition + 1];
        const left = maxima[childBase + 2 * partition];
        const right = maxima[childBase + 2 * partition + 1];
        maxima[base + partition] = Math.max(left, right);
      }
    }

    let bestLevel = 0;
    let bestBits = Number.POSITIVE_INFINITY;
    for (let level = 0; level <= finest; level++) {
      const base = (1 << level) - 1;
      const size = count >> level;
      let bits = 0;
      let wide = false;
      for (let partition = 0; partition < 1 << level; partition++) {
        const values = partition === 0 ? size - order : size;
        const sum = sums[base + partition];
        const parameter = estimateParameter(sum, values);
        const rice = riceCostEstimate(sum, values, parameter);
        const escapeBits = ESCAPE_WIDTH_BITS + values * (32 - Math.clz32(maxima[base + partition]));
        if (rice <= escapeBits) {
          bits += rice;
          if (parameter > MAX_RICE_PARAMETER) wide = true;
        } else bits += escapeBits;
      }
      bits += (wide ? 5 : 4) << level;
      if (bits < bestBits) {
        bestBits = bits;
        bestLevel = level;
      }
    }
    return RESIDUAL_HEADER_BITS + this.refine(count, order, bestLevel);
  }

  /** Exact best parameters (estimate ± 1) or escapes for the partitions of `level`; returns their bits. */
  private refine(count: number, order: number, level: number): number {
    const folded = this.folded;
    const sums = this.levelSums;
    const maxima = this.levelMaxima;
    const base = (1 << level) - 1;
    const size = count >> level;
    let bits = 0;
    let wide = false;
    for (let partition = 0; partition < 1 << level; partition++) {
      const start = partition === 0 ? order : partition * size;
      const end = (partition + 1) * size;
      const values = end - start;
      const estimate = estimateParameter(sums[base + partition], values);
      const low = estimate > 0 ? estimate - 1 : 0;
      const middle = low + 1;
      const high = low + 2;
      let quotientsLow = 0;
      let quotientsMiddle = 0;
      let quotientsHigh = 0;
      for (let i = start; i < end; i++) {
        const value = folded[i];
        quotientsLow += value >>> low;
        quotientsMiddle += value >>> middle;
        quotientsHigh += value >>> high;
      }
      let parameter = low;
      let rice = quotientsLow + values * (low + 1);
      const costMiddle = quotientsMiddle + values * (middle + 1);
      if (costMiddle < rice) {
      parameter = middle;
      rice = costMiddle;
    }
      const costHigh = quotientsHigh + values * (high + 1);
      if (costHigh < rice && high <= MAX_RICE2_PARAMETER) {
      parameter = high;
      rice = costHigh;
    }
      const width = 32 - Math.clz32(maxima[base + partition]);
      const escapeBits = ESCAPE_WIDTH_BITS + values * width;
      if (escapeBits < rice || parameter > MAX_RICE2_PARAMETER) {
        this.parameters[partition] = -1;
        this.escapeWidths[partition] = width;
        bits += escapeBits;
      } else {
        this.parameters[partition] = parameter;
        if (parameter > MAX_RICE_PARAMETER) wide = true;
        bits += rice;
      }
    }
    this.partitionOrder = level;
    this.method = wide ? 1 : 0;
    return bits + ((wide ? 5 : 4) << level);
  }

  private writeResidual(writer: FlacBitWriter, count: number, order: number): void {
    const level = this.partitionOrder;
    const method = this.method;
    const parameterBits = method === 0 ? 4 : 5;
    const escapeCode = method === 0 ? ESCAPE_RICE : ESCAPE_RICE2;
    writer.writeBits(method, 2);
    writer.writeBits(level, 4);
    const folded = this.folded;
    const size = count >> level;
    for (let partition = 0; partition < 1 << level; partition++) {
      const start = partition === 0 ? order : partition * size;
      const end = (partition + 1) * size;
      const parameter = this.parameters[partition];
      if (parameter < 0) {
        const width = this.escapeWidths[partition];
        writer.writeBits(escapeCode, parameterBits);
        writer.writeBits(width, ESCAPE_WIDTH_BITS);
        if (width > 0) for (let i = start; i < end; i++) writer.writeSigned((folded[i] >>> 1) ^ -(folded[i] & 1), width);
      } else {
        writer.writeBits(parameter, parameterBits);
        writeRice(writer, folded, start, end, parameter);
      }
    }
  }
}

/** folded[i] = zigzag(samples[i] − fixed prediction of `order`) for i in [order, count). */
function foldFixedResidual(s: Int32Array, count: number, order: number, folded: Uint32Array): void {
  if (order === 0) {
    for (let i = 0; i < count; i++) {
      const r = s[i];
      folded[i] = (r << 1) ^ (r >> 31);
    }
  } else if (order === 1) {
    for (let i = 1; i < count; i++) {
      const r = s[i] - s[i - 1];
      folded[i] = (r << 1) ^ (r >> 31);
    }
  } else if (order === 2) {
    for (let i = 2; i < count; i++) {
      const r = s[i] - 2 * s[i - 1] + s[i - 2];
      folded[i] = (r << 1) ^ (r >> 31);
    }
  } else if (order === 3) {
    for (let i = 3; i < count; i++) {
      const r = s[i] - 3 * (s[i - 1] - s[i - 2]) - s[i - 3];
      folded[i] = (r << 1) ^ (r >> 31);
    }
  } else {
    for (let i = 4; i < count; i++) {
      const r = s[i] - 4 * (s[i - 1] + s[i - 3]) + 6 * s[i - 2] + s[i - 4];
      folded[i] = (r << 1) ^ (r >> 31);
    }
  }
}

/** Rice codes of folded[start, end) with `parameter`, on local copies of the writer's word. */
function writeRice(writer: FlacBitWriter, folded: Uint32Array, start: number, end: number, parameter: number): void {
  const view = writer.view;
  let byteLength = writer.byteLength;
  let word = writer.word;
  let pending = writer.pendingBits;
  const stop = 1 << parameter;
  const lowMask = stop - 1;
  for (let i = start; i < end; i++) {
    const value = folded[i];
    let zeros = value >>> parameter;
    // Long quotients: 31 zero bits at a time.
    while (zeros + parameter + 1 > 31) {
      const chunk = Math.min(zeros, 31);
      const total = pending + chunk;
      if (total < 32) {
        word <<= chunk;
        pending = total;
      } else {
        view.setUint32(byteLength, (word << (32 - pending)) >>> 0);
        byteLength += 4;
        word = 0;
        pending = total - 32;
      }
      zeros -= chunk;
    }
    const bits = stop | (value & lowMask);
    const count = zeros + parameter + 1;
    const total = pending + count;
    if (total < 32) {
      word = (word << count) | bits;
      pending = total;
    } else {
      const spill = total - 32;
      view.setUint32(byteLength, ((word << (32 - pending)) | (bits >>> spill)) >>> 0);
      byteLength += 4;
      word = spill === 0 ? 0 : bits & ((1 << spill) - 1);
      pending = spill;
    }
  }
  writer.byteLength = byteLength;
  writer.word = word;
  writer.pendingBits = pending;
}
