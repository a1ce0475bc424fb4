/** Strong entity tags and the conditional request headers that compare them (RFC 9110 §8.8, §13). */

/** A strong, quoted ETag from a file's size and modification time in nanoseconds. */
export function fileEntityTag(byteLength: bigint, modifiedNs: bigint): string {
  return `"${byteLength.toString(16)}-${modifiedNs.toString(16)}"`;
}

const ENTITY_TAG = /(W\/)?"([^"]*)"/g;

/**
 * Whether an `If-Match` header lets the request through for a resource with `currentTag`: `*`,
 * or a strong tag in the list equal to it (weak tags never match, per strong comparison).
 */
export function ifMatchPasses(header: string, currentTag: string): boolean {
  if (header.trim() === '*') return true;
  for (const match of header.matchAll(ENTITY_TAG)) {
    if (match[1] === undefined && `"${match[2]}"` === currentTag) return true;
  }
  return false;
}

/** Whether an `If-None-Match` header matches (weak comparison): true means 304 for GET/HEAD. */
export function ifNoneMatchMatches(header: string, currentTag: string): boolean {
  if (header.trim() === '*') return true;
  for (const match of header.matchAll(ENTITY_TAG)) {
    if (`"${match[2]}"` === currentTag) return true;
  }
  return false;
}

/** An HTTP date in whole seconds since the epoch, or `undefined` when the header is not a date. */
export function httpDateSeconds(header: string): number | undefined {
  const milliseconds = Date.parse(header);
  return Number.isNaN(milliseconds) ? undefined : Math.floor(milliseconds / 1000);
}
