// A second process reading a remote dataset with a loader (core's built dist), for the shared
// disk-cache tests: argv = url, remote options as JSON, workers, epochs, order (default random). Prints one JSON line:
// the sum of the labels per epoch, the loader's remote counters and the process's peak RSS.
import { createLoader } from '../../dist/index.js';

const [url, remoteJson, workers, epochs, order = 'random'] = process.argv.slice(2);
const loader = createLoader(url, { batchSize: 16, order, seed: 1, workers: Number(workers), remote: JSON.parse(remoteJson) });
const sums = [];
for (let epoch = 0; epoch < Number(epochs); epoch++) {
  let sum = 0;
  for await (const batch of loader) for (const value of batch.y.data) sum += Number(value);
  sums.push(sum);
}
const remote = loader.stats().remote;
await loader.close();
// maxRSS: the peak resident memory of the whole process (all its threads), in kilobytes.
process.stdout.write(`${JSON.stringify({ sums, remote, maxRssKilobytes: process.resourceUsage().maxRSS })}\n`);
