import { type Dataset, type JsonValue, type OptionalArguments, writeDataset } from '@tessera/core';
import { spec } from '@tessera/core/internals';
import { type ConformanceContext, FIELD } from '../conformance-context.js';
import { fail } from '../conformance-error.js';
import { describeDifference } from '../deep-equal.js';

/**
 * The spec's arguments survive write → open: in `dataset.fields`, in the raw descriptor bytes (FFCV
 * layout for type ids 0–6; the TSPF identity naming codec, plugin and version for 255) and in the
 * extension block — also in a file written without the extension block (FFCV's exact layout).
 * An optional field is stored as core/optional of @tessera/core with the inner field's identity as
 * arguments; `dataset.fields` and the extension block name the inner field's plugin.
 */
export async function checkArgumentRoundTrip(context: ConformanceContext): Promise<void> {
  const expected = context.expectedArguments();
  const codec = context.codec();
  // An optional field's inner codec normalises the inner arguments; core's identity around them is fixed.
  const normalizer = context.innerCodec();
  const normalized = context.isOptional() ? (expected as unknown as OptionalArguments).arguments : expected;
  if (normalizer.normalizeArguments !== undefined) {
    const again: JsonValue = normalizer.normalizeArguments(normalized);
    const difference = describeDifference(normalized, again);
    if (difference !== undefined) fail(`normalizeArguments() is not idempotent (readers normalise stored arguments again): ${difference}`);
  }

  await context.withDataset(await context.reference(), (dataset) => {
    checkDataset(context, dataset, 'the reference file');
    const entry = dataset.extension?.schema.find((field) => field.name === FIELD);
    if (entry === undefined) fail('the extension block has no schema entry for the field');
    const plugin = context.plugin();
    const where = 'the extension block schema entry';
    if (entry.codec !== codec.id) fail(`${where} names codec ${entry.codec}, expected ${codec.id}`);
    if (entry.plugin !== plugin.name || entry.pluginVersion !== plugin.version) {
      fail(`${where} names ${entry.plugin}@${entry.pluginVersion}, expected ${plugin.name}@${plugin.version}`);
    }
    const difference = describeDifference(expected, entry.arguments);
    if (difference !== undefined) fail(`${where} stores different arguments: ${difference}`);
  });

  // Without the extension block the descriptor is the only record of the field's identity.
  const path = context.path('ffcv-layout.beton');
  await writeDataset(path, context.schema(), context.records(context.options.values), context.writeOptions({ integrity: false }));
  await context.withDataset(path, (dataset) => {
    if (dataset.extension !== undefined) fail('a file written with integrity: false has an extension block');
    checkDataset(context, dataset, 'a file without extension block');
  });
}

function checkDataset(context: ConformanceContext, dataset: Dataset, label: string): void {
  const codec = context.codec();
  const plugin = context.plugin();
  const typeId = context.typeId();
  const expected = context.expectedArguments();
  const field = dataset.fields.find((candidate) => candidate.name === FIELD);
  if (field === undefined) fail(`${label}: the field is missing from dataset.fields`);
  const where = `${label}: dataset.fields[${field.index}]`;
  if (field.codecId !== codec.id) fail(`${where}.codecId is ${field.codecId}, expected ${codec.id}`);
  if (field.typeId !== typeId) fail(`${where}.typeId is ${field.typeId}, expected ${typeId}`);
  if (field.plugin !== plugin.name) fail(`${where}.plugin is ${field.plugin}, expected ${plugin.name}`);
  if (field.pluginVersion !== plugin.version) fail(`${where}.pluginVersion is ${field.pluginVersion}, expected ${plugin.version}`);
  let difference = describeDifference(expected, field.arguments);
  if (difference !== undefined) fail(`${where}.arguments differ from the normalised spec arguments: ${difference}`);
  difference = describeDifference(expected, dataset.field(FIELD).arguments);
  if (difference !== undefined) fail(`${label}: dataset.field().arguments differ from the normalised spec arguments: ${difference}`);

  const descriptor = dataset.fileBytes(spec.descriptorOffset(field.index), spec.FIELD_DESCRIPTOR_BYTE_LENGTH);
  if (descriptor[0] !== typeId) fail(`${label}: the descriptor's type id byte is ${descriptor[0]}, expected ${typeId}`);
  const argumentBytes = descriptor.subarray(1 + spec.FIELD_NAME_BYTE_LENGTH);
  if (typeId === spec.TYPE_ID.PLUGIN) {
    const identity = spec.decodePluginArguments(argumentBytes, FIELD);
    const stored = context.descriptorIdentity();
    if (identity.codec !== stored.codec) fail(`${label}: the descriptor's identity names codec ${identity.codec}, expected ${stored.codec}`);
    if (identity.plugin !== stored.plugin || identity.version !== stored.version) {
      fail(`${label}: the descriptor's identity names ${identity.plugin}@${identity.version}, expected ${stored.plugin}@${stored.version}`);
    }
    difference = describeDifference(expected, identity.arguments);
    if (difference !== undefined) fail(`${label}: the descriptor's identity stores different arguments: ${difference}`);
  } else {
    const encoded = codec.encodeFfcvArguments!(expected);
    for (let index = 0; index < argumentBytes.byteLength; index++) {
      if (argumentBytes[index] !== (index < encoded.byteLength ? encoded[index] : 0)) {
        fail(`${label}: descriptor argument byte ${index} is ${argumentBytes[index]}, but encodeFfcvArguments() gives ${index < encoded.byteLength ? encoded[index] : '0 (past its end)'}`);
      }
    }
    difference = describeDifference(expected, codec.decodeFfcvArguments!(argumentBytes));
    if (difference !== undefined) fail(`${label}: decodeFfcvArguments() of the stored bytes differs from the arguments: ${difference}`);
  }
}
