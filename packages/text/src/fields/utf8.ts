/** UTF-8 helpers shared by the text codecs. */

export const utf8Encoder = new TextEncoder();
export const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Throws unless `text` is a string without lone surrogates (which UTF-8 cannot hold: they would come back as U+FFFD). */
export function checkText(text: unknown, what = 'text'): asserts text is string {
  if (typeof text !== 'string') throw new TypeError(`${what} is ${text === null ? 'null' : Array.isArray(text) ? 'an array' : typeof text}, expected a string`);
  const wellFormed = (text as unknown as { isWellFormed?: () => boolean }).isWellFormed;
  const index = wellFormed === undefined ? findLoneSurrogate(text) : wellFormed.call(text) ? -1 : findLoneSurrogate(text);
  if (index >= 0) {
    throw new RangeError(`${what} has a lone surrogate (U+${text.charCodeAt(index).toString(16).toUpperCase()} at index ${index}), which UTF-8 cannot store; fix the string (e.g. text.toWellFormed())`);
  }
}

function findLoneSurrogate(text: string): number {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        index++;
        continue;
      }
      return index;
    }
    if (code >= 0xdc00 && code <= 0xdfff) return index;
  }
  return -1;
}

/**
 * The largest length ≤ `limit` that does not cut a UTF-8 character of `bytes[0, byteLength)` in two,
 * so truncated text stays valid UTF-8.
 */
export function utf8BoundaryAtOrBefore(bytes: Uint8Array, byteLength: number, limit: number): number {
  if (byteLength <= limit) return byteLength;
  let end = limit;
  // Continuation bytes are 10xxxxxx: step back to the first byte of the character at `end`.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return end;
}
