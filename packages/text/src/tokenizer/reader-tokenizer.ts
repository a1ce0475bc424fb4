import { type FieldReader, TesseraError } from '@tessera/core';
import { type TextTokenizer, identifyTokenizer, loadTokenizer } from './load-tokenizer.js';
import type { TokenizerIdentity } from './tokenizer-identity.js';
import { assertSameTokenizer } from './tokenizer-mismatch-error.js';

/** What a plugin instance knows about the reading side (from `textPlugin(options)`). */
export interface ReaderContext {
  /** The reader's tokenizer.json (textPlugin({ tokenizer })): fields must have been tokenized with it. */
  readonly tokenizerPath: string | undefined;
}

/** At open: a field tokenized with another tokenizer than the reader's is a TokenizerMismatchError. */
export function checkReaderTokenizer(field: FieldReader, recorded: TokenizerIdentity | null, context: ReaderContext): void {
  if (context.tokenizerPath === undefined || recorded === null) return;
  assertSameTokenizer(field.name, 'validate', recorded, identifyTokenizer(context.tokenizerPath));
}

/**
 * The tokenizer to detokenize a field with: the reader's (textPlugin({ tokenizer })) or else the one
 * at the path recorded in the file; either way its tokenizer.json must be the one the field was
 * written with (TokenizerMismatchError otherwise).
 */
export function tokenizerForReading(field: FieldReader, recorded: TokenizerIdentity | null, context: ReaderContext, hook: string): TextTokenizer {
  if (recorded === null) throw new TesseraError('E_ARGUMENT', `field "${field.name}" stores token ids without a tokenizer, so it cannot be detokenized`);
  let tokenizer: TextTokenizer;
  try {
    tokenizer = loadTokenizer(context.tokenizerPath ?? recorded.path);
  } catch (error) {
    if (context.tokenizerPath !== undefined) throw error;
    // The file is fine; the reader lacks the tokenizer it needs: a plugin configuration problem.
    throw new TesseraError(
      'E_PLUGIN',
      `field "${field.name}" was tokenized with ${recorded.name}, recorded at ${recorded.path}, which cannot be loaded here (${(error as Error).message}); pass textPlugin({ tokenizer: '/path/to/tokenizer.json' }) with the same tokenizer.json (sha256 ${recorded.sha256})`,
      { cause: error },
    );
  }
  assertSameTokenizer(field.name, hook, recorded, tokenizer.identity);
  return tokenizer;
}
