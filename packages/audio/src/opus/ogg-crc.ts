/** Ogg's page checksum: CRC-32, polynomial 0x04C11DB7, not reflected, initial value 0, no final xor. */
const OGG_CRC_TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let index = 0; index < 256; index++) {
    let value = index << 24;
    for (let bit = 0; bit < 8; bit++) value = value & 0x80000000 ? (value << 1) ^ 0x04c11db7 : value << 1;
    table[index] = value >>> 0;
  }
  return table;
}

/** CRC of bytes [start, end), with the page's own checksum field (bytes 22–25 of the page at `pageStart`) read as zero. */
export function oggPageCrc(bytes: Uint8Array, pageStart: number, pageEnd: number): number {
  let crc = 0;
  for (let offset = pageStart; offset < pageEnd; offset++) {
    const byte = offset - pageStart >= 22 && offset - pageStart < 26 ? 0 : bytes[offset]!;
    crc = ((crc << 8) ^ OGG_CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  }
  return crc;
}
