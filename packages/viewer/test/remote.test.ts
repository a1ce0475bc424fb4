/** The viewer over an http:// URL: the same summary and rows as for the local file, and verify in its worker. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StaticServer, startStaticServer } from '@tessera/test-kit/servers';
import { type Viewer, createViewer } from '@tessera/viewer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeImageDataset } from './helpers/fixtures.js';
import { getJson } from './helpers/http.js';

let directory: string;
let server: StaticServer;
let local: Viewer;
let remote: Viewer;
let url: string;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-viewer-remote-'));
  const { path } = await writeImageDataset(directory);
  server = await startStaticServer({ root: directory });
  url = `${server.url}/${path.split('/').at(-1)}`;
  local = await createViewer({ path });
  remote = await createViewer({ path: url, remote: { cacheDirectory: join(directory, 'cache'), blockBytes: 16 * 1024 } });
});

afterAll(async () => {
  await local?.close();
  await remote?.close();
  await server?.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('createViewer on a URL', () => {
  it('serves the summary and rows of the local file', async () => {
    const [remoteSummary, localSummary] = await Promise.all([getJson(remote.port, '/api/summary'), getJson(local.port, '/api/summary')]);
    expect(remoteSummary.status).toBe(200);
    expect(remoteSummary.body.path).toBe(url);
    expect({ ...remoteSummary.body, path: undefined, ioMode: undefined }).toEqual({ ...localSummary.body, path: undefined, ioMode: undefined });
    const [remoteRows, localRows] = await Promise.all([getJson(remote.port, '/api/rows?offset=3&limit=5'), getJson(local.port, '/api/rows?offset=3&limit=5')]);
    expect(remoteRows.body).toEqual(localRows.body);
  });

  it('verifies the remote file in its worker', async () => {
    let state = (await getJson(remote.port, '/api/verify', { method: 'POST' })).body;
    for (let attempt = 0; attempt < 200 && state.state === 'running'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      state = (await getJson(remote.port, '/api/verify')).body;
    }
    expect(state).toMatchObject({ state: 'done', ok: true, filesChecked: 1 });
    expect(state.reports[0]).toMatchObject({ path: url, ok: true, checksums: 'verified', problems: [] });
  });
});
