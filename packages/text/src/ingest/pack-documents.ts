import type { PackedChunk } from '../fields/packed-tokens-codec.js';
import type { TokenDType } from '../tokenizer/tokenizer-identity.js';

export interface PackOptions {
  /** T: tokens per chunk. */
  windowLength: number;
  /** Appended after every document; null for none. */
  separatorId: number | null;
  /** The array type of the chunks' ids. Default 'uint32'. */
  dtype?: TokenDType;
}

/** How many chunks `packDocuments` makes of documents with these token counts. */
export function countPackedTokens(documentLengths: Iterable<number>, separatorId: number | null): number {
  let total = 0;
  for (const length of documentLengths) if (length > 0 || separatorId !== null) total += length + (separatorId === null ? 0 : 1);
  return total;
}

/**
 * Packs tokenized documents into the values of a `packedTokens` field: the documents, each followed
 * by the separator, concatenated into one stream and cut into chunks of `windowLength` tokens (the
 * last may be shorter), each with the offsets where documents start and the position of its first
 * token in its document. Every chunk owns its arrays (the writer may hold several at once).
 */
export function* packDocuments(documents: Iterable<ArrayLike<number>>, options: PackOptions): Generator<PackedChunk> {
  const { windowLength, separatorId } = options;
  const newIds = () => (options.dtype === 'uint16' ? new Uint16Array(windowLength) : new Uint32Array(windowLength));
  let ids = newIds();
  let filled = 0;
  let documentStarts: number[] = [];
  let firstPosition = 0;
  let position = 0;
  for (const document of documents) {
    const length = document.length + (separatorId === null ? 0 : 1);
    if (length === 0) continue;
    position = 0;
    let index = 0;
    documentStarts.push(filled);
    while (index < length) {
      if (filled === 0) firstPosition = position;
      const take = Math.min(length - index, windowLength - filled);
      for (let step = 0; step < take; step++, index++) ids[filled++] = index < document.length ? document[index]! : separatorId!;
      position += take;
      if (filled === windowLength) {
        yield { ids, documentStarts, firstPosition };
        ids = newIds();
        filled = 0;
        documentStarts = [];
      }
    }
  }
  if (filled > 0) yield { ids: ids.subarray(0, filled), documentStarts, firstPosition };
}
