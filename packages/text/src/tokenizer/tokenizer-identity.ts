/**
 * What a file records about the tokenizer a field was tokenized with (in the field arguments, so
 * it must stay small: the whole argument JSON of a field fits in 1016 bytes).
 *
 *   name            a human name: `name_or_path` or `tokenizer_class` of tokenizer_config.json,
 *                   else the folder name
 *   vocabularySize  the largest token id + 1 (vocabulary and added tokens): what the id dtype holds
 *   sha256          of the tokenizer.json bytes: the identity that is compared
 *   path            the absolute path the writer loaded it from: where workers (and, by default,
 *                   readers that detokenize) load it again
 */
export type TokenizerIdentity = {
  name: string;
  vocabularySize: number;
  sha256: string;
  path: string;
};

/** Token ids are stored as u16 while every id fits (vocabulary ≤ 65,536), else as u32. */
export type TokenDType = 'uint16' | 'uint32';

export const MAX_UINT16_VOCABULARY_SIZE = 65_536;
/** Ids are written as u32 and decoded to int32: the vocabulary must fit in int32. */
export const MAX_VOCABULARY_SIZE = 2 ** 31;

const MAX_NAME_LENGTH = 120;
const MAX_PATH_LENGTH = 600;

export function tokenDTypeFor(vocabularySize: number): TokenDType {
  return vocabularySize <= MAX_UINT16_VOCABULARY_SIZE ? 'uint16' : 'uint32';
}

export function tokenByteLength(dtype: TokenDType): 2 | 4 {
  return dtype === 'uint16' ? 2 : 4;
}

export function checkVocabularySize(value: unknown, what: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > MAX_VOCABULARY_SIZE) {
    throw new RangeError(`${what} must be an integer from 1 to 2^31, got ${JSON.stringify(value)}`);
  }
  return value as number;
}

/** Validates stored or given identity arguments (idempotent). */
export function normalizeTokenizerIdentity(value: unknown): TokenizerIdentity {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`tokenizer must be { name, vocabularySize, sha256, path } (made by the field constructor from a tokenizer.json path), got ${JSON.stringify(value)}`);
  }
  const { name, vocabularySize, sha256, path } = value as Partial<TokenizerIdentity>;
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new TypeError(`tokenizer.name must be a string of 1 to ${MAX_NAME_LENGTH} characters, got ${JSON.stringify(name)}`);
  }
  checkVocabularySize(vocabularySize, 'tokenizer.vocabularySize');
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
    throw new TypeError(`tokenizer.sha256 must be 64 lowercase hex digits, got ${JSON.stringify(sha256)}`);
  }
  if (typeof path !== 'string' || path.length === 0 || path.length > MAX_PATH_LENGTH) {
    throw new TypeError(`tokenizer.path must be a path of 1 to ${MAX_PATH_LENGTH} characters, got ${JSON.stringify(path)}`);
  }
  return { name, vocabularySize: vocabularySize!, sha256, path };
}

/** `GPT3_5Tokenizer (vocabulary 100277, sha256 5f0d3a1c…)`. */
export function describeTokenizer(identity: TokenizerIdentity): string {
  return `${identity.name} (vocabulary ${identity.vocabularySize}, tokenizer.json sha256 ${identity.sha256})`;
}
