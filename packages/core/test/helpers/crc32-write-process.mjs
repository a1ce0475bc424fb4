// Writes one dataset with core's built dist in a process of its own (so TESSERA_CRC32 picks the
// CRC-32 implementation): argv = output path. Prints one JSON line: the implementation that ran.
import { bytes, int64, writeDataset } from '../../dist/index.js';
import { crc32Implementation } from '../../dist/internals.js';

const [path] = process.argv.slice(2);
const payload = (index) => {
  const data = new Uint8Array(3000 + ((index * 7919) % 60000));
  let state = index + 1;
  for (let offset = 0; offset < data.length; offset++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[offset] = state >>> 24;
  }
  return data;
};
await writeDataset(path, { blob: bytes(), id: int64() }, { length: 120, get: (index) => ({ blob: payload(index), id: index }) }, { pageSize: 1 << 16 });
process.stdout.write(`${JSON.stringify({ implementation: crc32Implementation })}\n`);
