/**
 * MSB-first bit writer for FLAC frames: one growable byte buffer, bits gathered in a 32-bit word and
 * stored with one big-endian DataView write per 32 bits. Capacity is reserved per frame (`reserve`),
 * never per value, so the hot loops only shift and store. The Rice loop in flac-encode-subframe.ts
 * runs the same arithmetic on local copies of `word` and `pendingBits`.
 */

export class FlacBitWriter {
  bytes = new Uint8Array(1 << 16);
  view = new DataView(this.bytes.buffer);
  /** Whole bytes written. */
  byteLength = 0;
  /** Bits not yet stored, right-aligned in `word` (0–31 of them). */
  word = 0;
  pendingBits = 0;

  /** Starts a new output (the buffer is kept). */
  clear(): void {
    this.byteLength = 0;
    this.word = 0;
    this.pendingBits = 0;
  }

  /** Makes room for `byteCount` more bytes (plus the 4 a word store may run ahead). */
  reserve(byteCount: number): void {
    const needed = this.byteLength + byteCount + 8;
    if (needed <= this.bytes.length) return;
    let length = this.bytes.length * 2;
    while (length < needed) length *= 2;
    const bytes = new Uint8Array(length);
    bytes.set(this.bytes.subarray(0, this.byteLength));
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer);
  }

  /** Writes the low `count` bits of `value` (count 0–31; value must be below 2^count). */
  writeBits(value: number, count: number): void {
    const total = this.pendingBits + count;
    if (total < 32) {
      this.word = (this.word << count) | value;
      this.pendingBits = total;
      return;
    }
    // pendingBits ≥ 1 here (count ≤ 31), so the shift by 32 − pendingBits is below 32.
    const spill = total - 32;
    this.view.setUint32(this.byteLength, ((this.word << (32 - this.pendingBits)) | (value >>> spill)) >>> 0);
    this.byteLength += 4;
    this.word = spill === 0 ? 0 : value & ((1 << spill) - 1);
    this.pendingBits = spill;
  }

  /** Writes `value` as `count`-bit two's complement (count 1–31). */
  writeSigned(value: number, count: number): void {
    this.writeBits(count === 31 ? value & 0x7fffffff : value & ((1 << count) - 1), count);
  }

  /** Pads with zero bits to a byte boundary and stores the pending bytes (`byteLength` is then exact). */
  alignToByte(): void {
    const padding = (8 - (this.pendingBits & 7)) & 7;
    if (padding !== 0) this.writeBits(0, padding);
    let bits = this.pendingBits;
    const word = this.word;
    while (bits > 0) {
      bits -= 8;
      this.bytes[this.byteLength++] = (word >>> bits) & 0xff;
    }
    this.word = 0;
    this.pendingBits = 0;
  }

  /** Stores a whole byte; only when byte-aligned (after `alignToByte`). */
  writeByte(value: number): void {
    this.bytes[this.byteLength++] = value;
  }
}
