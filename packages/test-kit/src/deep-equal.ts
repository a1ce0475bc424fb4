/**
 * Structural equality for values that went through a codec, with typed-array awareness.
 *
 * - Numbers compare bit-exactly: `-0` differs from `0`, and NaNs are equal only with the same bits.
 * - A number and a bigint are equal when they hold the same integer (int64 reads safe integers
 *   back as numbers).
 * - Typed arrays are equal when they have the same element type and the same bytes (a Buffer is a
 *   Uint8Array); ArrayBuffers and DataViews compare their bytes.
 * - Object properties whose value is `undefined` count as absent, as in JSON.
 *
 * With `absoluteTolerance`, numbers (and typed-array elements) may differ by that much: the
 * comparison for lossy codecs.
 */
export interface EqualityOptions {
  absoluteTolerance?: number;
}

/** Where and how `actual` differs from `expected`, or undefined when they are equal. */
export function describeDifference(expected: unknown, actual: unknown, options: EqualityOptions = {}): string | undefined {
  return compare(expected, actual, '', options, new Map());
}

export function deepEqual(expected: unknown, actual: unknown, options: EqualityOptions = {}): boolean {
  return describeDifference(expected, actual, options) === undefined;
}

/**
 * An `equals` for lossy codecs: structure must match exactly, numbers within `absoluteTolerance`.
 * Example: `equals: withinTolerance(0.5)` for 8-bit pixels decoded from a lossless-ish encoding.
 */
export function withinTolerance(absoluteTolerance: number): (written: unknown, read: unknown) => void {
  if (!(absoluteTolerance >= 0)) throw new RangeError(`absoluteTolerance must be a non-negative number, got ${absoluteTolerance}`);
  return (written, read) => {
    const difference = describeDifference(written, read, { absoluteTolerance });
    if (difference !== undefined) throw new Error(`read value differs from the written value beyond ±${absoluteTolerance}: ${difference}`);
  };
}

const scratch = new Float64Array(1);
const scratchBits = new BigUint64Array(scratch.buffer);

function bitsOf(value: number): bigint {
  scratch[0] = value;
  return scratchBits[0]!;
}

function sameNumber(expected: number, actual: number, options: EqualityOptions): boolean {
  if (options.absoluteTolerance !== undefined && Number.isFinite(expected) && Number.isFinite(actual)) {
    return Math.abs(expected - actual) <= options.absoluteTolerance;
  }
  if (Number.isNaN(expected) && Number.isNaN(actual)) return bitsOf(expected) === bitsOf(actual);
  return Object.is(expected, actual);
}

function typedArrayKind(value: unknown): string | undefined {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return undefined;
  // The toStringTag of a Buffer is "Uint8Array" too.
  return Object.prototype.toString.call(value).slice(8, -1);
}

function bytesOf(value: ArrayBufferView | ArrayBufferLike): Uint8Array {
  return ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(value);
}

