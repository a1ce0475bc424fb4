import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TesseraError, writeDataset } from '@tessera/core';
import { type ConformanceContext, FIELD } from '../conformance-context.js';
import { fail } from '../conformance-error.js';
import { formatValue } from '../deep-equal.js';

/** E_IO: a value that names a file the operating system cannot read (a missing image path). */
const ACCEPTED_CODES = ['E_ENCODE', 'E_FIELD_VALUE', 'E_IO'];
const TARGET = 'target.beton';

/**
 * Every invalid value makes writeDataset reject with a TesseraError (E_ENCODE, E_FIELD_VALUE, or
 * E_IO for a value naming a file that cannot be read, or one of the plugin's own `invalidValueCodes`)
 * that names the field and the sample, both in its message and as `field` / `sampleIndex`; the
 * target is not created, an existing target keeps its bytes, and no temporary file is left behind.
 * Written on the calling thread (workers: 0) into a fresh folder, then with workers: 2 over an
 * existing file (the error crosses a thread boundary).
 */
export async function checkInvalidValues(context: ConformanceContext): Promise<void> {
  const invalidValues = context.options.invalidValues ?? [];
  const { values } = context.options;
  // Valid samples before and after, so the failing sample has a non-zero index.
  const sampleIndex = values.length;
  for (let valueIndex = 0; valueIndex < invalidValues.length; valueIndex++) {
    const value = invalidValues[valueIndex];
    const records = context.records([...values, value, values[0]]);
    const label = `invalidValues[${valueIndex}] (${formatValue(value)}) at sample ${sampleIndex}`;

    const freshFolder = context.path('invalid', { folder: true });
    const freshTarget = join(freshFolder, TARGET);
    const accepted = [...ACCEPTED_CODES, ...(context.options.invalidValueCodes ?? [])];
    await expectRejection(() => writeDataset(freshTarget, context.schema(), records, context.writeOptions()), sampleIndex, `${label}, workers: 0`, accepted);
    if (existsSync(freshTarget)) fail(`${label}, workers: 0: the target file was created although the write failed`);
    const leftovers = readdirSync(freshFolder);
    if (leftovers.length > 0) fail(`${label}, workers: 0: the failed write left ${leftovers.join(', ')} behind`);

    const existingFolder = context.path('invalid-existing', { folder: true });
    const existingTarget = join(existingFolder, TARGET);
    const previous = new TextEncoder().encode('an existing file the failed write must not touch\n'.repeat(40));
    writeFileSync(existingTarget, previous);
    // Values that cannot be structured-cloned never reach a worker (the writer says so without naming a field).
    const workers = isCloneable(value) ? 2 : 0;
    await expectRejection(
      () => writeDataset(existingTarget, context.schema(), records, context.writeOptions({ workers })),
      sampleIndex,
      `${label}, workers: ${workers}, over an existing file`,
      accepted,
    );
    if (!Buffer.from(previous).equals(readFileSync(existingTarget))) fail(`${label}, workers: ${workers}: the existing target file was changed by a failed write`);
    const remaining = readdirSync(existingFolder);
    if (remaining.length !== 1) fail(`${label}, workers: ${workers}: the failed write left ${remaining.filter((name) => name !== TARGET).join(', ')} behind`);
  }
}

async function expectRejection(write: () => Promise<unknown>, sampleIndex: number, label: string, accepted: readonly string[]): Promise<void> {
  let error: unknown;
  try {
    await write();
  } catch (caught) {
    error = caught;
  }
  if (error === undefined) fail(`${label}: writeDataset accepted it; encode() must throw for values the codec cannot store`);
  if (!(error instanceof TesseraError)) {
    const name = error instanceof Error ? error.name : typeof error;
    fail(`${label}: writeDataset rejected with a ${name} (${error instanceof Error ? error.message : String(error)}), not a TesseraError (is more than one copy of @tessera/core installed?)`, error);
  }
  const where = `${label}: ${error.code} "${error.message}"`;
  if (!accepted.includes(error.code)) fail(`${where}: the code should be ${accepted.join(' or ')}`, error);
  if (!error.message.includes(`"${FIELD}"`) && !new RegExp(`\\b${FIELD}\\b`).test(error.message)) fail(`${where}: the message does not name the field "${FIELD}"`, error);
  if (!new RegExp(`\\bsample ${sampleIndex}\\b`).test(error.message)) fail(`${where}: the message does not name sample ${sampleIndex}`, error);
  const details = error as TesseraError & { field?: unknown; sampleIndex?: unknown };
  if (details.field !== FIELD || details.sampleIndex !== sampleIndex) {
    fail(`${where}: error.field / error.sampleIndex are ${formatValue(details.field)} / ${formatValue(details.sampleIndex)}, expected "${FIELD}" / ${sampleIndex}`, error);
  }
}

function isCloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
