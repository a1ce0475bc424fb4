import { readFileSync, readdirSync } from 'node:fs';
import * as s3Package from '@tessera/s3';
import { describe, expect, it } from 'vitest';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

describe('package hygiene', () => {
  it('is ESM with types first, built to one bundled file (the provider origin)', () => {
    expect(packageJson.type).toBe('module');
    expect(packageJson.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(Object.keys(packageJson.exports['.'])).toEqual(['types', 'import']);
    expect(packageJson.files).toContain('dist');
    expect(readdirSync(new URL('../dist/', import.meta.url)).filter((name) => name.endsWith('.js'))).toEqual(['index.js']);
    expect(s3Package.s3().origin).toEqual({ module: expect.stringMatching(/\/dist\/index\.js$/), exportName: 's3', options: {} });
  });

  it('peer-depends on @tessera/core and carries only the AWS SDK S3 client', () => {
    expect(packageJson.peerDependencies).toEqual({ '@tessera/core': 'workspace:^' });
    expect(Object.keys(packageJson.dependencies)).toEqual(['@aws-sdk/client-s3']);
  });

  it('names the provider after the package', () => {
    expect(s3Package.s3()).toMatchObject({ specVersion: 1, name: packageJson.name, protocols: ['s3:'] });
  });

  it('exports the public API', () => {
    expect(Object.keys(s3Package).sort()).toEqual(['parseS3Location', 's3']);
  });
});