function compare(expected: unknown, actual: unknown, path: string, options: EqualityOptions, seen: Map<object, object>): string | undefined {
  const at = path === '' ? '' : `at ${path}: `;
  if (typeof expected === 'number' && typeof actual === 'number') {
    return sameNumber(expected, actual, options) ? undefined : `${at}expected ${formatValue(expected)}, got ${formatValue(actual)}`;
  }
  if ((typeof expected === 'bigint' || typeof expected === 'number') && (typeof actual === 'bigint' || typeof actual === 'number')) {
    const equal =
      typeof expected === 'bigint'
        ? typeof actual === 'bigint'
          ? expected === actual
          : sameInteger(expected, actual)
        : sameInteger(actual as bigint, expected);
    return equal ? undefined : `${at}expected ${formatValue(expected)}, got ${formatValue(actual)}`;
  }
  if (expected === null || actual === null || typeof expected !== 'object' || typeof actual !== 'object') {
    return Object.is(expected, actual) ? undefined : `${at}expected ${formatValue(expected)}, got ${formatValue(actual)}`;
  }
  if (seen.get(expected) === actual) return undefined;
  seen.set(expected, actual);

  const expectedKind = typedArrayKind(expected);
  const actualKind = typedArrayKind(actual);
  if (expectedKind !== undefined || actualKind !== undefined) {
    if (expectedKind !== actualKind) return `${at}expected ${formatValue(expected)}, got ${formatValue(actual)}`;
    return compareTypedArrays(expected as TypedArrayLike, actual as TypedArrayLike, at, options);
  }
  if (expected instanceof ArrayBuffer || expected instanceof DataView || actual instanceof ArrayBuffer || actual instanceof DataView) {
    if (Object.prototype.toString.call(expected) !== Object.prototype.toString.call(actual)) {
      return `${at}expected ${formatValue(expected)}, got ${formatValue(actual)}`;
    }
    return compareTypedArrays(bytesOf(expected as ArrayBuffer), bytesOf(actual as ArrayBuffer), at, {});
  }
  if (Array.isArray(expected) || Array.isArray(actual)) {
    if (!Array.isArray(expected) || !Array.isArray(actual)) return `${at}expected ${formatValue(expected)}, got ${formatValue(actual)}`;
    if (expected.length !== actual.length) return `${at}expected an array of length ${expected.length}, got length ${actual.length}`;
    for (let index = 0; index < expected.length; index++) {
      const difference = compare(expected[index], actual[index], `${path}[${index}]`, options, seen);
      if (difference !== undefined) return difference;
    }
    return undefined;
  }
  if (expected instanceof Date || actual instanceof Date) {
    const same = expected instanceof Date && actual instanceof Date && Object.is(expected.getTime(), actual.getTime());
    return same ? undefined : `${at}expected ${formatValue(expected)}, got ${formatValue(actual)}`;
  }
  if (expected instanceof Map || actual instanceof Map || expected instanceof Set || actual instanceof Set) {
    return compareCollections(expected, actual, path, options, seen);
  }
  const expectedKeys = definedKeys(expected);
  const actualKeys = definedKeys(actual);
  for (const key of expectedKeys) {
    if (!actualKeys.includes(key)) return `${at}property ${JSON.stringify(key)} is missing`;
  }
  for (const key of actualKeys) {
    if (!expectedKeys.includes(key)) return `${at}unexpected property ${JSON.stringify(key)} = ${formatValue((actual as Record<string, unknown>)[key])}`;
  }
  for (const key of expectedKeys) {
    const difference = compare(
      (expected as Record<string, unknown>)[key],
      (actual as Record<string, unknown>)[key],
      `${path}.${key}`,
      options,
      seen,
    );
    if (difference !== undefined) return difference;
  }
  return undefined;
}

function sameInteger(big: bigint, number: number): boolean {
  return Number.isInteger(number) && BigInt(number) === big;
}

function definedKeys(value: object): string[] {
  return Object.keys(value).filter((key) => (value as Record<string, unknown>)[key] !== undefined);
}

type TypedArrayLike = ArrayBufferView & { length: number; [index: number]: number | bigint };

function compareTypedArrays(expected: TypedArrayLike, actual: TypedArrayLike, at: string, options: EqualityOptions): string | undefined {
  const kind = typedArrayKind(expected);
  if (expected.length !== actual.length) return `${at}expected a ${kind} of length ${expected.length}, got length ${actual.length}`;
  const tolerant = options.absoluteTolerance !== undefined;
  const expectedBytes = bytesOf(expected);
  const actualBytes = bytesOf(actual);
  const itemSize = expected.length === 0 ? 1 : expectedBytes.byteLength / expected.length;
  for (let index = 0; index < expected.length; index++) {
    let same: boolean;
    if (tolerant && typeof expected[index] === 'number') {
      same = sameNumber(expected[index] as number, actual[index] as number, options);
    } else {
      same = true;
      for (let byte = index * itemSize; byte < (index + 1) * itemSize; byte++) {
        if (expectedBytes[byte] !== actualBytes[byte]) {
          same = false;
          break;
        }
      }
    }
    if (!same) {
      return `${at}${kind} element ${index} of ${expected.length}: expected ${formatValue(expected[index])}, got ${formatValue(actual[index])}`;
    }
  }
  return undefined;
}

