/** A satisfiable `Range: bytes=…` request, as inclusive byte offsets. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Reads a `Range` header against a body of `byteLength` bytes (RFC 9110 §14): a single range gives
 * its offsets, an unsatisfiable one 'unsatisfiable' (416); no header, another unit, several ranges or
 * a malformed one give undefined — the whole body (200), which the RFC allows a server to send.
 */
export function parseByteRange(header: string | undefined, byteLength: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, startText, endText] = match as unknown as [string, string, string];
  if (startText === '' && endText === '') return undefined;
  if (startText === '') {
    // A suffix: the last N bytes.
    const suffixByteLength = Number(endText);
    if (suffixByteLength === 0 || byteLength === 0) return 'unsatisfiable';
    return { start: Math.max(0, byteLength - suffixByteLength), end: byteLength - 1 };
  }
  const start = Number(startText);
  const end = endText === '' ? byteLength - 1 : Math.min(Number(endText), byteLength - 1);
  if (endText !== '' && Number(endText) < start) return undefined;
  if (start >= byteLength) return 'unsatisfiable';
  return { start, end };
}
