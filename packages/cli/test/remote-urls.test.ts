/** `tessera inspect|dump|verify` on URLs: the same output as for the local file, typed errors otherwise. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StaticServer, startStaticServer } from '@tessera/test-kit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_LINE_ERROR, runCaptured } from './helpers/run-captured.js';
import { writeSampleDataset } from './helpers/sample-dataset.js';

let directory: string;
let path: string;
let server: StaticServer;
let url: string;
const savedCacheDirectory = process.env.TESSERA_CACHE_DIR;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-remote-'));
  path = await writeSampleDataset(directory);
  // The remote cache of these runs stays in the test's folder.
  process.env.TESSERA_CACHE_DIR = join(directory, 'cache');
  server = await startStaticServer({ root: directory });
  url = `${server.url}/sample.beton`;
});

afterAll(async () => {
  if (savedCacheDirectory === undefined) delete process.env.TESSERA_CACHE_DIR;
  else process.env.TESSERA_CACHE_DIR = savedCacheDirectory;
  await server?.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('tessera commands on an http:// URL', () => {
  it('inspect --json describes the file as for its local path', async () => {
    const remote = await runCaptured(['inspect', url, '--json']);
    const local = await runCaptured(['inspect', path, '--json']);
    expect(remote.stderr).toBe('');
    expect(remote.exitCode).toBe(0);
    const remoteReport = JSON.parse(remote.stdout);
    const localReport = JSON.parse(local.stdout);
    expect(remoteReport.path).toBe(url);
    expect(remoteReport.header).toEqual(localReport.header);
    expect(remoteReport.fields).toEqual(localReport.fields);
    expect(remoteReport.layout).toEqual(localReport.layout);
  });

  it('dump prints the same samples', async () => {
    const remote = await runCaptured(['dump', url]);
    const local = await runCaptured(['dump', path]);
    expect(remote.exitCode).toBe(0);
    expect(remote.stdout).toBe(local.stdout);
    expect(remote.stdout.length).toBeGreaterThan(0);
  });

  it('verify checks the checksums over the network', async () => {
    const { exitCode, stdout, stderr } = await runCaptured(['verify', url]);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(stdout.split('\n')[0]).toBe(`${url}: OK`);
    expect(stdout).toMatch(/^ {2}checksums +present, checked$/m);
  });

  it('a missing object is one E_REMOTE line naming the status', async () => {
    const { exitCode, stderr } = await runCaptured(['inspect', `${server.url}/missing.beton`]);
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(ONE_LINE_ERROR);
    expect(ONE_LINE_ERROR.exec(stderr)![1]).toBe('E_REMOTE');
    expect(stderr).toContain('404');
  });

  it('an s3:// URL without @tessera/s3 installed says what to install', async () => {
    const { exitCode, stderr } = await runCaptured(['inspect', 's3://bucket/train.beton'], { cwd: directory });
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(ONE_LINE_ERROR);
    expect(stderr).toContain('@tessera/s3');
  });
});
