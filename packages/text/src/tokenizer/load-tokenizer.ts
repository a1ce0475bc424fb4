/**
 * The one module that touches @huggingface/tokenizers. It loads tokenizers from LOCAL files only —
 * a tokenizer.json (the path of the file, or of a folder holding it) and, when present, the
 * tokenizer_config.json beside it — never from the network, and computes their identity.
 * Loaded tokenizers are cached per thread by path (and reloaded when the file changes).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ArgumentError, TesseraError } from '@tessera/core';
import { type TokenizerIdentity, checkVocabularySize } from './tokenizer-identity.js';

/** A loaded tokenizer, reduced to what Tessera uses. */
export interface TextTokenizer {
  readonly identity: TokenizerIdentity;
  /** The end-of-sequence token of tokenizer_config.json (`eos_token`), if it names one. */
  readonly endOfTextToken: string | undefined;
  /** Token ids of `text`, exactly as `Tokenizer#encode(text, { add_special_tokens })` gives them. */
  encode(text: string, addSpecialTokens: boolean): number[];
  /** `Tokenizer#decode`, without cleaning up tokenization spaces (so decode(encode(x)) is x for byte-level BPE). */
  decode(ids: ArrayLike<number>, skipSpecialTokens: boolean): string;
  /** The id of a token string (special tokens included), or undefined. */
  tokenToId(token: string): number | undefined;
}

interface TokenizerFiles {
  jsonPath: string;
  configPath: string | undefined;
  stamp: string;
}

interface CachedTokenizer {
  stamp: string;
  identity: TokenizerIdentity;
  json: Record<string, unknown>;
  config: Record<string, unknown>;
  loaded: TextTokenizer | undefined;
}

const cache = new Map<string, CachedTokenizer>();
/** Tokenizers already checked against a recorded identity (sha256 + path). */
const recorded = new Map<string, TextTokenizer>();

/** Resolves a tokenizer.json path (or a folder holding one); a missing file is E_IO, a folder without one too. */
function locate(path: string): TokenizerFiles {
  if (typeof path !== 'string' || path.length === 0) {
    throw new ArgumentError('tokenizer', `must be the path of a local tokenizer.json (or of its folder), got ${JSON.stringify(path)}`);
  }
  let jsonPath = resolve(path);
  let stats = statOrThrow(jsonPath, path);
  if (stats.isDirectory()) {
    jsonPath = join(jsonPath, 'tokenizer.json');
    stats = statOrThrow(jsonPath, path);
  }
  // Checked before reading: reading a FIFO blocks until a writer appears.
  if (!stats.isFile()) throw new ArgumentError('tokenizer', `${jsonPath} is not a regular file; pass the path of a local tokenizer.json or of the folder holding it`, 'E_IO');
  const configCandidate = join(dirname(jsonPath), 'tokenizer_config.json');
  let configPath: string | undefined;
  let configStamp = '';
  try {
    const configStats = statSync(configCandidate);
    configPath = configCandidate;
    configStamp = `${configStats.size}:${configStats.mtimeMs}`;
  } catch {
    configPath = undefined;
  }
  return { jsonPath, configPath, stamp: `${stats.size}:${stats.mtimeMs}|${configStamp}` };
}

