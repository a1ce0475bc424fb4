import { readFileSync } from 'node:fs';
import { TesseraError, writeDataset } from '@tessera/core';
import { type ConformanceContext, FIELD, messageOf } from '../conformance-context.js';
import { fail } from '../conformance-error.js';
import { describeDifference } from '../deep-equal.js';
import { checkOutputSpec } from '../output-probe.js';

/** A dataset of 0 samples writes (identically with workers: 0 and 2), opens, and sets up every decoder. */
export async function checkEmptyDataset(context: ConformanceContext): Promise<void> {
  const path = context.path('empty.beton');
  const parallelPath = context.path('empty-workers-2.beton');
  try {
    await writeDataset(path, context.schema(), [], context.writeOptions());
    await writeDataset(parallelPath, context.schema(), [], context.writeOptions({ workers: 2 }));
  } catch (error) {
    fail(`writing an empty dataset failed: ${messageOf(error)}`, error);
  }
  const serial = readFileSync(path);
  const parallel = readFileSync(parallelPath);
  if (!serial.equals(parallel)) {
    let offset = 0;
    while (offset < serial.length && offset < parallel.length && serial[offset] === parallel[offset]) offset++;
    fail(`empty datasets written with workers: 0 and workers: 2 differ (${serial.length} and ${parallel.length} bytes, first difference at byte ${offset})`);
  }
  await context.withDataset(path, (dataset) => {
    if (dataset.numSamples !== 0) fail(`the empty dataset reports ${dataset.numSamples} samples`);
    const difference = describeDifference(context.expectedArguments(), dataset.field(FIELD).arguments);
    if (difference !== undefined) fail(`the empty dataset's field arguments differ: ${difference}`);
    for (const [decoder, options] of context.decoders()) {
      let output: unknown;
      try {
        output = dataset.createDecoder(FIELD, decoder, options).output;
      } catch (error) {
        fail(`decoder "${decoder}" setup on an empty dataset threw: ${messageOf(error)}`, error);
      }
      checkOutputSpec(output, `decoder "${decoder}" on an empty dataset`);
    }
    try {
      dataset.read(0, FIELD);
    } catch (error) {
      if (error instanceof TesseraError && error.code === 'E_SAMPLE_INDEX') return;
      fail(`read(0) of an empty dataset should throw E_SAMPLE_INDEX, threw ${messageOf(error)}`, error);
    }
    fail('read(0) of an empty dataset returned a value');
  });
}
