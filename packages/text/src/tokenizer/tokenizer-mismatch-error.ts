import { PluginError } from '@tessera/core';
import { type TokenizerIdentity, describeTokenizer } from './tokenizer-identity.js';

const PACKAGE_NAME = '@tessera/text';

/**
 * A field was tokenized with one tokenizer and is read with another (their tokenizer.json bytes
 * differ). Code `E_PLUGIN`; `expected` is the identity recorded in the file, `actual` the reader's.
 * It names its field, so Tessera passes it through unwrapped.
 */
export class TokenizerMismatchError extends PluginError {
  readonly expected: TokenizerIdentity;
  readonly actual: TokenizerIdentity;

  constructor(field: string, hook: string, expected: TokenizerIdentity, actual: TokenizerIdentity) {
    super(
      'E_PLUGIN',
      `tokenizer mismatch: field "${field}" was tokenized with ${describeTokenizer(expected)}, but the reader's tokenizer at ${actual.path} is ${describeTokenizer(actual)}; ` +
        'read it with the tokenizer.json it was written with, or rebuild the dataset with this tokenizer',
      { plugin: PACKAGE_NAME, hook, field },
    );
    this.name = 'TokenizerMismatchError';
    this.expected = expected;
    this.actual = actual;
  }
}

/** Throws a TokenizerMismatchError unless both identities name the same tokenizer.json bytes. */
export function assertSameTokenizer(field: string, hook: string, expected: TokenizerIdentity, actual: TokenizerIdentity): void {
  if (expected.sha256 !== actual.sha256) throw new TokenizerMismatchError(field, hook, expected, actual);
}
