/**
 * FLAC residuals: partitioned Rice codes with 4-bit (method 0) or 5-bit (method 1) parameters, and the
 * escape parameter (15 or 31) for partitions stored as raw n-bit signed values. The Rice loop is the
 * decoder's hottest code: the bit reader's state lives in locals for the length of a partition.
 */
import { AudioFormatError } from '../audio-errors.js';
import type { FlacBitReader } from './flac-bit-reader.js';

/**
 * Reads the residual of a subframe of `blockSize` samples with predictor order `order` into
 * residuals[order … blockSize − 1]. Every residual must fit in 32-bit two's complement.
 */
export function readFlacResidual(reader: FlacBitReader, blockSize: number, order: number, residuals: Int32Array): void {
  const method = reader.readBits(2);
  if (method > 1) throw new AudioFormatError(`FLAC residual uses the reserved coding method ${method}`, { byteOffset: reader.bitPosition >>> 3 });
  const parameterBits = method === 0 ? 4 : 5;
  const escapeParameter = method === 0 ? 15 : 31;
  const partitionOrder = reader.readBits(4);
  const partitionSize = blockSize >>> partitionOrder;
  if (partitionSize << partitionOrder !== blockSize || partitionSize < order) {
    throw new AudioFormatError(
      `FLAC residual partition order ${partitionOrder} does not fit a block of ${blockSize} samples with predictor order ${order}`,
      { byteOffset: reader.bitPosition >>> 3 },
    );
  }
  const partitions = 1 << partitionOrder;
  const bytes = reader.bytes;
  const end = reader.end;
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
    if (parameter > 24) {
      for (; index < partitionEnd; index++) residuals[index] = readLargeRice(reader, parameter);
      continue;
    }
    // A quotient at or above this limit makes the zigzag value reach 2^32: not a 32-bit residual.
    const quotientLimit = 2 ** (32 - parameter);
    const lowShift = 31 - parameter;
    let word = reader.word;
    let bits = reader.bits;
    let position = reader.position;
    for (; index < partitionEnd; index++) {
      if (bits <= 24) {
        do {
          if (position < end) word |= bytes[position] << (24 - bits);
          position++;
          bits += 8;
        } while (bits <= 24);
      }
      let quotient: number;
      if (word !== 0) {
        quotient = Math.clz32(word);
        word = (word << quotient) << 1;
        bits -= quotient + 1;
      } else {
        reader.word = word;
        reader.bits = bits;
        reader.position = position;
        quotient = reader.readUnary();
        word = reader.word;
        bits = reader.bits;
        position = reader.position;
      }
      if (quotient >= quotientLimit) throw overflow(quotient, parameter, position);
      if (bits < parameter) {
        do {
          if (position < end) word |= bytes[position] << (24 - bits);
          position++;
          bits += 8;
        } while (bits <= 24);
      }
      // (word >>> 1) >>> (31 − k): the top k bits, also for k = 0.
      const value = (quotient << parameter) | ((word >>> 1) >>> lowShift);
      word <<= parameter;
      bits -= parameter;
      residuals[index] = (value >>> 1) ^ -(value & 1);
    }
    reader.word = word;
    reader.bits = bits;
    reader.position = position;
  }
}

function overflow(quotient: number, parameter: number, byteOffset: number): AudioFormatError {
  return new AudioFormatError(`FLAC residual overflows 32 bits (Rice quotient ${quotient}, parameter ${parameter})`, { byteOffset });
}

/** One Rice value with a 25–30-bit parameter (rare: high-resolution noise). */
function readLargeRice(reader: FlacBitReader, parameter: number): number {
  const quotient = reader.readUnary();
  const value = quotient * 2 ** parameter + reader.readLong(parameter);
  if (value >= 2 ** 32) throw overflow(quotient, parameter, reader.bitPosition >>> 3);
  return value % 2 === 1 ? -(value + 1) / 2 : value / 2;
}
