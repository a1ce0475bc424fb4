import type { FieldReader } from '@tessera/core';

/** Throws unless [pointer, pointer + byteLength) lies in the data region (for `validate` hooks). */
export function checkPayloadRange(field: FieldReader, sampleIndex: number, pointer: number, byteLength: number, what: string): void {
  if (byteLength === 0) return;
  if (!(pointer >= field.dataStart && pointer + byteLength <= field.dataEnd)) {
    throw new RangeError(`sample ${sampleIndex}: ${what} (${byteLength} bytes at ${pointer}) lies outside the data region [${field.dataStart}, ${field.dataEnd})`);
  }
}

/** A growable, 8-aligned scratch buffer (one per decoder instance or per encoding thread). */
export class ByteScratch {
  private buffer = new ArrayBuffer(1 << 16);

  /** A byte view of at least `byteLength` bytes at offset 0. The memory is reused by the next call. */
  bytes(byteLength: number): Uint8Array {
    if (this.buffer.byteLength < byteLength) this.buffer = new ArrayBuffer(Math.max(byteLength, this.buffer.byteLength * 2));
    return new Uint8Array(this.buffer, 0, byteLength);
  }

  get arrayBuffer(): ArrayBuffer {
    return this.buffer;
  }
}
