import type { FieldPreview, FieldReader } from '@tessera/core';
import { type ReaderContext, tokenizerForReading } from '../tokenizer/reader-tokenizer.js';
import type { TokenizerIdentity } from '../tokenizer/tokenizer-identity.js';

/**
 * A text preview of stored ids: the text detokenized as the `text` decoder does (the reader's or the
 * recorded tokenizer, checked to be the one written with), and each token's own text. Ids without a
 * tokenizer (`vocabularySize` only) show as numbers: the text is the ids, each token `#id`.
 */
export function tokenIdsPreview(field: FieldReader, ids: ArrayLike<number>, recorded: TokenizerIdentity | null, context: ReaderContext): FieldPreview {
  const tokens: { id: number; text: string }[] = new Array(ids.length);
  if (recorded === null) {
    for (let index = 0; index < ids.length; index++) tokens[index] = { id: ids[index]!, text: `#${ids[index]}` };
    return { kind: 'text', text: Array.from(ids).join(' '), tokens };
  }
  const tokenizer = tokenizerForReading(field, recorded, context, 'preview');
  const single = [0];
  for (let index = 0; index < ids.length; index++) {
    single[0] = ids[index]!;
    tokens[index] = { id: ids[index]!, text: tokenizer.decode(single, false) };
  }
  return { kind: 'text', text: tokenizer.decode(ids, false), tokens };
}
