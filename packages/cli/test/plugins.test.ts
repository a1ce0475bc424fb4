import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type TesseraPlugin, int64, writeDataset } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_LINE_ERROR, runCaptured } from './helpers/run-captured.js';

/** A plugin module as a user would write it: a plain ESM file exporting a factory (and as default). */
const PLUGIN_SOURCE = `
const pairCodec = {
  id: 'demo/pair',
  metadataLayout: () => ({ byteLength: 8, alignment: 4 }),
  encode(value, _args, target) {
    target.metadata.setInt32(0, value[0], true);
    target.metadata.setInt32(4, value[1], true);
  },
  read(field, sampleIndex) {
    const offset = field.recordOffset(sampleIndex);
    return [field.metadata.getInt32(offset, true), field.metadata.getInt32(offset + 4, true)];
  },
  decoders: {
    pair: {
      setup(field) {
        return {
          output: { dtype: 'int32', shape: [2] },
          decode(sampleIndex, slot) {
            const offset = field.recordOffset(sampleIndex);
            slot.data[0] = field.metadata.getInt32(offset, true);
            slot.data[1] = field.metadata.getInt32(offset + 4, true);
          },
        };
      },
    },
  },
  defaultDecoder: 'pair',
};
export function pairPlugin() {
  return { specVersion: 1, name: '@demo/pair', version: '1.2.0', codecs: [pairCodec] };
}
export const notAFactory = 42;
export default pairPlugin;
`;

let directory: string;
let path: string;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-plugins-'));
  const modulePath = join(directory, 'pair-plugin.mjs');
  writeFileSync(modulePath, PLUGIN_SOURCE);
  const { pairPlugin } = (await import(pathToFileURL(modulePath).href)) as { pairPlugin: () => TesseraPlugin };
  const plugin = pairPlugin();
  path = join(directory, 'pairs.beton');
  await writeDataset(
    path,
    { id: int64(), pair: { plugin, codecId: 'demo/pair', arguments: {} } },
    [
      { id: 0, pair: [1, -2] },
      { id: 1, pair: [3, 4] },
    ],
    { workers: 0 },
  );
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('--plugin', () => {
  it('without the plugin, opening the file is E_PLUGIN_MISSING naming the package', async () => {
    const { exitCode, stderr } = await runCaptured(['dump', path]);
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(ONE_LINE_ERROR);
    expect(stderr).toMatch(/^tessera: E_PLUGIN_MISSING: .*@demo\/pair/);
  });

  it('loads ./module:export relative to the cwd for inspect', async () => {
    const { exitCode, stdout, stderr } = await runCaptured(['inspect', 'pairs.beton', '--plugin', './pair-plugin.mjs:pairPlugin'], { cwd: directory });
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^ {2}1 +pair +255 +demo\/pair +@demo\/pair@1\.2\.0 +\{\}$/m);
    expect(stdout).toMatch(/^ {2}plugins +.*@demo\/pair@1\.2\.0/m);
  });

  it('uses the default export when no :export is given, for dump', async () => {
    const { exitCode, stdout } = await runCaptured(['dump', 'pairs.beton', '--plugin', './pair-plugin.mjs'], { cwd: directory });
    expect(exitCode).toBe(0);
    expect(stdout).toBe('{"index": 0, "id": 0, "pair": [1, -2]}\n{"index": 1, "id": 1, "pair": [3, 4]}\n');
  });

  it('accepts an absolute path', async () => {
    const { exitCode } = await runCaptured(['dump', path, '--plugin', `${join(directory, 'pair-plugin.mjs')}:pairPlugin`]);
    expect(exitCode).toBe(0);
  });

  it('verify without the plugin still checks every byte and notes the missing plugin', async () => {
    const { exitCode, stdout } = await runCaptured(['verify', path]);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/: OK\n/);
    expect(stdout).toMatch(/^notes\n {2}- .*@demo\/pair/m);
  });

  it.each([
    ['./pair-plugin.mjs:missingPlugin', /has no factory function named "missingPlugin" \(its function exports are .*pairPlugin/],
    ['./pair-plugin.mjs:notAFactory', /has no factory function named "notAFactory"/],
    ['./no-such-file.mjs', /cannot load plugin module \.\/no-such-file\.mjs/],
    ['no-such-package-for-tessera:fooPlugin', /cannot load plugin module no-such-package-for-tessera .*install the package/],
  ])('--plugin %s is one E_PLUGIN line (exit 1)', async (specifier, message) => {
    const { exitCode, stderr } = await runCaptured(['inspect', path, '--plugin', specifier], { cwd: directory });
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(ONE_LINE_ERROR);
    expect(stderr).toMatch(/^tessera: E_PLUGIN: /);
    expect(stderr).toMatch(message);
  });
});
