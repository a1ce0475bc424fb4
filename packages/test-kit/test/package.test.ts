/** Exports hygiene: what a consumer of the published package gets. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);
const packageJson = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));

describe('package.json', () => {
  it('is an ESM package exporting types first', () => {
    expect(packageJson.type).toBe('module');
    expect(Object.keys(packageJson.exports['.'])).toEqual(['types', 'import']);
    expect(Object.keys(packageJson.exports)).toEqual(['.', './servers', './package.json']);
    expect(packageJson.exports['./package.json']).toBe('./package.json');
    expect(packageJson.files).toEqual(['dist', 'README.md']);
  });

  it('peer-depends on @tessera/core and vitest (one core, one test runner)', () => {
    expect(Object.keys(packageJson.peerDependencies).sort()).toEqual(['@tessera/core', 'vitest']);
    expect(packageJson.dependencies).toBeUndefined();
  });

  it('ships the built entry, its types, the decode worker and the test-server worker', async () => {
    for (const path of [packageJson.exports['.'].import, packageJson.exports['.'].types, './dist/decode-worker.js', './dist/server-worker.js']) {
      expect(existsSync(fileURLToPath(new URL(path, root))), `${path} (run the build first)`).toBe(true);
    }
    const built = await import(fileURLToPath(new URL(packageJson.exports['.'].import, root)));
    expect(Object.keys(built).sort()).toEqual([
      'ConformanceError',
      'createFieldConformance',
      'deepEqual',
      'describeDifference',
      'formatValue',
      'runFieldConformance',
      'withinTolerance',
    ]);
  });

  it('ships the servers as a subpath that loads without vitest', async () => {
    expect(packageJson.exports['./servers']).toEqual({ types: './dist/servers.d.ts', import: './dist/servers.js' });
    const servers = await import(fileURLToPath(new URL(packageJson.exports['./servers'].import, root)));
    expect(Object.keys(servers).sort()).toEqual(['FAULT_KINDS', 'nginxAvailable', 'startFaultProxy', 'startNginx', 'startStaticServer']);
    const source = readFileSync(fileURLToPath(new URL(packageJson.exports['./servers'].import, root)), 'utf8');
    expect(source).not.toMatch(/from ['"]vitest['"]/);
  });
});
