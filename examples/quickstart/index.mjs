// Tessera quickstart: write a small multi-field dataset in parallel, open it, read samples at
// random, decode a batch, verify its checksums, and print a summary.
// Run from the repository root: `npx -y pnpm@10 demo`   (add --check to assert the values)
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { bytes, float64, int64, json, ndarray, openDataset, createOutputSlot, verifyDataset, writeDataset } from '@tessera/core';

const check = process.argv.includes('--check');
const numSamples = 20_000;
const directory = join(import.meta.dirname, '.output');
mkdirSync(directory, { recursive: true });
const path = join(directory, 'quickstart.beton');

// 1. Describe the dataset with core fields.
const schema = {
  label: int64(),
  score: float64(),
  features: ndarray({ dtype: '<f4', shape: [4, 8] }),
  caption: json(),
  thumbnail: bytes(),
};

// 2. An indexed source: the writer pulls samples in chunks and encodes them in worker threads.
const sampleAt = (index) => ({
  label: index % 10,
  score: Math.sin(index),
  features: Float32Array.from({ length: 32 }, (_, k) => index + k / 32),
  caption: { id: index, text: `sample #${index}`, tags: index % 3 === 0 ? ['fizz'] : [] },
  thumbnail: new Uint8Array(64 + (index % 200)).fill(index & 0xff),
});
let lastPercent = -1;
const summary = await writeDataset(path, schema, { length: numSamples, get: sampleAt }, {
  workers: 2,
  onProgress: ({ samplesWritten, totalSamples }) => {
    const percent = Math.floor((100 * samplesWritten) / totalSamples);
    if (percent % 25 === 0 && percent !== lastPercent) {
      lastPercent = percent;
      console.log(`  writing… ${percent}%`);
    }
  },
});
console.log(
  `wrote ${summary.numSamples} samples to ${path}: ${(summary.fileByteLength / 1e6).toFixed(2)} MB, ` +
    `${summary.numPages} pages of ${summary.pageSize / 1024} KiB, ${summary.elapsedMs.toFixed(0)} ms`,
);

// 3. Open it (mmap, validated) and read samples at random.
const openedAt = performance.now();
const dataset = openDataset(path);
console.log(`opened in ${(performance.now() - openedAt).toFixed(1)} ms (${dataset.ioMode}); fields: ${dataset.fields.map((f) => `${f.name}:${f.codecId}`).join(', ')}`);
for (const index of [0, 7, 12_345, numSamples - 1]) {
  const sample = dataset.get(index);
  console.log(`  sample ${index}: label=${sample.label} score=${sample.score.toFixed(4)} caption=${JSON.stringify(sample.caption)} thumbnail=${sample.thumbnail.byteLength} B`);
  if (check) {
    const expected = sampleAt(index);
    const ok =
      sample.label === expected.label &&
      sample.score === expected.score &&
      JSON.stringify(sample.caption) === JSON.stringify(expected.caption) &&
      Buffer.from(sample.thumbnail).equals(Buffer.from(expected.thumbnail)) &&
      sample.features.data.every((value, k) => value === expected.features[k]);
    if (!ok) throw new Error(`sample ${index} does not read back as written`);
  }
}

// 4. Decode a batch of one field into preallocated memory (what the loader does for every field).
const decoder = dataset.createDecoder('features');
const slot = createOutputSlot(decoder.output);
let total = 0;
const started = performance.now();
for (let index = 0; index < numSamples; index++) {
  decoder.decode(index, slot);
  total += slot.data[0];
}
console.log(`decoded ${numSamples} × float32[${decoder.output.shape}] in ${(performance.now() - started).toFixed(1)} ms (checksum ${total})`);

// 5. Verify every page, the metadata and the tables against their CRC-32.
const report = verifyDataset(path);
console.log(`verify: ${report.ok ? 'intact' : 'DAMAGED'} (${report.pagesChecked} pages, ${(report.bytesChecked / 1e6).toFixed(2)} MB checked)`);
dataset.close();
if (check && !report.ok) throw new Error('verify failed');
