import { ArgumentError, type FieldReader } from '@tessera/core';
import { INTERLEAVED_CODEC_ID, type InterleavedArguments, TEXT_TOKENS_CODEC_ID, kindCount, kindLength } from './interleaved-codec.js';

/**
 * Per-sample extents of an interleaved field, from the metadata alone (no document is read): for a
 * media kind, its items per document; for a text kind, its tokens per document. For an order or a
 * batch budget by images per document: `lengthGroupedOrder({ lengths: documentLengths(dataset,
 * 'document', 'image'), … })`. The field's own `dataset.lengths(name)` is its sequence length
 * before budgets (text tokens plus one per media item).
 */
export function documentLengths(dataset: { field(name: string): FieldReader }, fieldName: string, kind: string): Uint32Array {
  const field = dataset.field(fieldName);
  const codecId = field.codecId === 'core/optional' ? (field.arguments as { codec?: string }).codec : field.codecId;
  if (codecId !== INTERLEAVED_CODEC_ID) throw new ArgumentError('documentLengths()', `field "${fieldName}" is ${codecId}, not an interleaved field`);
  const args = (field.codecId === 'core/optional' ? (field.arguments as { arguments: unknown }).arguments : field.arguments) as InterleavedArguments;
  const index = args.kinds.findIndex((entry) => entry.name === kind);
  if (index < 0) throw new ArgumentError('documentLengths()', `field "${fieldName}" has no item kind "${kind}"; its kinds are ${args.kinds.map((entry) => entry.name).join(', ')}`);
  const text = args.kinds[index]!.codec === TEXT_TOKENS_CODEC_ID;
  const out = new Uint32Array(field.numSamples);
  for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) out[sampleIndex] = text ? kindLength(field, sampleIndex, index) : kindCount(field, sampleIndex, index);
  return out;
}
