import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TesseraPlugin, int64, writeDataset } from '@tessera/core';
import { rgbImage } from '@tessera/image';
import { rawText } from '@tessera/text';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_LINE_ERROR, runCaptured } from './helpers/run-captured.js';

let directory: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-required-'));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('plugins a file names', () => {
  it('are loaded when installed, without --plugin', async () => {
    const path = join(directory, 'mixed.beton');
    const pixels = new Uint8Array(4 * 3 * 3).fill(200);
    await writeDataset(path, { id: int64(), caption: rawText(), image: rgbImage({ mode: 'raw' }) }, [{ id: 1, caption: 'héllo', image: { data: pixels, width: 4, height: 3 } }], {
      workers: 0,
    });
    const dump = await runCaptured(['dump', path]);
    expect(dump.exitCode).toBe(0);
    const line = JSON.parse(dump.stdout.trim());
    expect(line.caption).toBe('héllo');
    expect(line.image).toMatchObject({ mode: 'raw', width: 4, height: 3, byteLength: 36 });
    expect((await runCaptured(['verify', path])).exitCode).toBe(0);
    expect((await runCaptured(['inspect', path])).stdout).toContain('@tessera/text');
  });

  it('that are not installed are named with the factory to pass', async () => {
    const path = join(directory, 'foreign.beton');
    const plugin: TesseraPlugin = {
      specVersion: 1,
      name: '@acme/not-installed',
      version: '2.1.0',
      origin: { module: '@acme/not-installed', exportName: 'acmePlugin' },
      codecs: [
        {
          id: 'acme/flag',
          metadataLayout: () => ({ byteLength: 1, alignment: 1 }),
          encode: (value, _args, target) => target.metadata.setUint8(0, value ? 1 : 0),
          read: (field, index) => field.metadata.getUint8(field.recordOffset(index)) === 1,
          decoders: { flag: { setup: () => ({ output: { dtype: 'uint8', shape: [] }, decode() {} }) } },
          defaultDecoder: 'flag',
        },
      ],
    };
    await writeDataset(path, { flag: { plugin, codecId: 'acme/flag', arguments: {} } }, [{ flag: true }], { workers: 0 });
    const { exitCode, stderr } = await runCaptured(['dump', path]);
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(ONE_LINE_ERROR);
    expect(stderr).toContain('E_PLUGIN_MISSING');
    expect(stderr).toContain('npm install @acme/not-installed@^2.1.0) and pass acmePlugin()');
  });
});
