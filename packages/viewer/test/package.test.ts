import { readFileSync, readdirSync } from 'node:fs';
import * as viewer from '@tessera/viewer';
import { describe, expect, it } from 'vitest';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

describe('package hygiene', () => {
  it('is ESM with types first, built to the entry and the verify worker, shipping the page assets', () => {
    expect(packageJson.type).toBe('module');
    expect(packageJson.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(packageJson.files).toEqual(['dist', 'assets', 'README.md']);
    expect(readdirSync(new URL('../dist/', import.meta.url)).filter((name) => name.endsWith('.js')).sort()).toEqual(['index.js', 'verify-worker.js']);
    expect(readdirSync(new URL('../assets/', import.meta.url)).sort()).toEqual(['index.html', 'viewer.css', 'viewer.js']);
  });

  it('peer-depends on @tessera/core and has no runtime dependencies', () => {
    expect(packageJson.peerDependencies).toEqual({ '@tessera/core': 'workspace:^' });
    expect(packageJson.dependencies).toBeUndefined();
  });

  it('exports createViewer only', () => {
    expect(Object.keys(viewer).sort()).toEqual(['createViewer']);
  });
});
