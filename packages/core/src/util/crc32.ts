import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';

/**
 * CRC-32 (zlib's polynomial) of page, metadata and table bytes: the writer checksums every byte it
 * writes on its main thread, so the speed of this function bounds the writer's (measured here:
 * zlib.crc32 5.5 GB/s, @node-rs/crc32 13.4 GB/s, the table loop ~0.4 GB/s).
 *
 * The implementation is the first that loads and gives the check value:
 * 1. `@node-rs/crc32` (an optional dependency: a prebuilt binary, carry-less multiply on x86-64
 *    and ARM), unless TESSERA_CRC32 is `zlib` or `table`;
 * 2. `zlib.crc32` (Node 20.15 and later), unless TESSERA_CRC32 is `table`;
 * 3. a table loop in JavaScript.
 * All three give the same values (the format does not depend on which one ran).
 */
type Crc32Function = (data: Uint8Array, previous: number) => number;

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let index = 0; index < 256; index++) {
    let value = index;
    for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
    table[index] = value >>> 0;
  }
  return table;
})();

function tableCrc32(data: Uint8Array, previous: number): number {
  let crc = ~previous >>> 0;
  for (let index = 0; index < data.byteLength; index++) crc = TABLE[(crc ^ data[index]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** CRC-32 of "123456789", and of it continued from the value of "1234" (the chaining every caller relies on). */
const CHECK_INPUT = new TextEncoder().encode('123456789');
const CHECK_VALUE = 0xcbf43926;

function passesCheck(candidate: Crc32Function): boolean {
  try {
    if (candidate(CHECK_INPUT, 0) >>> 0 !== CHECK_VALUE) return false;
    return candidate(CHECK_INPUT.subarray(4), candidate(CHECK_INPUT.subarray(0, 4), 0)) >>> 0 === CHECK_VALUE;
  } catch {
    return false;
  }
}

function loadNodeRs(): Crc32Function | undefined {
  try {
    const module = createRequire(import.meta.url)('@node-rs/crc32') as { crc32?: (data: Uint8Array, initial?: number) => number };
    const native = module.crc32;
    if (typeof native !== 'function') return undefined;
    return (data, previous) => native(data, previous);
  } catch {
    return undefined;
  }
}

function choose(): { name: Crc32Implementation; run: Crc32Function } {
  const wanted = process.env.TESSERA_CRC32;
  if (wanted !== 'zlib' && wanted !== 'table') {
    const nodeRs = loadNodeRs();
    if (nodeRs !== undefined && passesCheck(nodeRs)) return { name: '@node-rs/crc32', run: nodeRs };
  }
  const native = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
  if (wanted !== 'table' && native !== undefined) {
    const run: Crc32Function = (data, previous) => native(data, previous);
    if (passesCheck(run)) return { name: 'zlib', run };
  }
  return { name: 'table', run: tableCrc32 };
}

/** Which implementation computes checksums in this process. */
export type Crc32Implementation = '@node-rs/crc32' | 'zlib' | 'table';

const chosen = choose();
const run = chosen.run;

/** The CRC-32 implementation this process uses (for benchmarks and `tessera doctor`-style reports). */
export const crc32Implementation: Crc32Implementation = chosen.name;

/** CRC-32 (zlib's polynomial), continuing from `previous`. */
export function crc32(data: Uint8Array, previous = 0): number {
  // zlib.crc32 of no bytes is 0 whatever `previous` (Node 20.15): a chain must keep its value.
  if (data.byteLength === 0) return previous >>> 0;
  return run(data, previous) >>> 0;
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
