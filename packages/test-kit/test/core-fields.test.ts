/**
 * Core's own codecs through the conformance suite: proves the kit against codecs that are known to
 * work, with their edge cases (bigints at the int64 limits, bit-exact float specials, zero-length
 * bytes, Python-style JSON, big-endian and float16 arrays).
 */
import {
  type NdArray,
  type OutputSlot,
  bytes,
  corePlugin,
  ffcvImage,
  float64,
  int64,
  json,
  ndarray,
  numberToFloat16Bits,
  stringifyPythonJson,
  torchTensor,
} from '@tessera/core';
import { describeDifference, runFieldConformance } from '../src/index.js';

const plugin = () => corePlugin();

function expectSame(expected: unknown, actual: unknown): void {
  const difference = describeDifference(expected, actual);
  if (difference !== undefined) throw new Error(difference);
}

// ── int64 ────────────────────────────────────────────────────────────────────────────────────────

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

runFieldConformance<number | bigint>({
  name: 'core/int64',
  plugin,
  field: int64(),
  values: [0, 1, -1, 42, 123_456_789, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER],
  edgeValues: [INT64_MAX, INT64_MIN, 2n ** 53n, -(2n ** 53n) - 1n, 0n, -1n],
  invalidValues: [1.5, '3', 2n ** 63n, INT64_MIN - 1n, Number.NaN, null, undefined, Number.MAX_SAFE_INTEGER + 1, {}],
  decoders: { int64: undefined, float32: undefined },
  checkDecoded(value, slot, _output, { decoder }) {
    if (decoder === 'int64') expectSame(BigInt64Array.of(BigInt(value)), slot.data);
    else expectSame(Float32Array.of(Number(value)), slot.data);
  },
});

runFieldConformance<number>({
  name: 'core/int64 (int32 decoder)',
  plugin,
  field: int64(),
  values: [0, 7, -7, 2 ** 31 - 1, -(2 ** 31)],
  decoders: { int32: undefined },
  checkDecoded: (value, slot) => expectSame(Int32Array.of(value), slot.data),
});

// ── float64 ──────────────────────────────────────────────────────────────────────────────────────

runFieldConformance<number>({
  name: 'core/float64',
  plugin,
  field: float64(),
  values: [0, 1.5, -2.25, Math.PI, 1e300, 0.1 + 0.2],
  edgeValues: [Number.NaN, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE],
  invalidValues: ['1', 1n, null, undefined, {}],
  decoders: { float64: undefined, float32: undefined },
  checkDecoded(value, slot, _output, { decoder }) {
    // Bit-exact: compares bytes, so -0, NaN and the infinities must survive unchanged.
    if (decoder === 'float64') expectSame(Float64Array.of(value), slot.data);
    else expectSame(Float32Array.of(value), slot.data);
  },
});

// ── bytes ────────────────────────────────────────────────────────────────────────────────────────

function pattern(byteLength: number, seed: number): Uint8Array {
  const out = new Uint8Array(byteLength);
  for (let index = 0; index < byteLength; index++) out[index] = (index * 131 + seed * 17 + (index >> 8)) & 0xff;
  return out;
}

