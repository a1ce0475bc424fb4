/**
 * Plugins and optional packages shaped as docs/writing-a-plugin.md §8 recommends: ESM only,
 * `exports: { ".": { types, import } }`, installed in the user's project (a temp dir outside the
 * workspace), with @tessera/core linked to the workspace's. The built CLI runs with cwd there.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type TesseraPlugin, int64, writeDataset } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOptionalPackage } from '../src/import-optional-package.js';
import { resolvePackage } from '../src/resolve-package.js';
import { ONE_LINE_ERROR } from './helpers/run-captured.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const WORKSPACE_CORE = fileURLToPath(new URL('../../core', import.meta.url));

const PLUGIN_SOURCE = `
import { TesseraError } from '@tessera/core';
const flagCodec = {
  id: 'demo/flag',
  metadataLayout: () => ({ byteLength: 1, alignment: 1 }),
  encode(value, _args, target) {
    if (typeof value !== 'boolean') throw new TesseraError('E_FIELD_VALUE', 'a flag is true or false');
    target.metadata.setUint8(0, value ? 1 : 0);
  },
  read: (field, index) => field.metadata.getUint8(field.recordOffset(index)) === 1,
  decoders: { flag: { setup: (field) => ({ output: { dtype: 'uint8', shape: [] }, decode(index, slot) { slot.data[0] = field.metadata.getUint8(field.recordOffset(index)); } }) } },
  defaultDecoder: 'flag',
};
export function flagPlugin() {
  return { specVersion: 1, name: '@demo/esm-flag', version: '1.0.0', origin: { module: '@demo/esm-flag', exportName: 'flagPlugin' }, codecs: [flagCodec] };
}
`;

let project: string;
let path: string;

function writePackage(name: string, manifest: Record<string, unknown>, files: Record<string, string>): string {
  const directory = join(project, 'node_modules', ...name.split('/'));
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', ...manifest }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(directory, file, '..'), { recursive: true });
    writeFileSync(join(directory, file), text);
  }
  return directory;
}

function runCli(args: readonly string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: project, encoding: 'utf8', timeout: 30_000, env: { ...process.env, TESSERA_DEBUG: '' } });
}

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'tessera-cli-esm-plugin-'));
  mkdirSync(join(project, 'node_modules', '@tessera'), { recursive: true });
  symlinkSync(WORKSPACE_CORE, join(project, 'node_modules', '@tessera', 'core'), 'dir');
  const directory = writePackage('@demo/esm-flag', { exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } } }, { 'dist/index.js': PLUGIN_SOURCE, 'dist/index.d.ts': 'export declare function flagPlugin(): unknown;\n' });
  const { flagPlugin } = (await import(pathToFileURL(join(directory, 'dist', 'index.js')).href)) as { flagPlugin: () => TesseraPlugin };
  path = join(project, 'flags.beton');
  await writeDataset(path, { id: int64(), flag: { plugin: flagPlugin(), codecId: 'demo/flag', arguments: {} } }, [{ id: 7, flag: true }, { id: 8, flag: false }], { workers: 0 });
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('an ESM-only plugin package installed in the project', () => {
  it('is loaded automatically for a file that names it (no E_PLUGIN_MISSING right after install)', () => {
    const run = runCli(['dump', 'flags.beton']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('{"index": 0, "id": 7, "flag": true}\n{"index": 1, "id": 8, "flag": false}\n');
  });

  it('loads with --plugin NAME:EXPORT (no `No "exports" main defined`)', () => {
    const run = runCli(['inspect', 'flags.beton', '--plugin', '@demo/esm-flag:flagPlugin']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^ {2}1 +flag +255 +demo\/flag +@demo\/esm-flag@1\.0\.0 +\{\}$/m);
  });

  it('a --plugin package that is not installed says where it looked', () => {
    const run = runCli(['inspect', 'flags.beton', '--plugin', '@demo/not-installed']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(ONE_LINE_ERROR);
    expect(run.stderr).toContain(`E_PLUGIN: cannot load plugin module @demo/not-installed (no node_modules/@demo/not-installed in ${project} or a folder above it, nor beside tessera)`);
  });
});

describe('one resolver for plugins and optional packages (import conditions)', () => {
  it('optional packages such as @tessera/text resolve through the same exports rules', async () => {
    writePackage('@demo/esm-text', { exports: { '.': { types: './index.d.ts', import: { types: './index.d.ts', default: './esm/index.js' }, require: './cjs/missing.cjs' } } }, {
      'esm/index.js': 'export function buildTextDataset() { return "esm"; }\n',
    });
    const loaded = await importOptionalPackage<{ buildTextDataset(): string }>({ specifier: '@demo/esm-text', command: 'tessera build text', requiredExport: 'buildTextDataset', cwd: project });
    expect(loaded.buildTextDataset()).toBe('esm');
  });

  it('resolvePackage applies "node"/"import"/"default" in manifest order, subpaths and patterns, never "require"', () => {
    writePackage('plain-main', { main: './lib/main.js' }, {});
    writePackage('sugar', { exports: './entry.js' }, {});
    writePackage('subpaths', { exports: { '.': [{ require: './r.cjs' }, './fallback.js'], './codecs/*': { import: './dist/codecs/*.js' }, './exact': { default: './exact.js' } } }, {});
    writePackage('require-only', { exports: { '.': { require: './index.cjs' } } }, {});
    const entry = (specifier: string) => {
      const resolved = resolvePackage(specifier, join(project, 'some', 'folder'));
      return resolved === undefined ? undefined : 'problem' in resolved ? resolved.problem : resolved.entryPath.slice(project.length + '/node_modules/'.length);
    };
    expect(entry('@demo/esm-flag')).toBe('@demo/esm-flag/dist/index.js');
    expect(entry('plain-main')).toBe('plain-main/lib/main.js');
    expect(entry('sugar')).toBe('sugar/entry.js');
    expect(entry('subpaths')).toBe('subpaths/fallback.js');
    expect(entry('subpaths/codecs/rgb')).toBe('subpaths/dist/codecs/rgb.js');
    expect(entry('subpaths/exact')).toBe('subpaths/exact.js');
    expect(entry('subpaths/other')).toMatch(/exports no "\.\/other" entry for import/);
    expect(entry('require-only')).toMatch(/require-only\/package\.json exports no "\." entry for import/);
    expect(entry('not-installed')).toBeUndefined();
    expect(entry('./relative.js')).toBeUndefined();
  });
});
