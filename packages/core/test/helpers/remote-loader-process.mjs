// A second process reading a remote dataset with a loader (core's built dist), for the shared
// disk-cache tests: argv = url, remote options as JSON, workers, epochs. Prints one JSON line:
// the sum of the labels per epoch and the loader's remote counters.
import { createLoader } from '../../dist/index.js';

const [url, remoteJson, workers, epochs] = process.argv.slice(2);
const loader = createLoader(url, { batchSize: 16, order: 'random', seed: 1, workers: Number(workers), remote: JSON.parse(remoteJson) });
const sums = [];
for (let epoch = 0; epoch < Number(epochs); epoch++) {
  let sum = 0;
  for await (const batch of loader) for (const value of batch.y.data) sum += Number(value);
  sums.push(sum);
}
const remote = loader.stats().remote;
await loader.close();
process.stdout.write(`${JSON.stringify({ sums, remote })}\n`);