function statOrThrow(file: string, given: string) {
  try {
    return statSync(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ArgumentError(
      'tokenizer',
      `cannot read ${file} (${reason}); pass the path of a local tokenizer.json or of the folder holding it (Tessera never downloads tokenizers)${given !== file ? `; given ${JSON.stringify(given)}` : ''}`,
      'E_IO',
    );
  }
}

function parseJsonFile(file: string, what: string): { bytes: Buffer; value: Record<string, unknown> } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new ArgumentError('tokenizer', `cannot read ${file}: ${(error as Error).message}`, 'E_IO');
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ArgumentError('tokenizer', `${file} is not valid JSON (${(error as Error).message}); expected ${what}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ArgumentError('tokenizer', `${file} is not a JSON object; expected ${what}`);
  return { bytes, value: value as Record<string, unknown> };
}

/** The largest id + 1 over the model vocabulary (object or Unigram list) and the added tokens. */
function vocabularySizeOf(json: Record<string, unknown>, file: string): number {
  const model = json.model as { vocab?: unknown } | undefined;
  const vocab = model?.vocab;
  let largest = -1;
  if (Array.isArray(vocab)) {
    largest = vocab.length - 1;
  } else if (vocab !== null && typeof vocab === 'object') {
    for (const id of Object.values(vocab as Record<string, unknown>)) if (typeof id === 'number' && id > largest) largest = id;
  } else {
    throw new ArgumentError('tokenizer', `${file} has no model.vocab: it is not a Hugging Face tokenizer.json`);
  }
  const added = json.added_tokens;
  if (Array.isArray(added)) {
    for (const token of added) {
      const id = (token as { id?: unknown } | null)?.id;
      if (typeof id === 'number' && id > largest) largest = id;
    }
  }
  try {
    return checkVocabularySize(largest + 1, 'the vocabulary size');
  } catch (error) {
    throw new ArgumentError('tokenizer', `${file}: ${(error as Error).message}`);
  }
}

function nameOf(config: Record<string, unknown>, jsonPath: string): string {
  for (const key of ['name_or_path', 'tokenizer_class']) {
    const value = config[key];
    if (typeof value === 'string' && value.length > 0 && value.length <= 120) return value;
  }
  return basename(dirname(jsonPath)).slice(0, 120) || 'tokenizer';
}

function read(path: string): CachedTokenizer {
  const files = locate(path);
  const cached = cache.get(files.jsonPath);
  if (cached !== undefined && cached.stamp === files.stamp) return cached;
  const { bytes, value: json } = parseJsonFile(files.jsonPath, 'a Hugging Face tokenizer.json');
  const config = files.configPath === undefined ? {} : parseJsonFile(files.configPath, 'a tokenizer_config.json').value;
  const identity: TokenizerIdentity = {
    name: nameOf(config, files.jsonPath),
    vocabularySize: vocabularySizeOf(json, files.jsonPath),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    path: files.jsonPath,
  };
  const entry: CachedTokenizer = { stamp: files.stamp, identity, json, config, loaded: undefined };
  cache.set(files.jsonPath, entry);
  return entry;
}

/** The identity of a local tokenizer (reads and hashes tokenizer.json; cached). */
export function identifyTokenizer(path: string): TokenizerIdentity {
  return { ...read(path).identity };
}

/** Loads a local tokenizer (cached per thread: the first call per path parses it, ~0.3 s for a 100k vocabulary). */
export function loadTokenizer(path: string): TextTokenizer {
  const entry = read(path);
  if (entry.loaded !== undefined) return entry.loaded;
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(entry.json, entry.config);
  } catch (error) {
    throw new ArgumentError('tokenizer', `@huggingface/tokenizers cannot load ${entry.identity.path}: ${(error as Error).message}`);
  }
  const eos = entry.config.eos_token;
  const endOfTextToken = typeof eos === 'string' ? eos : typeof (eos as { content?: unknown } | null)?.content === 'string' ? (eos as { content: string }).content : undefined;
  const loaded: TextTokenizer = {
    identity: entry.identity,
    endOfTextToken,
    encode: (text, addSpecialTokens) => tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids,
    // @huggingface/tokenizers refuses an empty list; its text is the empty string.
    decode: (ids, skipSpecialTokens) =>
      ids.length === 0 ? '' : tokenizer.decode(Array.from(ids), { skip_special_tokens: skipSpecialTokens, clean_up_tokenization_spaces: false }),
    tokenToId: (token) => tokenizer.token_to_id(token),
  };
  // The JSON is no longer needed once the tokenizer is built.
  entry.json = {};
  entry.loaded = loaded;
  return loaded;
}

/**
 * The tokenizer a field was written with, loaded from the path recorded in its arguments; throws
 * when that file now holds another tokenizer (its sha256 changed).
 */
export function loadRecordedTokenizer(identity: TokenizerIdentity): TextTokenizer {
  // Checked once per thread: encode() calls this for every sample.
  const key = `${identity.sha256}\u0000${identity.path}`;
  const checked = recorded.get(key);
  if (checked !== undefined) return checked;
  const tokenizer = loadTokenizer(identity.path);
  if (tokenizer.identity.sha256 !== identity.sha256) {
    throw new TesseraError(
      'E_ARGUMENT',
      `the tokenizer.json at ${identity.path} changed since the field was created: sha256 ${tokenizer.identity.sha256}, recorded ${identity.sha256}; create the field spec again`,
    );
  }
  recorded.set(key, tokenizer);
  return tokenizer;
}
