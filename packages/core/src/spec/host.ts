import { TesseraError } from '../errors.js';

/** Typed-array fast paths assume a little-endian host, like the format itself. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function assertLittleEndianHost(): void {
  if (!HOST_IS_LITTLE_ENDIAN) {
    throw new TesseraError('E_ARGUMENT', 'Tessera needs a little-endian CPU (x86-64, arm64); this host is big-endian');
  }
}
