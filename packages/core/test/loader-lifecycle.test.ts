// Loader lifecycles in child processes (decode workers run the built core in packages/core/dist):
// whether a process exits, how many threads stay alive, whether close() settles. Each child
// prints a marker; the assertions are on exit codes, markers and thread counts, never on time.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { int64, ndarray, writeDataset } from '../src/index.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-loader-lifecycle-'));
const path = join(directory, 'lifecycle.beton');
const core = new URL('../dist/index.js', import.meta.url).href;
afterAll(() => rmSync(directory, { recursive: true, force: true }));

beforeAll(async () => {
  await writeDataset(
    path,
    { id: int64(), vector: ndarray({ dtype: 'float32', shape: [8] }) },
    { length: 500, get: (id: number) => ({ id, vector: Float32Array.from({ length: 8 }, (_, k) => id + k) }) },
    { pageSize: 4096, workers: 0 },
  );
});

/** Runs an ESM script in a child node; `deadlineMs` only stops a hung child (the test then fails on its exit). */
function runChild(name: string, source: string, nodeArguments: string[] = [], deadlineMs = 60_000) {
  const script = join(directory, `${name}.mjs`);
  writeFileSync(script, `import { createLoader } from ${JSON.stringify(core)};\nconst path = ${JSON.stringify(path)};\n${source}`);
  // Asynchronous on purpose: a spawnSync would block this test worker's event loop for the child's
  // whole run, and vitest's RPC from the worker ("onTaskUpdate") would time out on a loaded machine.
  return new Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [...nodeArguments, script], { timeout: deadlineMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

describe('loader lifecycle (child processes)', () => {
  it('lets a process exit when a loader with workers is never iterated nor closed', async () => {
    const child = await runChild('never-iterated', `createLoader(path, { batchSize: 64, workers: 2 });\nconsole.log('CREATED');`, [], 20_000);
    expect(child.stderr).toBe('');
    expect(child.signal).toBeNull(); // not killed at the deadline: it exited by itself
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe('CREATED');
  });

  it.skipIf(process.platform !== 'linux')('releases the workers of loaders broken out of and never closed once they are unreachable', async () => {
    const child = await runChild(
      'unreachable-loaders',
      `import { readdirSync } from 'node:fs';
const threads = () => readdirSync('/proc/self/task').length;
const before = threads();
let peak = 0;
for (let round = 0; round < 30; round++) {
  const loader = createLoader(path, { batchSize: 64, workers: 2 });
  for await (const batch of loader) {
    if (batch.id.data[0] !== 0n) throw new Error('wrong first batch');
    break;
  }
  peak = Math.max(peak, threads());
  if (round % 5 === 4) globalThis.gc();
}
// Finalizers run after a collection, and terminating threads takes a few turns of the event loop.
for (let attempt = 0; attempt < 100 && threads() >= before + 8; attempt++) {
  globalThis.gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
}
console.log(JSON.stringify({ before, peak, after: threads() }));`,
      ['--expose-gc'],
      150_000, // starting 60 worker threads is slow on a loaded 2-core machine; the bounds below are counts
    );
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const counts = JSON.parse(child.stdout) as { before: number; peak: number; after: number };
    // 30 loaders × 2 workers would be 60 threads: collection keeps far fewer alive, and none at the end.
    expect(counts.peak).toBeLessThan(counts.before + 40);
    expect(counts.after).toBeLessThan(20);
  }, 180_000);

  it('settles close() after a batch taken with next(), 20 times in a row', async () => {
    const child = await runChild(
      'close-after-next',
      `for (let round = 0; round < 20; round++) {
  const loader = createLoader(path, { batchSize: 64, workers: 2 });
  const iterator = loader[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done || first.value.id.data[0] !== 0n) throw new Error('wrong first batch');
  await loader.close();
}
console.log('SETTLED');`,
    );
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0); // 13 would be a top-level await that never settled
    expect(child.stdout.trim()).toBe('SETTLED');
  });

  it('finishes an awaited batch even when nothing else keeps the process alive', async () => {
    const child = await runChild(
      'awaited-batch',
      `const loader = createLoader(path, { batchSize: 500, workers: 2, batchesAhead: 0 });
let samples = 0;
for await (const batch of loader) samples += batch.id.shape[0];
await loader.close();
console.log('SAMPLES', samples);`,
    );
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe('SAMPLES 500');
  });
});
