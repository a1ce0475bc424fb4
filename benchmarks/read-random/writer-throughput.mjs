/**
 * Writer throughput: writeDataset of precomputed 100 KiB Buffers with 0, 1 and 2 encoder workers,
 * against the bare limit of writing the same bytes with fs.writeSync into one file (plus fsync, as
 * writeDataset syncs too). Output goes to tmpfs (/dev/shm) when present, so the figure is the writer's,
 * not the disk's; --write-dir chooses another folder.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { core } from '../lib/tessera-core.mjs';
import { measureInterleaved, removePath } from '../lib/index.mjs';
import { BETON_PAGE_SIZE, createSampleSource } from './datasets.mjs';

const { bytes, writeDataset } = core;

/**
 * `workerCounts` e.g. [0, 1, 2]. Returns Map<id, timing> plus the payload size; every written file is
 * removed right after its run.
 */
export async function measureWriter(spec, { workerCounts, repeats, directory, onRound }) {
  const source = createSampleSource(spec);
  const buffers = Array.from({ length: spec.numSamples }, (_, index) => source.bytesOf(index));
  const indexed = { length: buffers.length, get: (index) => ({ data: buffers[index] }) };
  const payloadByteLength = spec.numSamples * spec.sampleByteLength;
  const stem = join(directory, `tessera-bench-write-${process.pid}`);

  const contenders = workerCounts.map((workers) => ({
    id: `workers${workers}`,
    label: `writeDataset workers=${workers}`,
    async run() {
      const path = `${stem}-w${workers}.beton`;
      try {
        await writeDataset(path, { data: bytes() }, indexed, { workers, pageSize: BETON_PAGE_SIZE });
      } finally {
        removePath(path);
      }
    },
  }));
  contenders.push({
    id: 'rawWrite',
    label: 'fs.writeSync raw + fsync',
    run() {
      const path = `${stem}-raw.bin`;
      const fd = openSync(path, 'w');
      try {
        let position = 0;
        for (const buffer of buffers) {
          let written = 0;
          while (written < buffer.byteLength) written += writeSync(fd, buffer, written, buffer.byteLength - written, position + written);
          position += buffer.byteLength;
        }
        fsyncSync(fd);
      } finally {
        closeSync(fd);
        removePath(path);
      }
    },
  });
  // One warmup round: on a VM the first touch of fresh memory (tmpfs pages, buffers) costs a host fault per page.
  const timings = await measureInterleaved(contenders, { warmup: 1, repeats, onRound });
  return { contenders, timings, payloadByteLength };
}
