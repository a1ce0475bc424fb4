// One rank of a distributed run, in a process of its own (core's built dist): argv = file, rank,
// world size, batches to take before stopping (-1: to the end of the epoch, then one more epoch),
// resume state as JSON or "-". Prints one JSON line: the ids of the samples it got per epoch and its state.
import { createLoader } from '../../dist/index.js';

const [path, rank, worldSize, stopAfter, resume] = process.argv.slice(2);
const loader = createLoader(path, {
  batchSize: 8,
  order: 'random',
  seed: 21,
  distributed: { rank: Number(rank), worldSize: Number(worldSize) },
  ...(resume === '-' ? {} : { resume: JSON.parse(resume) }),
});
const epochs = [];
let state;
const limit = Number(stopAfter);
for (let epoch = 0; epoch < (limit < 0 ? 2 : 1); epoch++) {
  const ids = [];
  let batches = 0;
  for await (const batch of loader) {
    ids.push(...Array.from(batch.id.data, Number));
    if (++batches === limit) break;
  }
  epochs.push(ids);
  state = loader.state();
}
await loader.close();
process.stdout.write(`${JSON.stringify({ epochs, state })}\n`);