function asBytes(value: Uint8Array | ArrayBuffer | string): Uint8Array {
  if (typeof value === 'string') return new TextEncoder().encode(value);
  return value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

type BytesValue = Uint8Array | ArrayBuffer | string;

runFieldConformance<BytesValue>({
  name: 'core/bytes',
  plugin,
  field: bytes(),
  values: [Uint8Array.of(1, 2, 3), Buffer.from('a Buffer'), 'a string stored as UTF-8: é', pattern(5000, 1)],
  edgeValues: [
    new Uint8Array(0),
    '',
    pattern(3, 2).buffer as ArrayBuffer,
    // a view that does not start at its buffer's beginning
    pattern(64, 3).subarray(10, 20),
    // larger than the kit's 4 KiB pages: spans several
    pattern(20_000, 4),
  ],
  invalidValues: [42, null, undefined, {}, [1, 2, 3]],
  equals: (written, read) => expectSame(asBytes(written), read),
  checkDecoded(value, slot) {
    const expected = asBytes(value);
    if (slot.lengths[0] !== expected.byteLength) throw new Error(`lengths[0] is ${slot.lengths[0]}, expected ${expected.byteLength}`);
    expectSame(expected, slot.bytes.subarray(0, expected.byteLength));
  },
});

// ── json ─────────────────────────────────────────────────────────────────────────────────────────

const circular: Record<string, unknown> = { name: 'loop' };
circular.self = circular;
let deep: unknown = 'bottom';
for (let depth = 0; depth < 64; depth++) deep = depth % 2 === 0 ? [deep] : { level: depth, inner: deep };

function checkJsonSlot(value: unknown, slot: OutputSlot): void {
  const expected = new TextEncoder().encode(`${stringifyPythonJson(value)}\0`);
  if (slot.lengths[0] !== expected.byteLength) throw new Error(`lengths[0] is ${slot.lengths[0]}, expected ${expected.byteLength}`);
  expectSame(expected, slot.bytes.subarray(0, expected.byteLength));
}

runFieldConformance<unknown>({
  name: 'core/json',
  plugin,
  field: json(),
  values: [{ a: 1, b: [true, false, null] }, 'text', 42, -3.5, [1, 'two', { three: 3 }], { nested: { deeper: { deepest: [[[]]] } } }],
  edgeValues: [
    {},
    [],
    '',
    null,
    'é ü ß 漢字 𝄞 🎉',
    { ключ: 'значение', '': 'empty key', 'quote"back\\slash': '\n\t\r\b\f' },
    '\u0000 control \u001f characters',
    'a lone surrogate \ud800',
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    { nan: Number.NaN, list: [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0] },
    1e16,
    1e-7,
    5e-324,
    Number.MAX_VALUE,
    0.1 + 0.2,
    deep,
  ],
  invalidValues: [() => 1, Symbol('not JSON'), circular],
  decoders: { bytes: undefined },
  checkDecoded: checkJsonSlot,
});

// ── ndarray ──────────────────────────────────────────────────────────────────────────────────────

type ArrayValue = ArrayLike<number | boolean> | NdArray;

/** The array a reader must return (host byte order; float16 as raw bits; bool as 0/1). */
function expectedArray(dtype: string, value: ArrayValue): unknown {
  const source = 'data' in value && !ArrayBuffer.isView(value) ? (value as NdArray).data : (value as ArrayLike<number | boolean>);
  if (ArrayBuffer.isView(source) && dtype !== '|b1') return source;
  const items = Array.from(source as ArrayLike<number | boolean>, Number);
  switch (dtype) {
    case '<f4':
      return Float32Array.from(items);
    case '>i4':
      return Int32Array.from(items);
    case '|b1':
      return Uint8Array.from(items, (item) => (item ? 1 : 0));
    case '<f2':
      return Uint16Array.from(items, numberToFloat16Bits);
    case '<f8':
      return Float64Array.from(items);
    default:
      throw new Error(`no expectation for ${dtype}`);
  }
}

function ndarrayConformance(
  name: string,
  dtype: string,
  shape: number[],
  values: ArrayValue[],
  edgeValues: ArrayValue[],
  fieldConstructor: typeof ndarray = ndarray,
): void {
  const count = shape.reduce((product, extent) => product * extent, 1);
  runFieldConformance<ArrayValue>({
    name,
    plugin,
    field: fieldConstructor({ dtype, shape }),
    values,
    edgeValues,
    invalidValues: [new Array(count + 1).fill(0), new Array(Math.max(count - 1, 0)).fill(0), null, 42, 'abc'],
    equals(written, read) {
      const array = read as NdArray;
      expectSame(dtype, array.dtype);
      expectSame(shape, array.shape);
      expectSame(expectedArray(dtype, written), array.data);
    },
    checkDecoded: (value, slot) => expectSame(expectedArray(dtype, value), slot.data),
  });
}

ndarrayConformance(
  'core/ndarray <f4 [3, 4]',
  '<f4',
  [3, 4],
  [
    Float32Array.from({ length: 12 }, (_, index) => index * 0.5 - 2),
    // plain numbers are rounded to float32
    Array.from({ length: 12 }, (_, index) => index / 10),
    { dtype: '<f4', shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, index) => -index) },
  ],
  [
    new Float32Array(12),
    Float32Array.of(Number.NaN, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3.4028234663852886e38, 1e-45, -1e-45, 0, 1, -1, 2, -2),
  ],
);

