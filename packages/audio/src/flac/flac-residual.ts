/**
 * FLAC residuals: partitioned Rice codes with 4-bit (method 0) or 5-bit (method 1) parameters, and the
 * escape parameter (15 or 31) for partitions stored as raw n-bit signed values. The Rice loop is the
 * decoder's hottest code: per value, one 32-bit peek at the bit position (a local copy of the reader's),
 * a count of leading zeros for the quotient, and shifts for the k low bits.
 */
import { AudioFormatError } from '../audio-errors.js';
import type { FlacBitReader } from './flac-bit-reader.js';

/**
 * Reads the residual of a subframe of `blockSize` samples with predictor order `order` into
 * residuals[order … blockSize − 1]. Every residual must fit in 32-bit two's complement.
 */
export function readFlacResidual(reader: FlacBitReader, blockSize: number, order: number, residuals: Int32Array): void {
  const method = reader.readBits(2);
  if (method > 1) throw new AudioFormatError(`FLAC residual uses the reserved coding method ${method}`, { byteOffset: reader.byteOffset });
  const parameterBits = method === 0 ? 4 : 5;
  const escapeParameter = method === 0 ? 15 : 31;
  const partitionOrder = reader.readBits(4);
  const partitionSize = blockSize >>> partitionOrder;
  if (partitionSize << partitionOrder !== blockSize || partitionSize < order) {
    throw new AudioFormatError(
      `FLAC residual partition order ${partitionOrder} does not fit a block of ${blockSize} samples with predictor order ${order}`,
      { byteOffset: reader.byteOffset },
    );
  }
  const partitions = 1 << partitionOrder;
  const view = reader.view;
  const base = reader.base;
  const fastLimit = reader.fastLimit;
  let index = order;
  for (let partition = 0; partition < partitions; partition++) {
    const partitionEnd = (partition + 1) * partitionSize;
    const parameter = reader.readBits(parameterBits);
    if (parameter === escapeParameter) {
      const rawBits = reader.readBits(5);
      if (rawBits === 0) residuals.fill(0, index, partitionEnd);
      else for (; index < partitionEnd; index++) residuals[index] = reader.readSigned(rawBits);
      index = partitionEnd;
      continue;
    }
    // Fast path: the quotient's zeros, its stop bit and the k low bits all lie in one 32-bit peek.
    const maxQuotient = 31 - parameter;
    const lowShift = 31 - parameter;
    let position = reader.bitPosition;
    for (; index < partitionEnd; index++) {
      let word: number;
      if (position < fastLimit) {
        const byteIndex = base + (position >>> 3);
        const shift = position & 7;
        word = (view.getUint32(byteIndex) << shift) | (view.getUint8(byteIndex + 4) >>> (8 - shift));
      } else word = reader.peek32(position);
      const quotient = Math.clz32(word);
      if (quotient > maxQuotient) {
        reader.bitPosition = position;
        residuals[index] = readRiceSlowly(reader, parameter);
        position = reader.bitPosition;
        continue;
      }
      // (x >>> 1) >>> (31 − k): the top k bits of x, also for k = 0.
      const value = (quotient << parameter) | (((word << quotient) << 1) >>> 1 >>> lowShift);
      position += quotient + 1 + parameter;
      residuals[index] = (value >>> 1) ^ -(value & 1);
    }
    reader.bitPosition = position;
  }
}

/** One Rice value whose code does not fit in 32 bits (a long quotient or a 25–30-bit parameter). */
function readRiceSlowly(reader: FlacBitReader, parameter: number): number {
  const quotient = reader.readUnary();
  const value = quotient * 2 ** parameter + reader.readLong(parameter);
  if (value >= 2 ** 32) {
    throw new AudioFormatError(`FLAC residual overflows 32 bits (Rice quotient ${quotient}, parameter ${parameter})`, { byteOffset: reader.byteOffset });
  }
  return value % 2 === 1 ? -(value + 1) / 2 : value / 2;
}
