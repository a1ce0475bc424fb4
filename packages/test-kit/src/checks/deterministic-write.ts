import { readFileSync } from 'node:fs';
import { type Dataset, writeDataset } from '@tessera/core';
import { spec } from '@tessera/core/internals';
import { type ConformanceContext, messageOf } from '../conformance-context.js';
import { fail } from '../conformance-error.js';
import { firstDifferentByte } from '../output-probe.js';

/**
 * The file is a pure function of the samples: workers: 2 (plugin rebuilt from its origin in each
 * worker, chunks encoded out of order) and a source of unknown length give the same bytes as the
 * reference file written with workers: 0.
 */
export async function checkDeterministicWrite(context: ConformanceContext): Promise<void> {
  const referencePath = await context.reference();
  const reference = readFileSync(referencePath);
  const records = context.records(context.samples);

  const parallelPath = context.path('workers-2.beton');
  try {
    await writeDataset(parallelPath, context.schema(), records, context.writeOptions({ workers: 2 }));
  } catch (error) {
    fail(`writing with workers: 2 failed (the plugin is rebuilt from its origin in each worker): ${messageOf(error)}`, error);
  }
  await compareFiles(context, referencePath, reference, parallelPath, 'workers: 2');

  const iterablePath = context.path('iterable.beton');
  await writeDataset(iterablePath, context.schema(), (function* () {
    yield* records;
  })(), context.writeOptions());
  await compareFiles(context, referencePath, reference, iterablePath, 'an iterable source (unknown length)');
}

async function compareFiles(context: ConformanceContext, referencePath: string, reference: Uint8Array, path: string, label: string): Promise<void> {
  const other = readFileSync(path);
  const offset = firstDifferentByte(reference, other);
  if (offset < 0) return;
  const where = await context.withDataset(referencePath, (dataset) => describeFileOffset(dataset, offset));
  fail(
    `the file written with ${label} differs from the one written with workers: 0 (${reference.byteLength} vs ${other.byteLength} bytes), first at byte ${offset} (${where}); encode() must be a pure function of (value, arguments), and values must survive structured cloning to a worker unchanged (otherwise give the codec a toTransferable())`,
  );
}

/** Names the part of a .beton file a byte offset falls in. */
export function describeFileOffset(dataset: Dataset, offset: number): string {
  const { layout, fields } = dataset;
  if (offset < spec.HEADER_BYTE_LENGTH) return 'the header';
  if (offset < layout.metadataStart) return `the descriptor of field ${Math.floor((offset - spec.HEADER_BYTE_LENGTH) / spec.FIELD_DESCRIPTOR_BYTE_LENGTH)}`;
  const metadataEnd = layout.metadataStart + dataset.numSamples * layout.recordByteLength;
  if (offset < metadataEnd) {
    const sample = Math.floor((offset - layout.metadataStart) / layout.recordByteLength);
    const column = (offset - layout.metadataStart) % layout.recordByteLength;
    const field = fields.find((candidate) => column >= candidate.columnOffset && column < candidate.columnOffset + candidate.metadataByteLength);
    return `the metadata of sample ${sample}, ${field === undefined ? 'record padding' : `field "${field.name}" byte ${column - field.columnOffset}`}`;
  }
  if (offset < layout.dataStart) return 'the padding before the data pages';
  if (offset < layout.dataEnd) return `data page ${Math.floor((offset - layout.dataStart) / dataset.pageSize)}`;
  if (layout.extensionOffset !== undefined && offset < layout.allocationTableOffset) return 'the extension block (schema, checksums)';
  return `allocation table entry ${Math.floor((offset - layout.allocationTableOffset) / spec.ALLOCATION_ENTRY_BYTE_LENGTH)}`;
}
