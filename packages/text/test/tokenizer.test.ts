import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { identifyTokenizer, loadTokenizer, tokenDTypeFor, tokens } from '@tessera/text';
import { TesseraError } from '@tessera/core';
import { afterAll, describe, expect, it } from 'vitest';
import { GPT35_TOKENIZER, LICENSES, referenceIds, temporaryDirectory, writeSmallTokenizer } from './fixtures.js';

const directory = temporaryDirectory('tokenizer');
afterAll(() => directory.remove());

describe('tokenizer identity', () => {
  it('names the tokenizer, its vocabulary size (largest id + 1) and the sha256 of tokenizer.json', () => {
    const identity = identifyTokenizer(GPT35_TOKENIZER);
    expect(identity).toEqual({
      name: 'GPT3_5Tokenizer',
      vocabularySize: 100_277,
      sha256: createHash('sha256').update(readFileSync(GPT35_TOKENIZER)).digest('hex'),
      path: GPT35_TOKENIZER,
    });
    // The folder works too, and gives the same identity.
    expect(identifyTokenizer(dirname(GPT35_TOKENIZER))).toEqual(identity);
  });

  it('picks the narrowest id type: u16 up to 65,536 ids, u32 above', () => {
    expect(tokenDTypeFor(65_536)).toBe('uint16');
    expect(tokenDTypeFor(65_537)).toBe('uint32');
    expect(tokens({ tokenizer: GPT35_TOKENIZER }).arguments.dtype).toBe('uint32');
    const small = writeSmallTokenizer(join(directory.path, 'small'));
    expect(identifyTokenizer(small)).toMatchObject({ name: 'SmallBPE', vocabularySize: 32_001 });
    expect(tokens({ tokenizer: small }).arguments.dtype).toBe('uint16');
    expect(tokens({ vocabularySize: 50_257 }).arguments).toEqual({ tokenizer: null, vocabularySize: 50_257, dtype: 'uint16', addSpecialTokens: true });
  });

  it('encodes exactly as @huggingface/tokenizers and decodes back to the text', () => {
    const tokenizer = loadTokenizer(GPT35_TOKENIZER);
    for (const { name, text } of LICENSES.slice(0, 4)) {
      const ids = tokenizer.encode(text, true);
      expect(ids, name).toEqual(referenceIds(text));
      expect(tokenizer.decode(ids, false), name).toBe(text);
    }
  });

  it('a missing tokenizer file is E_IO, a file that is not a tokenizer is E_ARGUMENT; both name the path', () => {
    const missing = join(directory.path, 'nowhere', 'tokenizer.json');
    expect(() => identifyTokenizer(missing)).toThrowError(expect.objectContaining({ code: 'E_IO', message: expect.stringContaining(missing) }));
    expect(() => tokens({ tokenizer: missing })).toThrow(TesseraError);
    const notJson = join(directory.path, 'broken.json');
    writeFileSync(notJson, '{"model": ');
    expect(() => identifyTokenizer(notJson)).toThrowError(expect.objectContaining({ code: 'E_ARGUMENT', message: expect.stringContaining('not valid JSON') }));
    const noVocabulary = join(directory.path, 'other.json');
    writeFileSync(noVocabulary, '{"model": {"type": "BPE"}}');
    expect(() => identifyTokenizer(noVocabulary)).toThrowError(expect.objectContaining({ code: 'E_ARGUMENT', message: expect.stringContaining('no model.vocab') }));
    expect(() => tokens({} as never)).toThrowError(expect.objectContaining({ code: 'E_ARGUMENT', message: expect.stringContaining('vocabularySize') }));
  });
});
