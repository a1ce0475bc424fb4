/** Hex of the first bytes (the page shows `bytes` fields as size and hex head). */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

const BINARY_HEAD_BYTE_LENGTH = 64;

/**
 * JSON for values plugins return: bigints as decimal strings (int64 beyond 2^53), non-finite numbers
 * as their names ("NaN", "-Infinity", which JSON has no literal for), binary data as size and hex head.
 */
export function stringifyForPage(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'bigint') return item.toString();
    if (typeof item === 'number' && !Number.isFinite(item)) return String(item);
    if (item instanceof Uint8Array) return { byteLength: item.byteLength, head: toHex(item.subarray(0, BINARY_HEAD_BYTE_LENGTH)) };
    if (ArrayBuffer.isView(item) && !(item instanceof DataView)) return Array.from(item as unknown as ArrayLike<number | bigint>, (element) => (typeof element === 'bigint' ? element.toString() : element));
    return item;
  });
}
