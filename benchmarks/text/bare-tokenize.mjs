/**
 * The machine's own ceiling for parallel tokenizing, without Tessera: N plain worker threads, each
 * loading the tokenizer and tokenizing its share of the documents (round-robin). The 1 → 2 thread
 * ratio of this baseline tells what the writer's speed-up can be on this machine right now (other
 * processes on the same cores lower both alike).
 */
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
import { parentPort, workerData } from 'node:worker_threads';
const { loadTokenizer } = await import(workerData.textModule);
const tokenizer = loadTokenizer(workerData.tokenizer);
let tokens = 0;
for (const document of workerData.documents) tokens += tokenizer.encode(document, false).length;
parentPort.postMessage(tokens);
`;

/** Tokenizes `documents` with `threads` worker threads; resolves to the token count. */
export async function tokenizeWithThreads(documents, threads, tokenizer, textModule) {
  const shares = Array.from({ length: threads }, () => []);
  documents.forEach((document, index) => {
    shares[index % threads].push(document);
  });
  const counts = await Promise.all(
    shares.map(
      (share) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`), { workerData: { documents: share, tokenizer, textModule } });
          worker.once('message', (count) => {
            resolve(count);
            void worker.terminate();
          });
          worker.once('error', reject);
        }),
    ),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}
