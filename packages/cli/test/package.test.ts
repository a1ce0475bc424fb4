import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as cli from '../src/index.js';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

describe('package hygiene', () => {
  it('exports types first, then the ESM entry, and the bin from dist', () => {
    expect(packageJson.type).toBe('module');
    expect(Object.keys(packageJson.exports['.'])).toEqual(['types', 'import']);
    expect(packageJson.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(packageJson.bin).toEqual({ tessera: './dist/cli.js' });
    expect(packageJson.files).toContain('dist');
  });

  it('depends on @tessera/core and the two plain-JS table readers of build table only', () => {
    expect(Object.keys(packageJson.dependencies ?? {})).toEqual(['@tessera/core', 'csv-parse', 'hyparquet']);
    for (const name of ['csv-parse', 'hyparquet']) {
      const installed = JSON.parse(readFileSync(new URL(`../../../node_modules/${name}/package.json`, import.meta.url), 'utf8'));
      expect(Object.keys(installed.dependencies ?? {})).toEqual([]);
      for (const hook of ['preinstall', 'install', 'postinstall']) expect(installed.scripts?.[hook]).toBeUndefined();
    }
  });

  it('exposes runCli, the progress bar and the JSON writer', () => {
    expect(Object.keys(cli).sort()).toEqual(['CLI_VERSION', 'EXIT_CODE', 'UsageError', 'createProgressBar', 'runCli', 'stringifyJson']);
    expect(cli.CLI_VERSION).toBe(packageJson.version);
    expect(cli.EXIT_CODE).toEqual({ SUCCESS: 0, FAILURE: 1, USAGE: 2 });
  });
});
