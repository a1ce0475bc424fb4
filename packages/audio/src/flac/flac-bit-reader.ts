/**
 * MSB-first bit reader over a byte view, as FLAC frames are coded. Bits are taken into a 32-bit cache
 * (`word`, left-aligned, the bits below the valid ones zero); bytes at or past `end` read as zero, so
 * nothing is read out of bounds, and `bitPosition` past `end * 8` tells the caller the data ran out.
 * The residual decoder copies this state into locals for its inner loop (flac-residual.ts).
 */
import { AudioFormatError } from '../audio-errors.js';

const EMPTY = new Uint8Array(0);
const TWO_POW_24 = 2 ** 24;

export class FlacBitReader {
  bytes: Uint8Array = EMPTY;
  /** Bytes at or after `end` read as zero bits. */
  end = 0;
  /** Next byte to load into `word`. */
  position = 0;
  /** The next `bits` bits, left-aligned. */
  word = 0;
  bits = 0;

  reset(bytes: Uint8Array, byteOffset: number, end: number): void {
    this.bytes = bytes;
    this.end = end;
    this.position = byteOffset;
    this.word = 0;
    this.bits = 0;
  }

  /** Bits consumed since byte 0 of `bytes`. */
  get bitPosition(): number {
    return this.position * 8 - this.bits;
  }

  /** Fills the cache to at least 25 bits. */
  refill(): void {
    const bytes = this.bytes;
    const end = this.end;
    let position = this.position;
    let word = this.word;
    let bits = this.bits;
    while (bits <= 24) {
      if (position < end) word |= bytes[position] << (24 - bits);
      position++;
      bits += 8;
    }
    this.position = position;
    this.word = word;
    this.bits = bits;
  }

  /** An unsigned value of 1–24 bits. */
  readBits(count: number): number {
    if (this.bits < count) this.refill();
    const value = this.word >>> (32 - count);
    this.word <<= count;
    this.bits -= count;
    return value;
  }

  /** An unsigned value of 0–48 bits (exact as a double). */
  readLong(count: number): number {
    if (count === 0) return 0;
    if (count <= 24) return this.readBits(count);
    const high = this.readBits(count - 24);
    return high * TWO_POW_24 + this.readBits(24);
  }

  /** A two's complement value of 1–33 bits. */
  readSigned(count: number): number {
    if (count <= 24) {
      const shift = 32 - count;
      return (this.readBits(count) << shift) >> shift;
    }
    const value = this.readLong(count);
    const half = 2 ** (count - 1);
    return value >= half ? value - 2 * half : value;
  }

  /** Counts zero bits up to and including the next one bit; returns the count of zeros. */
  readUnary(): number {
    let count = 0;
    for (;;) {
      if (this.bits === 0) this.refill();
      const word = this.word;
      if (word !== 0) {
        const zeros = Math.clz32(word);
        this.word = (word << zeros) << 1;
        this.bits -= zeros + 1;
        return count + zeros;
      }
      count += this.bits;
      this.word = 0;
      this.bits = 0;
      if (this.position > this.end + 4) {
        throw new AudioFormatError(`FLAC data ends inside a unary code (${count} zero bits)`, { byteOffset: this.end });
      }
    }
  }

  /** Drops the bits up to the next byte boundary. */
  alignToByte(): void {
    const drop = this.bits & 7;
    this.word <<= drop;
    this.bits -= drop;
  }
}
