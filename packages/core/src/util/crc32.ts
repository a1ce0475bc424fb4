import * as zlib from 'node:zlib';

const native = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let index = 0; index < 256; index++) {
    let value = index;
    for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
    table[index] = value >>> 0;
  }
  return table;
})();

/** CRC-32 (zlib's polynomial), continuing from `previous`. Uses zlib.crc32 when Node has it. */
export function crc32(data: Uint8Array, previous = 0): number {
  // zlib.crc32 of no bytes is 0 whatever `previous` (Node 20.15): a chain must keep its value.
  if (data.byteLength === 0) return previous >>> 0;
  if (native !== undefined) return native(data, previous) >>> 0;
  let crc = ~previous >>> 0;
  for (let index = 0; index < data.byteLength; index++) crc = TABLE[(crc ^ data[index]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

const ZEROS = new Uint8Array(1 << 20);

/** CRC-32 of `byteLength` zero bytes, continuing from `previous`. */
export function crc32Zeros(byteLength: number, previous = 0): number {
  let crc = previous;
  while (byteLength > 0) {
    const step = Math.min(byteLength, ZEROS.byteLength);
    crc = crc32(ZEROS.subarray(0, step), crc);
    byteLength -= step;
  }
  return crc;
}
