import { readFileSync, readdirSync } from 'node:fs';
import * as text from '@tessera/text';
import { describe, expect, it } from 'vitest';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

describe('package hygiene', () => {
  it('is ESM with types first, built to one bundled file (the plugin origin)', () => {
    expect(packageJson.type).toBe('module');
    expect(packageJson.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(Object.keys(packageJson.exports['.'])).toEqual(['types', 'import']);
    expect(packageJson.files).toContain('dist');
    expect(readdirSync(new URL('../dist/', import.meta.url)).filter((name) => name.endsWith('.js'))).toEqual(['index.js']);
    expect(text.textPlugin().origin).toEqual({ module: expect.stringMatching(/\/dist\/index\.js$/), exportName: 'textPlugin', options: {} });
  });

  it('peer-depends on @tessera/core and carries only the tokenizer library', () => {
    expect(packageJson.peerDependencies).toEqual({ '@tessera/core': 'workspace:^' });
    expect(Object.keys(packageJson.dependencies)).toEqual(['@huggingface/tokenizers']);
  });

  it('names the plugin after the package, with four codecs', () => {
    const plugin = text.textPlugin();
    expect(plugin).toMatchObject({ specVersion: 1, name: packageJson.name, version: packageJson.version });
    expect(plugin.codecs.map((codec) => codec.id)).toEqual(['text/raw', 'text/tokens', 'text/packed-tokens', 'text/hierarchical']);
    expect(text.textPlugin()).toBe(plugin);
    expect(text.textPlugin({ tokenizer: '/x/tokenizer.json' }).origin?.options).toEqual({ tokenizer: '/x/tokenizer.json' });
    expect(() => text.textPlugin({ tokeniser: 'x' } as never)).toThrow(/no option "tokeniser"/);
  });

  it('exports the public API', () => {
    expect(Object.keys(text).sort()).toEqual(
      [
        'PACKED_WINDOW_ROWS',
        'TEXT_FIELD_KINDS',
        'TEXT_INPUT_FORMATS',
        'TokenizerMismatchError',
        'buildTextDataset',
        'countPackedTokens',
        'hierarchicalText',
        'identifyTokenizer',
        'listInputFiles',
        'loadTokenizer',
        'packDocuments',
        'packedTokens',
        'packedWindowPipeline',
        'padToLongest',
        'paddedToLongest',
        'rawText',
        'readDocuments',
        'splitDocument',
        'splitPackedWindow',
        'splitSentences',
        'textPlugin',
        'tokenDTypeFor',
        'tokens',
      ].sort(),
    );
  });
});
