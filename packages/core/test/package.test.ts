import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as core from '../src/index.js';

const root = resolve(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));

describe('package hygiene', () => {
  it('exports types first, ESM only, and only built files', () => {
    expect(Object.keys(manifest.exports['.'])).toEqual(['types', 'import']);
    expect(manifest.type).toBe('module');
    expect(manifest.files).toEqual(['dist', 'README.md']);
    expect(manifest.sideEffects).toBe(false);
  });

  it('reports the version of its package.json', () => {
    expect(core.PACKAGE_VERSION).toBe(manifest.version);
    expect(core.corePlugin().version).toBe(manifest.version);
  });

  it('documents every error code, alphabetically, in docs/errors.md', () => {
    const source = readFileSync(resolve(root, 'src/errors.ts'), 'utf8');
    const union = source.slice(source.indexOf('export type TesseraErrorCode'), source.indexOf(';', source.indexOf('export type TesseraErrorCode')));
    const codes = [...union.matchAll(/'(E_[A-Z_]+)'/g)].map((match) => match[1]);
    expect(codes).toEqual([...codes].sort());
    const documented = [...readFileSync(resolve(root, '../../docs/errors.md'), 'utf8').matchAll(/^\| `(E_[A-Z_]+)` \|/gm)].map((match) => match[1]);
    expect(documented).toEqual(codes);
  });

  it('recognises Tessera errors made by another copy of the package', () => {
    const foreign = Object.assign(new Error('from another copy'), { code: 'E_IO' });
    Object.defineProperty(foreign, Symbol.for('@tessera/core:error'), { value: true });
    expect(foreign instanceof core.TesseraError).toBe(true);
    expect(new Error('plain') instanceof core.TesseraError).toBe(false);
    expect(new core.PluginError('E_PLUGIN', 'x') instanceof core.PluginError).toBe(true);
    expect(new core.TesseraError('E_PLUGIN', 'x') instanceof core.PluginError).toBe(false);
    expect(new core.PluginError('E_PLUGIN', 'x') instanceof core.TesseraError).toBe(true);
  });

  it('registers nothing on import: plugins are passed explicitly', () => {
    expect(core.createRegistry([]).byCodecId('core/int64')).toBeUndefined();
  });
});
