import { OPTIONAL_CODEC_ID } from '../fields/optional-field.js';
import { PluginError, TesseraError, wrapPluginError } from '../errors.js';
import type { EncodeTarget, RegisteredCodecRef } from '../registry/plugin-contract.js';
import type { SchemaPlan } from './field-plan.js';

/**
 * The output of encoding consecutive samples, independent of where they will be placed:
 * metadata records with pointers left zero, the payloads (each its own buffer, so a worker can
 * transfer them without copying), and one row per allocation.
 * Placement (pages, absolute pointers) happens later, in sample order, on the main thread —
 * which is what makes the output identical whatever the number of workers.
 */
export interface EncodedChunk {
  firstSampleIndex: number;
  sampleCount: number;
  /** sampleCount * recordByteLength bytes */
  metadata: Uint8Array;
  /** the payloads, in allocation order (row i of `allocations` describes payloads[i]) */
  payloads: Uint8Array[];
  payloadByteLength: number;
  /**
   * ALLOCATION_COLUMNS numbers per allocation, sorted by sample:
   * [sample offset within the chunk, byte length, pointer position in `metadata` or -1]
   */
  allocations: Float64Array;
  allocationCount: number;
}

export const ALLOCATION_COLUMNS = 3;

export type SampleRecord = Readonly<Record<string, unknown>>;

interface PendingAllocation {
  payload: Uint8Array;
  pointerPosition: number;
}

/** Encodes `samples` (consecutive, starting at `firstSampleIndex`). Fields of a sample run in order. */
/** `stopped` (writer workers): checked before each sample; true ends the chunk with E_CLOSED, the write having failed elsewhere. */
export async function encodeChunk(plan: SchemaPlan, samples: readonly SampleRecord[], firstSampleIndex: number, stopped?: () => boolean): Promise<EncodedChunk> {
  const { recordByteLength } = plan;
  const metadata = new Uint8Array(samples.length * recordByteLength);
  const perSample: PendingAllocation[][] = new Array(samples.length);
  const pending: Promise<void>[] = [];
  const lookup = (codecId: string): RegisteredCodecRef | undefined => plan.registry.byCodecId(codecId);

  for (let local = 0; local < samples.length; local++) {
    if (stopped?.() === true) throw new TesseraError('E_CLOSED', 'the write was abandoned');
    const allocations: PendingAllocation[] = [];
    perSample[local] = allocations;
    const sample = samples[local];
    const sampleIndex = firstSampleIndex + local;
    if (sample === null || typeof sample !== 'object') {
      throw new PluginError('E_FIELD_VALUE', `sample ${sampleIndex} is ${sample === null ? 'null' : typeof sample}, expected an object with one property per field`, {
        sampleIndex,
      });
    }
    const run = encodeSample(plan, sample, sampleIndex, metadata, local * recordByteLength, allocations, lookup);
    if (run !== undefined) pending.push(run);
  }
  if (pending.length > 0) await Promise.all(pending);

  let allocationCount = 0;
  for (const allocations of perSample) allocationCount += allocations.length;
  const payloads: Uint8Array[] = new Array(allocationCount);
  const table = new Float64Array(allocationCount * ALLOCATION_COLUMNS);
  let payloadByteLength = 0;
  let row = 0;
  for (let local = 0; local < perSample.length; local++) {
    for (const allocation of perSample[local]!) {
      payloads[row] = allocation.payload;
      payloadByteLength += allocation.payload.byteLength;
      table[row * ALLOCATION_COLUMNS] = local;
      table[row * ALLOCATION_COLUMNS + 1] = allocation.payload.byteLength;
      table[row * ALLOCATION_COLUMNS + 2] = allocation.pointerPosition;
      row += 1;
    }
  }
  return { firstSampleIndex, sampleCount: samples.length, metadata, payloads, payloadByteLength, allocations: table, allocationCount };
}

/** Returns a promise only when some codec was asynchronous. */
function encodeSample(
  plan: SchemaPlan,
  sample: SampleRecord,
  sampleIndex: number,
  metadata: Uint8Array,
  recordOffset: number,
  allocations: PendingAllocation[],
  lookup: EncodeTarget['codec'],
): Promise<void> | undefined {
  const { fields } = plan;
  for (let fieldIndex = 0; fieldIndex < fields.length; fieldIndex++) {
    const field = fields[fieldIndex]!;
    const target = makeTarget(metadata, recordOffset + field.columnOffset, field.layout.byteLength, sampleIndex, allocations, field.name, lookup);
    let result: void | Promise<void>;
    try {
      // An optional field may be left out of a sample: that is "absent", like null.
      if (!(field.name in sample) && field.codec.id !== OPTIONAL_CODEC_ID) throw new PluginError('E_FIELD_VALUE', `sample ${sampleIndex} has no value for field "${field.name}"`, { field: field.name, sampleIndex });
      result = field.codec.encode(sample[field.name], field.arguments, target);
    } catch (error) {
      throw wrapEncodeError(error, field.plugin.name, field.name, sampleIndex);
    }
    if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
      return (async () => {
        try {
          await result;
        } catch (error) {
          throw wrapEncodeError(error, field.plugin.name, field.name, sampleIndex);
        }
        for (let next = fieldIndex + 1; next < fields.length; next++) {
          const later = fields[next]!;
          const laterTarget = makeTarget(metadata, recordOffset + later.columnOffset, later.layout.byteLength, sampleIndex, allocations, later.name, lookup);
          try {
            if (!(later.name in sample) && later.codec.id !== OPTIONAL_CODEC_ID) throw new PluginError('E_FIELD_VALUE', `sample ${sampleIndex} has no value for field "${later.name}"`, { field: later.name, sampleIndex });
            await later.codec.encode(sample[later.name], later.arguments, laterTarget);
          } catch (error) {
            throw wrapEncodeError(error, later.plugin.name, later.name, sampleIndex);
          }
        }
      })();
    }
  }
  return undefined;
}

function wrapEncodeError(error: unknown, plugin: string, field: string, sampleIndex: number) {
  if (error instanceof PluginError && error.code === 'E_FIELD_VALUE' && error.field !== undefined) return error;
  return wrapPluginError(error, { plugin, hook: 'encode', field, sampleIndex });
}

function makeTarget(
  metadata: Uint8Array,
  columnStart: number,
  columnByteLength: number,
  sampleIndex: number,
  allocations: PendingAllocation[],
  fieldName: string,
  lookup: EncodeTarget['codec'],
): EncodeTarget {
  return {
    sampleIndex,
    codec: lookup,
    metadata: new DataView(metadata.buffer, metadata.byteOffset + columnStart, columnByteLength),
    allocate(payload: Uint8Array, pointerOffset?: number) {
      if (!(payload instanceof Uint8Array)) throw new TypeError(`allocate() of field "${fieldName}" needs a Uint8Array`);
      if (pointerOffset !== undefined && (!Number.isInteger(pointerOffset) || pointerOffset < 0 || pointerOffset + 8 > columnByteLength)) {
        throw new RangeError(`allocate() pointer offset ${pointerOffset} does not fit the ${columnByteLength}-byte metadata column`);
      }
      allocations.push({ payload: payload.slice(), pointerPosition: pointerOffset === undefined ? -1 : columnStart + pointerOffset });
    },
  };
}
