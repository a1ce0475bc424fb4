/**
 * MSB-first bit reader over a byte view, as FLAC frames are coded. Its state is one number, the bit
 * position counted from `base` (the frame's first byte, so it stays far below 2^31); `peek32` gives the 32 bits there with one big-endian DataView load (plus one byte), and the
 * residual decoder (flac-residual.ts) runs the same arithmetic on a local copy of the position.
 * Bytes at or past `end` read as zero, so nothing is read out of bounds; a `bitPosition` past
 * `end * 8` tells the caller the data ran out.
 */
import { AudioFormatError } from '../audio-errors.js';

const EMPTY = new Uint8Array(8);
const TWO_POW_24 = 2 ** 24;

export class FlacBitReader {
  bytes: Uint8Array = EMPTY;
  view: DataView<ArrayBufferLike> = new DataView(EMPTY.buffer);
  /** Byte offset where bit position 0 is. */
  base = 0;
  /** Bytes at or after `end` read as zero bits. */
  end = 0;
  /** Positions below this may use the fast peek (5 bytes readable before `end`). */
  fastLimit = 0;
  /** Bits consumed since byte `base` of `bytes`. */
  bitPosition = 0;

  reset(bytes: Uint8Array, byteOffset: number, end: number): void {
    if (bytes !== this.bytes) {
      this.bytes = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    this.base = byteOffset;
    this.end = end;
    this.fastLimit = (end - byteOffset - 5) * 8;
    this.bitPosition = 0;
  }

  /** Byte offset in `bytes` of the current position (rounded down). */
  get byteOffset(): number {
    return this.base + (this.bitPosition >>> 3);
  }

  /** The 32 bits at bit position `position` (zeros past `end`). */
  peek32(position: number): number {
    const byteIndex = this.base + (position >>> 3);
    const shift = position & 7;
    if (position < this.fastLimit) return (this.view.getUint32(byteIndex) << shift) | (this.view.getUint8(byteIndex + 4) >>> (8 - shift));
    let word = 0;
    for (let index = 0; index < 5; index++) {
      const byte = byteIndex + index < this.end ? this.bytes[byteIndex + index] : 0;
      word = index < 4 ? (word << 8) | byte : (word << shift) | (byte >>> (8 - shift));
    }
    return word;
  }

  /** An unsigned value of 1–24 bits. */
  readBits(count: number): number {
    const value = this.peek32(this.bitPosition) >>> (32 - count);
    this.bitPosition += count;
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
      const word = this.peek32(this.bitPosition);
      if (word !== 0) {
        const zeros = Math.clz32(word);
        this.bitPosition += zeros + 1;
        return count + zeros;
      }
      count += 32;
      this.bitPosition += 32;
      if (this.bitPosition > (this.end - this.base) * 8) {
        throw new AudioFormatError(`FLAC data ends inside a unary code (${count} zero bits)`, { byteOffset: this.end });
      }
    }
  }

  /** Skips to the next byte boundary. */
  alignToByte(): void {
    this.bitPosition = (this.bitPosition + 7) & ~7;
  }
}
