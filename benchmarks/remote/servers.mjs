/**
 * The remote benchmark's servers, all outside this thread (Tessera's reader blocks its thread while
 * it waits for bytes): nginx from Debian when installed, else the test-kit's static server; s3rver
 * (an S3-API server) in a child process; and in front of each, a TCP relay adding a latency per
 * request.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { nginxAvailable, startNginx, startStaticServer } from '@tessera/test-kit/servers';

export const S3_BUCKET = 'bench';
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** An HTTP origin serving the folder of `path`: nginx when it is installed, else the Node static server. */
export async function startHttpOrigin(path) {
  const root = dirname(path);
  const server = nginxAvailable() !== undefined ? await startNginx({ root }) : await startStaticServer({ root });
  return { kind: nginxAvailable() !== undefined ? 'nginx' : 'node static server', url: server.url, objectUrl: `${server.url}/${encodeURIComponent(basename(path))}`, close: () => server.close() };
}

/** s3rver in a child process with `paths` uploaded to bucket S3_BUCKET under their base names. */
export async function startS3Origin(paths) {
  const directory = mkdtempSync(join(tmpdir(), 'tessera-bench-s3-'));
  const server = await startChildServer('s3rver', 's3rver-process.mjs', [directory, S3_BUCKET, ...paths]);
  return {
    url: server.url,
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * A proxy adding `latencyMs` to every request it forwards to `target`: a TCP-level relay in a child
 * process (latency-proxy-process.mjs). Not the test-kit's fault proxy, which parses and relays HTTP
 * in JavaScript: on 2 cores its CPU would be taken from the loaders being measured.
 */
export function startLatencyProxy(target, latencyMs) {
  return startChildServer('the latency proxy', 'latency-proxy-process.mjs', [new URL(target).port, String(latencyMs)]);
}

/** Runs `script` (next to this file) in a child process that prints its port once it listens. */
async function startChildServer(label, script, args) {
  const child = spawn(process.execPath, [join(import.meta.dirname, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${label} exited with ${code} before listening`)));
    child.stdout.once('data', (data) => resolve(Number(String(data).trim())));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
