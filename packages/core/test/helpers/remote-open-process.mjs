// A rank process that only opens a remote dataset (core's built dist) and reads one sample, for the
// shared-index test: argv = url, remote options as JSON. Prints one JSON line: the sample's label
// and the dataset's remote counters.
import { openDataset } from '../../dist/index.js';

const [url, remoteJson] = process.argv.slice(2);
const dataset = openDataset(url, { remote: JSON.parse(remoteJson) });
const label = Number(dataset.get(dataset.numSamples - 1).y);
const remote = dataset.remoteStats();
dataset.close();
process.stdout.write(`${JSON.stringify({ label, remote })}\n`);
