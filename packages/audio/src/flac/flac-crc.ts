/**
 * The two checksums of a FLAC frame: CRC-8 (polynomial x^8 + x^2 + x + 1) over the header and CRC-16
 * (x^16 + x^15 + x^2 + 1) over the whole frame, both MSB-first with zero initial value.
 * CRC-16 runs two bytes per step (a 64 Ki-entry table), the cheapest table-driven form in JavaScript.
 */

function buildCrc8Table(): Uint8Array {
  const table = new Uint8Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
    table[byte] = crc;
  }
  return table;
}

function buildCrc16Tables(): { byteTable: Uint16Array; pairTable: Uint16Array } {
  const byteTable = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
    byteTable[byte] = crc;
  }
  // pairTable[x] = CRC-16 contribution of the 16-bit value x shifted through two byte steps.
  const pairTable = new Uint16Array(65536);
  for (let pair = 0; pair < 65536; pair++) {
    const high = byteTable[pair >>> 8];
    pairTable[pair] = ((high << 8) & 0xffff) ^ byteTable[(high >>> 8) ^ (pair & 0xff)];
  }
  return { byteTable, pairTable };
}

const CRC8_TABLE = buildCrc8Table();
const { byteTable: CRC16_TABLE, pairTable: CRC16_PAIR_TABLE } = buildCrc16Tables();

/** CRC-8 of bytes[start, end). */
export function flacCrc8(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let index = start; index < end; index++) crc = CRC8_TABLE[crc ^ bytes[index]];
  return crc;
}

/** CRC-16 of bytes[start, end). */
export function flacCrc16(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  let index = start;
  const pairEnd = end - 1;
  for (; index < pairEnd; index += 2) crc = CRC16_PAIR_TABLE[crc ^ ((bytes[index] << 8) | bytes[index + 1])];
  if (index < end) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[(crc >>> 8) ^ bytes[index]];
  return crc;
}