ndarrayConformance(
  'core/ndarray >i4 [3] (big-endian)',
  '>i4',
  [3],
  [Int32Array.of(1, -2, 3), [2_147_483_647, -2_147_483_648, 0], { dtype: '>i4', shape: [3], data: Int32Array.of(0x01020304, -0x01020304, 256) }],
  [Int32Array.of(0, 0, 0), Int32Array.of(-1, -1, -1)],
);

ndarrayConformance(
  'core/ndarray |b1 [2, 2]',
  '|b1',
  [2, 2],
  [[true, false, true, true], Uint8Array.of(1, 0, 0, 1)],
  [[false, false, false, false], [true, true, true, true]],
);

ndarrayConformance(
  'core/ndarray <f2 [4]',
  '<f2',
  [4],
  [[0, 1, -2, 0.5], Uint16Array.of(0x3c00, 0xc000, 0x7bff, 0x0001)],
  [
    [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0],
    [65504, 6.1e-5, 6e-8, 1e-9],
  ],
);

ndarrayConformance('core/torch-tensor <f8 [2]', '<f8', [2], [Float64Array.of(1.5, -2.5), [Math.E, Math.PI]], [Float64Array.of(Number.NaN, -0)], torchTensor);

// ── FFCV image storage (type id 2, bytes only) ───────────────────────────────────────────────────

runFieldConformance({
  name: 'core/ffcv-image (storage)',
  plugin,
  field: ffcvImage(),
  values: [
    { mode: 'raw', width: 2, height: 1, data: Uint8Array.of(255, 0, 0, 0, 255, 0) },
    { mode: 'jpg', width: 640, height: 480, data: Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9) },
  ],
  edgeValues: [{ mode: 'raw', width: 40, height: 50, data: pattern(40 * 50 * 3, 9) }],
  invalidValues: [
    { mode: 'png', width: 1, height: 1, data: new Uint8Array(3) },
    { mode: 'raw', width: 0, height: 1, data: new Uint8Array(0) },
    { mode: 'raw', width: 2, height: 2, data: new Uint8Array(3) },
    null,
  ],
  checkDecoded(value, slot) {
    const { data } = value as { data: Uint8Array };
    if (slot.lengths[0] !== data.byteLength) throw new Error(`lengths[0] is ${slot.lengths[0]}, expected ${data.byteLength}`);
    expectSame(data, slot.bytes.subarray(0, data.byteLength));
  },
});

// ── known core issue: NaN payloads and workers ───────────────────────────────────────────────────

/** A quiet NaN with a payload, and a signalling NaN: valid float64 values that bit-exact storage keeps. */
function nanWithBits(bits: bigint): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, bits, true);
  return view.getFloat64(0, true);
}

runFieldConformance<number>({
  name: 'core/float64 (NaN payloads)',
  plugin,
  field: float64(),
  values: [1, nanWithBits(0x7ff8_0000_dead_beefn), nanWithBits(0xfff0_0000_0000_0001n)],
  decoders: { float64: undefined },
  checkDecoded: (value, slot) => expectSame(Float64Array.of(value), slot.data),
});
