import type { FieldCodec } from '../registry/plugin-contract.js';
import { TYPE_ID } from '../spec/constants.js';
import type { JsonValue } from '../util/json-value.js';
import { parsePythonJson, stringifyPythonJson } from '../util/python-json.js';
import { POINTER_SIZE_LAYOUT, paddedBytesDecoder, readPointerAndSize, validatePointerSizeColumn } from './variable-bytes.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * A JSON value per sample (FFCV JSONField, type id 5), stored exactly as FFCV does:
 * Python's `json.dumps(value)` text, UTF-8, followed by one NUL byte.
 */
export const jsonCodec: FieldCodec<unknown, Record<string, never>> = {
  id: 'core/json',
  typeId: TYPE_ID.JSON,
  encodeFfcvArguments: () => new Uint8Array(0),
  decodeFfcvArguments: () => ({}),
  metadataLayout: () => POINTER_SIZE_LAYOUT,
  encode(value, _args, target) {
    const text = encoder.encode(`${stringifyPythonJson(value)}\0`);
    target.metadata.setBigUint64(8, BigInt(text.byteLength), true);
    target.allocate(text, 0);
  },
  validate: validatePointerSizeColumn,
  read(field, sampleIndex): JsonValue {
    const [pointer, byteLength] = readPointerAndSize(field, sampleIndex);
    if (byteLength === 0) throw new RangeError(`sample ${sampleIndex} stores no JSON text (0 bytes)`);
    const bytes = field.bytes(pointer, byteLength);
    let end = bytes.indexOf(0);
    if (end < 0) end = bytes.byteLength;
    return parsePythonJson(decoder.decode(bytes.subarray(0, end)));
  },
  decoders: { bytes: paddedBytesDecoder },
  defaultDecoder: 'bytes',
};
