import {
  type TokenDType,
  type TokenizerIdentity,
  checkVocabularySize,
  normalizeTokenizerIdentity,
  tokenDTypeFor,
} from '../tokenizer/tokenizer-identity.js';

/** The tokenizer part shared by the token-id fields' arguments. */
export type TokenSource = {
  /** The tokenizer the writer used; null for fields written from pre-tokenized ids only. */
  tokenizer: TokenizerIdentity | null;
  /** Ids are in [0, vocabularySize). */
  vocabularySize: number;
  /** The narrowest storage for the vocabulary: uint16 up to 65,536 ids, else uint32. */
  dtype: TokenDType;
};

/** Validates the tokenizer, the vocabulary size and the dtype together (idempotent). */
export function normalizeTokenSource(args: Partial<TokenSource>): TokenSource {
  const tokenizer = args.tokenizer === null || args.tokenizer === undefined ? null : normalizeTokenizerIdentity(args.tokenizer);
  const vocabularySize = checkVocabularySize(args.vocabularySize ?? tokenizer?.vocabularySize, 'vocabularySize');
  if (tokenizer !== null && tokenizer.vocabularySize !== vocabularySize) {
    throw new RangeError(`vocabularySize ${vocabularySize} differs from the tokenizer's ${tokenizer.vocabularySize}`);
  }
  const dtype = tokenDTypeFor(vocabularySize);
  if (args.dtype !== undefined && args.dtype !== dtype) {
    throw new RangeError(`dtype must be ${JSON.stringify(dtype)} for a vocabulary of ${vocabularySize} ids (the narrowest that holds it), got ${JSON.stringify(args.dtype)}`);
  }
  return { tokenizer, vocabularySize, dtype };
}

export function checkArgumentsObject(args: unknown, fieldConstructor: string): Record<string, unknown> {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new TypeError(`${fieldConstructor} arguments must be an object, got ${JSON.stringify(args)}`);
  return args as Record<string, unknown>;
}

export function checkKnownArguments(args: Record<string, unknown>, known: readonly string[], fieldConstructor: string): void {
  for (const key of Object.keys(args)) {
    if (!known.includes(key)) throw new TypeError(`${fieldConstructor} has no argument "${key}"; its arguments are ${known.join(', ')}`);
  }
}
