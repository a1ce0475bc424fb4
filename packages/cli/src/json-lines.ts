import { createHash } from 'node:crypto';
import { TesseraError } from '@tessera/core';

/**
 * JSON text for `tessera dump` and `--json` output, one value per line, in the dialect of Python's
 * `json.dumps` (which wrote FFCV's JSON fields): standard JSON, except that it keeps what
 * `JSON.stringify` would lose or reject:
 *
 *   bigint            a bare integer with every digit (9007199254740993, not ...992)
 *   NaN, ±Infinity    the bare tokens NaN, Infinity, -Infinity, as json.dumps writes them; a
 *                     STRING "NaN" stays the quoted "NaN", so the two never look alike
 *   -0                -0 (bare; JSON.stringify writes 0)
 *   typed arrays      arrays of their elements (BigInt64Array elements as bare integers)
 *   raw bytes         { "byteLength": n, "sha256": hex } for Uint8Array, DataView and ArrayBuffer,
 *                     like the core codecs' rendering of binary payloads
 *   Map, Set          an object (keys as strings) and an array
 *   toJSON()          called, as JSON.stringify does (Date...)
 *   undefined, functions and symbols: dropped from objects, null in arrays
 *
 * Separators are ", " and ": " (Python's json.dumps defaults, which FFCV users compare against).
 * A line without non-finite numbers parses with JSON.parse; every line parses with Python's
 * json.loads (NaN and the infinities included) and with JSON5 readers. Readers that need exact
 * 64-bit integers should use a big-number-aware parser.
 *
 * A value that cannot be written (a cycle) is an E_ARGUMENT TesseraError naming where it is.
 */
export function stringifyJson(value: unknown): string {
  return writeValue(value, []);
}

function writeValue(value: unknown, ancestors: object[]): string {
  switch (typeof value) {
    case 'number':
      return formatNumber(value);
    case 'string':
      return JSON.stringify(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return value === null ? 'null' : writeObject(value, ancestors);
    default:
      // undefined, functions, symbols: null where a value is required (arrays, top level)
      return 'null';
  }
}

function formatNumber(value: number): string {
  if (Number.isFinite(value)) return Object.is(value, -0) ? '-0' : String(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

function writeObject(value: object, ancestors: object[]): string {
  if (ancestors.includes(value)) {
    throw new TesseraError('E_ARGUMENT', `cannot print the value as JSON: it contains a cycle (an object inside itself, ${ancestors.length} levels down); print a copy without the back reference`);
  }
  ancestors.push(value);
  try {
    if (Array.isArray(value)) return writeItems(value, ancestors);
    if (ArrayBuffer.isView(value)) {
      if (value instanceof Uint8Array || value instanceof DataView) return describeBytes(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      return writeItems(value as unknown as ArrayLike<unknown>, ancestors);
    }
    if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return describeBytes(new Uint8Array(value));
    if (value instanceof Set) return writeItems([...value], ancestors);
    const withToJson = value as { toJSON?: () => unknown };
    if (typeof withToJson.toJSON === 'function') return writeValue(withToJson.toJSON(), ancestors);
    const entries: Iterable<[unknown, unknown]> = value instanceof Map ? value.entries() : Object.entries(value);
    let text = '{';
    for (const [key, item] of entries) {
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      text += `${text.length === 1 ? '' : ', '}${JSON.stringify(String(key))}: ${writeValue(item, ancestors)}`;
    }
    return `${text}}`;
  } finally {
    ancestors.pop();
  }
}

function writeItems(items: ArrayLike<unknown>, ancestors: object[]): string {
  let text = '[';
  for (let index = 0; index < items.length; index++) {
    text += `${index === 0 ? '' : ', '}${writeValue(items[index], ancestors)}`;
  }
  return `${text}]`;
}

function describeBytes(bytes: Uint8Array): string {
  return `{"byteLength": ${bytes.byteLength}, "sha256": "${createHash('sha256').update(bytes).digest('hex')}"}`;
}
