import { TesseraError } from '../errors.js';
import type { FieldCodec } from '../registry/plugin-contract.js';
import { TYPE_ID } from '../spec/constants.js';
import { type JsonValue, findJsonProblem } from '../util/json-value.js';
import { parsePythonJson, stringifyPythonJson } from '../util/python-json.js';
import { POINTER_SIZE_LAYOUT, paddedBytesDecoder, readPointerAndSize, validatePointerSizeColumn } from './variable-bytes.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Marks a value already checked and turned into its JSON text by toTransferable (main thread). */
const PRESTORED = '\u0000tessera:json';

/**
 * A JSON value per sample (FFCV JSONField, type id 5), stored exactly as FFCV does:
 * Python's `json.dumps(value)` text, UTF-8, followed by one NUL byte.
 *
 * Values are checked before they are stored, on the calling thread whatever the worker count:
 * undefined, functions, symbols, Map, Set, class instances and cycles are E_FIELD_VALUE naming the
 * path inside the value (`$.a[2]`). NaN and ±Infinity are kept (Python's bare words); bigints are
 * stored with every digit and read back as bigint beyond ±(2^53 − 1).
 */
export const jsonCodec: FieldCodec<unknown, Record<string, never>> = {
  id: 'core/json',
  typeId: TYPE_ID.JSON,
  encodeFfcvArguments: () => new Uint8Array(0),
  decodeFfcvArguments: () => ({}),
  metadataLayout: () => POINTER_SIZE_LAYOUT,
  toTransferable: (value) => ({ [PRESTORED]: toJsonText(value) }),
  encode(value, _args, target) {
    const prestored = value !== null && typeof value === 'object' && Object.hasOwn(value, PRESTORED);
    const text = encoder.encode(`${prestored ? (value as Record<string, string>)[PRESTORED] : toJsonText(value)}\0`);
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

function toJsonText(value: unknown): string {
  const problem = findJsonProblem(value, { bigint: true, nonFinite: true });
  if (problem !== undefined) throw new TesseraError('E_FIELD_VALUE', `the JSON value at ${problem.path} ${problem.problem}`);
  return stringifyPythonJson(value);
}