function compareCollections(expected: object, actual: object, path: string, options: EqualityOptions, seen: Map<object, object>): string | undefined {
  const at = path === '' ? '' : `at ${path}: `;
  if (Object.prototype.toString.call(expected) !== Object.prototype.toString.call(actual)) {
    return `${at}expected ${formatValue(expected)}, got ${formatValue(actual)}`;
  }
  if (expected instanceof Set && actual instanceof Set) {
    if (expected.size !== actual.size) return `${at}expected a Set of ${expected.size} items, got ${actual.size}`;
    for (const item of expected) if (!actual.has(item)) return `${at}the Set lacks ${formatValue(item)}`;
    return undefined;
  }
  const expectedMap = expected as Map<unknown, unknown>;
  const actualMap = actual as Map<unknown, unknown>;
  if (expectedMap.size !== actualMap.size) return `${at}expected a Map of ${expectedMap.size} entries, got ${actualMap.size}`;
  for (const [key, value] of expectedMap) {
    if (!actualMap.has(key)) return `${at}the Map lacks key ${formatValue(key)}`;
    const difference = compare(value, actualMap.get(key), `${path}.get(${formatValue(key)})`, options, seen);
    if (difference !== undefined) return difference;
  }
  return undefined;
}

const MAX_FORMATTED_LENGTH = 160;

/** A short, unambiguous rendering for failure messages (bigints, -0, NaN bits, typed arrays). */
export function formatValue(value: unknown): string {
  const text = formatInner(value, 0);
  return text.length > MAX_FORMATTED_LENGTH ? `${text.slice(0, MAX_FORMATTED_LENGTH - 1)}…` : text;
}

function formatInner(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'number':
      if (Object.is(value, -0)) return '-0';
      if (Number.isNaN(value)) {
        const bits = bitsOf(value);
        return bits === 0x7ff8000000000000n ? 'NaN' : `NaN(0x${bits.toString(16)})`;
      }
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'string':
      return JSON.stringify(value.length > MAX_FORMATTED_LENGTH ? `${value.slice(0, MAX_FORMATTED_LENGTH)}…` : value);
    case 'undefined':
      return 'undefined';
    case 'function':
      return `[function ${value.name || 'anonymous'}]`;
    case 'symbol':
      return value.toString();
    case 'boolean':
      return String(value);
  }
  if (value === null) return 'null';
  if (depth > 3) return '…';
  const kind = typedArrayKind(value);
  if (kind !== undefined) {
    const array = value as TypedArrayLike;
    const items: string[] = [];
    for (let index = 0; index < Math.min(array.length, 8); index++) items.push(formatInner(array[index], depth + 1));
    return `${kind}(${array.length}) [${items.join(', ')}${array.length > 8 ? ', …' : ''}]`;
  }
  if (value instanceof ArrayBuffer) return `ArrayBuffer(${value.byteLength})`;
  if (value instanceof DataView) return `DataView(${value.byteLength})`;
  if (Array.isArray(value)) {
    const items = value.slice(0, 8).map((item) => formatInner(item, depth + 1));
    return `[${items.join(', ')}${value.length > 8 ? `, … (${value.length} items)` : ''}]`;
  }
  if (value instanceof Map) return `Map(${value.size})`;
  if (value instanceof Set) return `Set(${value.size})`;
  if (value instanceof Date) return `Date(${value.getTime()})`;
  const entries = Object.entries(value as Record<string, unknown>)
    .slice(0, 8)
    .map(([key, item]) => `${/^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key)}: ${formatInner(item, depth + 1)}`);
  return `{ ${entries.join(', ')} }`;
}
