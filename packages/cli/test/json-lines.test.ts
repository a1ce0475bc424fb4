import { describe, expect, it } from 'vitest';
import { stringifyJson } from '../src/json-lines.js';

describe('stringifyJson', () => {
  it('spells bigints with every digit', () => {
    expect(stringifyJson(2n ** 53n + 1n)).toBe('9007199254740993');
    expect(stringifyJson(-(2n ** 63n))).toBe('-9223372036854775808');
    expect(stringifyJson([2n ** 64n - 1n])).toBe('[18446744073709551615]');
  });

  it('spells NaN and the infinities as bare tokens (Python json.dumps), unlike the strings, and keeps -0', () => {
    expect(stringifyJson([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0])).toBe('[NaN, Infinity, -Infinity, -0, 0]');
    expect(JSON.parse(stringifyJson(-0))).toBe(-0);
    expect(stringifyJson({ number: Number.NaN, string: 'NaN', infinity: ['Infinity', Number.POSITIVE_INFINITY] })).toBe(
      '{"number": NaN, "string": "NaN", "infinity": ["Infinity", Infinity]}',
    );
  });

  it('writes numbers, strings and nesting like JSON with ", " and ": " separators', () => {
    const value = { a: 1.5, b: 'quote " backslash \\ newline \n é \u2028', c: [true, false, null], d: { e: [] }, f: {} };
    const text = stringifyJson(value);
    expect(text).toBe('{"a": 1.5, "b": "quote \\" backslash \\\\ newline \\n é \u2028", "c": [true, false, null], "d": {"e": []}, "f": {}}');
    expect(JSON.parse(text)).toEqual(value);
    expect(stringifyJson(1e21)).toBe('1e+21');
    expect(stringifyJson(5e-324)).toBe('5e-324');
  });

  it('drops undefined members of objects and writes null for holes in arrays', () => {
    expect(stringifyJson({ a: undefined, b: () => 1, c: 1 })).toBe('{"c": 1}');
    expect(stringifyJson([undefined, () => 1])).toBe('[null, null]');
    expect(stringifyJson(undefined)).toBe('null');
  });

  it('writes typed arrays as arrays and raw bytes as { byteLength, sha256 }', () => {
    expect(stringifyJson(new Float32Array([0.5, -0]))).toBe('[0.5, -0]');
    expect(stringifyJson(new BigInt64Array([-(2n ** 63n)]))).toBe('[-9223372036854775808]');
    const empty = '{"byteLength": 0, "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}';
    expect(stringifyJson(new Uint8Array(0))).toBe(empty);
    expect(stringifyJson(new ArrayBuffer(0))).toBe(empty);
  });

  it('calls toJSON and writes Maps and Sets', () => {
    expect(stringifyJson(new Date(0))).toBe('"1970-01-01T00:00:00.000Z"');
    expect(stringifyJson(new Map<unknown, unknown>([[1, 'a'], ['b', 2n]]))).toBe('{"1": "a", "b": 2}');
    expect(stringifyJson(new Set([1, 2]))).toBe('[1, 2]');
  });

  it('rejects circular structures but allows repeated ones', () => {
    const shared = { x: 1 };
    expect(stringifyJson([shared, shared])).toBe('[{"x": 1}, {"x": 1}]');
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => stringifyJson(loop)).toThrow(expect.objectContaining({ code: 'E_ARGUMENT', message: expect.stringContaining('it contains a cycle') }));
  });
});
