import { ArgumentError, type FieldSpec } from '@tessera/core';
import type { HierarchicalTextArguments } from './fields/hierarchical-text-codec.js';
import { HIERARCHICAL_TEXT_CODEC_ID } from './fields/hierarchical-text-codec.js';
import { PACKED_TOKENS_CODEC_ID, type PackedTokensArguments } from './fields/packed-tokens-codec.js';
import { RAW_TEXT_CODEC_ID, type RawTextArguments } from './fields/raw-text-codec.js';
import type { TokenSource } from './fields/token-field-arguments.js';
import { TOKENS_CODEC_ID, type TokensArguments } from './fields/tokens-codec.js';
import { textPlugin } from './text-plugin.js';
import { identifyTokenizer, loadTokenizer } from './tokenizer/load-tokenizer.js';
import { tokenDTypeFor } from './tokenizer/tokenizer-identity.js';

/** Where token ids come from: a local tokenizer (values may be text), or only a vocabulary size (values are ids). */
export interface TokenSourceOptions {
  /** A local tokenizer.json, or the folder holding it (and tokenizer_config.json). Never downloaded. */
  tokenizer?: string;
  /** Without a tokenizer: ids are in [0, vocabularySize). With one, it is the tokenizer's. */
  vocabularySize?: number;
}

export interface TokensOptions extends TokenSourceOptions {
  /** Let the tokenizer add its special tokens (BOS, CLS/SEP…). Default true, as in @huggingface/tokenizers. */
  addSpecialTokens?: boolean;
}

export interface PackedTokensOptions extends TokenSourceOptions {
  /** T: tokens per stored chunk and per window (windows hold T + 1 tokens: inputs and shifted labels). Default 1024. */
  windowLength?: number;
  /**
   * The token placed after every document: a token string, an id, or null for none. Default the
   * tokenizer's `eos_token` (tokenizer_config.json), e.g. `<|endoftext|>`; none without a tokenizer.
   */
  separator?: string | number | null;
}

export interface HierarchicalTextOptions {
  /** Store token ids (each sentence tokenized on its own) instead of UTF-8 text. */
  tokenizer?: string;
}

function tokenSource(options: TokenSourceOptions, fieldConstructor: string): TokenSource {
  if (options === null || typeof options !== 'object') throw new ArgumentError(fieldConstructor, `needs options ({ tokenizer } or { vocabularySize }), got ${JSON.stringify(options)}`);
  if (options.tokenizer !== undefined) {
    const identity = identifyTokenizer(options.tokenizer);
    return { tokenizer: identity, vocabularySize: identity.vocabularySize, dtype: tokenDTypeFor(identity.vocabularySize) };
  }
  const { vocabularySize } = options;
  if (vocabularySize === undefined) throw new ArgumentError(fieldConstructor, 'needs { tokenizer: "path/to/tokenizer.json" } or, for pre-tokenized ids, { vocabularySize }');
  // Validated (E_FIELD_ARGUMENTS naming the field) when the writer normalizes the arguments.
  return { tokenizer: null, vocabularySize, dtype: tokenDTypeFor(vocabularySize) };
}

/** UTF-8 text of any length: `{ text: rawText() }`. Values are strings; `read` gives strings back. */
export function rawText(): FieldSpec<RawTextArguments> {
  return { plugin: textPlugin(), codecId: RAW_TEXT_CODEC_ID, arguments: {} };
}

/**
 * Token ids per sample, stored as u16 (vocabularies up to 65,536 ids) or u32, with the tokenizer's
 * identity in the field arguments. Values are text (tokenized by the writer, in its worker threads)
 * or pre-tokenized ids.
 */
export function tokens(options: TokensOptions): FieldSpec<TokensArguments> {
  const source = tokenSource(options, 'tokens()');
  return { plugin: textPlugin(), codecId: TOKENS_CODEC_ID, arguments: { ...source, addSpecialTokens: options.addSpecialTokens ?? true } };
}

/**
 * The language-model pretraining layout: one token stream cut into chunks of `windowLength`; values
 * are chunks made by `createPacker()` — `buildTextDataset({ field: 'packed' })` does it all.
 */
export function packedTokens(options: PackedTokensOptions): FieldSpec<PackedTokensArguments> {
  const source = tokenSource(options, 'packedTokens()');
  let separatorId: number | null = null;
  const separator = options.separator;
  if (typeof separator === 'number') {
    separatorId = separator;
  } else if (separator !== null && source.tokenizer !== null) {
    const tokenizer = loadTokenizer(source.tokenizer.path);
    const token = separator ?? tokenizer.endOfTextToken;
    if (token !== undefined) {
      const id = tokenizer.tokenToId(token);
      if (id === undefined) throw new ArgumentError('separator', `${JSON.stringify(token)} is not a token of ${source.tokenizer.name} (${source.tokenizer.path})`);
      separatorId = id;
    }
  } else if (typeof separator === 'string') {
    throw new ArgumentError('separator', `a token string (${JSON.stringify(separator)}) needs a tokenizer; give its id instead`);
  }
  return {
    plugin: textPlugin(),
    codecId: PACKED_TOKENS_CODEC_ID,
    arguments: { ...source, windowLength: options.windowLength ?? 1024, separatorId },
  };
}

/**
 * Documents with their paragraphs and sentences, as span tables over one stream: UTF-8 text, or
 * token ids with a tokenizer. Decoders pick the level: the document, a random paragraph, a window
 * of sentences.
 */
export function hierarchicalText(options: HierarchicalTextOptions = {}): FieldSpec<HierarchicalTextArguments> {
  if (options.tokenizer === undefined) {
    return { plugin: textPlugin(), codecId: HIERARCHICAL_TEXT_CODEC_ID, arguments: { unit: 'text', tokenizer: null, vocabularySize: null, dtype: 'uint8' } };
  }
  const source = tokenSource(options, 'hierarchicalText()');
  return { plugin: textPlugin(), codecId: HIERARCHICAL_TEXT_CODEC_ID, arguments: { unit: 'tokens', ...source } };
}
