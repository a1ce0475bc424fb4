import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startWorker } from '@tessera/core/internals';
import { fail } from './conformance-error.js';
import type { DecodeWorkerRequest, DecodeWorkerResponse } from './decode-worker-protocol.js';

/** Starts the kit's decode worker and resolves with its one response (or fails after `timeoutMs`). */
export async function decodeInWorker(request: DecodeWorkerRequest, timeoutMs: number): Promise<Extract<DecodeWorkerResponse, { ok: true }>> {
  const worker = startWorker(resolveWorkerUrl(), { workerData: request });
  let timer: NodeJS.Timeout | undefined;
  try {
    const response = await new Promise<DecodeWorkerResponse>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`the decode worker did not answer within ${timeoutMs} ms`)), timeoutMs);
      worker.once('message', resolve);
      worker.once('error', (error) => reject(new Error(`the decode worker crashed: ${error.message}`, { cause: error })));
      worker.once('exit', (code) => reject(new Error(`the decode worker exited with code ${code} before answering`)));
    });
    if (!response.ok) {
      const code = response.error.code === undefined ? '' : ` [${response.error.code}]`;
      fail(`in the decode worker${code}: ${response.error.message}`);
    }
    return response;
  } catch (error) {
    if (error instanceof Error && error.name === 'ConformanceError') throw error;
    fail(error instanceof Error ? error.message : String(error), error);
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}

function resolveWorkerUrl(): URL {
  const candidates = [
    // built: dist/index.js (or a chunk) next to dist/decode-worker.js
    new URL('./decode-worker.js', import.meta.url),
    // running from the TypeScript sources (this package's own tests): use the built worker
    new URL('../dist/decode-worker.js', import.meta.url),
  ];
  for (const candidate of candidates) if (existsSync(fileURLToPath(candidate))) return candidate;
  return fail(`the decode worker script is missing (looked for ${candidates.map((url) => fileURLToPath(url)).join(', ')}); build @tessera/test-kit first`);
}
