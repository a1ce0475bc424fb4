import type { FieldReader } from '@tessera/core';
import type { TokenDType } from '../tokenizer/tokenizer-identity.js';

/** Ids as stored: u16 or u32, little-endian (the typed arrays of this little-endian host). */
export type StoredTokenIds = Uint16Array | Uint32Array;

/** The value forms accepted as pre-tokenized ids. */
export type TokenIdsInput = readonly number[] | Uint8Array | Uint16Array | Uint32Array | Int32Array;

export function isTokenIdsInput(value: unknown): value is TokenIdsInput {
  return (
    Array.isArray(value) || value instanceof Uint16Array || value instanceof Uint32Array || value instanceof Int32Array || value instanceof Uint8Array
  );
}

/** Throws unless every id is an integer in [0, vocabularySize). */
export function checkTokenIds(ids: ArrayLike<number>, vocabularySize: number, what = 'token id'): void {
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index];
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= vocabularySize) {
      throw new RangeError(`${what} ${index} is ${JSON.stringify(id) ?? String(id)}, expected an integer from 0 to ${vocabularySize - 1} (the vocabulary size is ${vocabularySize})`);
    }
  }
}

/** A growable byte scratch per thread: `encode` is synchronous and `allocate` copies, so one buffer serves every sample. */
export class Scratch {
  private buffer = new ArrayBuffer(1 << 16);

  /** A byte view of at least `byteLength` bytes at offset 0 (4-aligned). */
  bytes(byteLength: number): Uint8Array {
    if (this.buffer.byteLength < byteLength) this.buffer = new ArrayBuffer(Math.max(byteLength, this.buffer.byteLength * 2));
    return new Uint8Array(this.buffer, 0, byteLength);
  }
}

/** Writes `ids` as u16 or u32 into `target` at `byteOffset` (4-aligned scratch) and returns the byte length. */
export function writeTokenIds(ids: ArrayLike<number>, dtype: TokenDType, target: Uint8Array, byteOffset: number): number {
  if (dtype === 'uint16') {
    const view = new Uint16Array(target.buffer, target.byteOffset + byteOffset, ids.length);
    for (let index = 0; index < ids.length; index++) view[index] = ids[index]!;
    return ids.length * 2;
  }
  const view = new Uint32Array(target.buffer, target.byteOffset + byteOffset, ids.length);
  for (let index = 0; index < ids.length; index++) view[index] = ids[index]!;
  return ids.length * 4;
}

/** A fresh typed array holding `count` ids stored at `pointer`. */
export function readTokenIds(field: FieldReader, pointer: number, count: number, dtype: TokenDType): StoredTokenIds {
  const ids = dtype === 'uint16' ? new Uint16Array(count) : new Uint32Array(count);
  if (count > 0) field.copyBytes(pointer, ids.byteLength, new Uint8Array(ids.buffer), 0);
  return ids;
}

/** Throws unless [pointer, pointer + byteLength) lies in the data region. */
export function checkPayload(field: FieldReader, sampleIndex: number, pointer: number, byteLength: number, what: string): void {
  if (byteLength === 0) return;
  if (!(pointer >= field.dataStart && pointer + byteLength <= field.dataEnd)) {
    throw new RangeError(`sample ${sampleIndex}: ${what} (${byteLength} bytes at ${pointer}) lies outside the data region [${field.dataStart}, ${field.dataEnd})`);
  }
}
