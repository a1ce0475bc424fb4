import { COMPANION_FIELD, type ConformanceContext, FIELD, INDEX_FIELD, companionBytes, messageOf } from '../conformance-context.js';
import { fail } from '../conformance-error.js';
import { describeDifference, formatValue } from '../deep-equal.js';

/**
 * encode → write (workers: 0) → open → read gives back every value (through `equals`); the
 * companion fields are intact; `toJSON` renders every sample as plain data.
 */
export async function checkValueRoundTrip(context: ConformanceContext): Promise<void> {
  const { samples, straightSampleCount } = context;
  await context.withDataset(await context.reference(), (dataset) => {
    if (dataset.numSamples !== samples.length) fail(`the file has ${dataset.numSamples} samples, ${samples.length} were written`);
    for (let sampleIndex = 0; sampleIndex < samples.length; sampleIndex++) {
      const kind = sampleIndex < context.options.values.length ? 'value' : sampleIndex < straightSampleCount ? 'edge value' : 'mixed value';
      const what = `sample ${sampleIndex} (${kind} ${formatValue(samples[sampleIndex])})`;
      let read: unknown;
      try {
        read = dataset.read(sampleIndex, FIELD);
      } catch (error) {
        fail(`${what}: read() threw: ${messageOf(error)}`, error);
      }
      context.assertEqual(samples[sampleIndex], read, what);

      const index = dataset.read(sampleIndex, INDEX_FIELD);
      if (index !== sampleIndex) fail(`${what}: the companion int64 field reads ${formatValue(index)}, expected ${sampleIndex}`);
      const companion = describeDifference(companionBytes(sampleIndex), dataset.read(sampleIndex, COMPANION_FIELD));
      if (companion !== undefined) fail(`${what}: the companion bytes field (written after this field) changed: ${companion}`);

      let rendered: unknown;
      try {
        rendered = dataset.toJSON(sampleIndex, FIELD);
      } catch (error) {
        fail(`${what}: toJSON() threw: ${messageOf(error)}`, error);
      }
      const problem = findNonPlainData(rendered, 'toJSON()', new Set());
      if (problem !== undefined) fail(`${what}: ${problem}`);
    }
  });
}

/** Dumps allow null, booleans, numbers (NaN, ±Infinity), bigints, strings, arrays and plain objects. */
function findNonPlainData(value: unknown, path: string, seen: Set<object>): string | undefined {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case 'boolean':
    case 'number':
    case 'bigint':
    case 'string':
      return undefined;
    case 'object':
      break;
    default:
      return `${path} is a ${typeof value}; toJSON must return plain data`;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    return `${path} is binary (${formatValue(value)}); render payloads as { byteLength, sha256 } with field.describeBytes(), or as an array of numbers`;
  }
  if (seen.has(value)) return `${path} is circular`;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const problem = findNonPlainData(value[index], `${path}[${index}]`, seen);
      if (problem !== undefined) return problem;
    }
  } else {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return `${path} is a ${prototype?.constructor?.name ?? 'class'} instance, not a plain object`;
    for (const [key, item] of Object.entries(value)) {
      const problem = findNonPlainData(item, `${path}.${key}`, seen);
      if (problem !== undefined) return problem;
    }
  }
  seen.delete(value);
  return undefined;
}
