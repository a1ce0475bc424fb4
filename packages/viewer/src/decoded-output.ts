import { type Dataset, type DecoderInstance, type JsonValue, TesseraError, createOutputSlot } from '@tessera/core';
import { encodeBmp } from '@tessera/core/internals';
import { HttpError } from './http-error.js';

/** Decoders set up per (field, decoder, options): setup may scan the file, so it is done once. */
const MAX_DECODERS = 16;
const MAX_JSON_VALUES = 4096;

/** The decoder names of a field's codec (empty when the registry cannot say, e.g. a wrapped optional field). */
export function decoderNamesOf(dataset: Dataset, fieldName: string): string[] {
  const codecId = dataset.fields.find((field) => field.name === fieldName)?.codecId;
  const codec = codecId === undefined ? undefined : dataset.registry.byCodecId(codecId)?.codec;
  return codec === undefined ? [] : Object.keys(codec.decoders);
}

export type DecodedOutput = { kind: 'image'; contentType: 'image/bmp'; body: Buffer } | { kind: 'json'; value: JsonValue };

/**
 * What a chosen decoder makes of one row — the crop a `center-crop` or `random-resized-crop`
 * decoder would hand the model (its fixed, context-free choice): a uint8 [height, width, 1 or 3]
 * output as a BMP, anything else as `{ dtype, shape, lengths, values }` (the first 4096 values).
 */
export function createDecodedOutputs(dataset: Dataset) {
  const decoders = new Map<string, DecoderInstance>();
  return async function decoded(fieldName: string, row: number, decoderName: string, optionsText: string | null): Promise<DecodedOutput> {
    let options: JsonValue | undefined;
    if (optionsText !== null && optionsText !== '') {
      try {
        options = JSON.parse(optionsText) as JsonValue;
      } catch {
        throw new HttpError(400, 'E_ARGUMENT', `options must be JSON, e.g. {"outputSize":224}; got ${JSON.stringify(optionsText.slice(0, 200))}`);
      }
    }
    const names = decoderNamesOf(dataset, fieldName);
    if (!names.includes(decoderName)) throw new HttpError(404, 'E_NO_DECODER', `field "${fieldName}" has no decoder ${JSON.stringify(decoderName)}; its decoders are ${names.join(', ') || 'unknown'}`);
    const key = JSON.stringify([fieldName, decoderName, options ?? null]);
    let decoder = decoders.get(key);
    if (decoder === undefined) {
      try {
        decoder = dataset.createDecoder(fieldName, decoderName, options);
      } catch (error) {
        if (error instanceof TesseraError && error.code !== 'E_IO') throw new HttpError(400, error.code, error.message);
        throw error;
      }
      if (decoders.size >= MAX_DECODERS) decoders.delete(decoders.keys().next().value!);
      decoders.set(key, decoder);
    }
    dataset.assertUnchanged();
    const slot = createOutputSlot(decoder.output);
    await decoder.decode(row, slot);
    const { dtype, shape, variableDims } = decoder.output;
    if (dtype === 'uint8' && shape.length === 3 && (shape[2] === 3 || shape[2] === 1) && (variableDims?.length ?? 0) === 0) {
      return { kind: 'image', contentType: 'image/bmp', body: Buffer.from(encodeBmp(slot.bytes, shape[1]!, shape[0]!, shape[2] as 1 | 3)) };
    }
    const values: Array<number | string> = [];
    const data = slot.data as ArrayLike<number | bigint>;
    for (let index = 0; index < Math.min(data.length, MAX_JSON_VALUES); index++) {
      const value = data[index]!;
      values.push(typeof value === 'bigint' ? value.toString() : Number.isFinite(value) ? value : String(value));
    }
    return { kind: 'json', value: { dtype, shape: [...shape], lengths: Array.from(slot.lengths), values } };
  };
}
