import { describe, expect, it } from 'vitest';
import { deepEqual, describeDifference, formatValue, withinTolerance } from '../src/index.js';

function nanWithBits(bits: bigint): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, bits, true);
  return view.getFloat64(0, true);
}

describe('describeDifference', () => {
  it('compares numbers bit-exactly', () => {
    expect(deepEqual(Number.NaN, Number.NaN)).toBe(true);
    expect(describeDifference(0, -0)).toBe('expected 0, got -0');
    expect(describeDifference(Number.NaN, nanWithBits(0x7ff8_0000_0000_0001n))).toBe('expected NaN, got NaN(0x7ff8000000000001)');
  });

  it('treats a number and a bigint holding the same integer as equal', () => {
    expect(deepEqual(5n, 5)).toBe(true);
    expect(deepEqual(5, 5n)).toBe(true);
    expect(deepEqual(2n ** 63n - 1n, 2n ** 63n - 1n)).toBe(true);
    expect(describeDifference(2n ** 53n + 1n, 2 ** 53)).toBe('expected 9007199254740993n, got 9007199254740992');
    expect(deepEqual(1.5, 1n)).toBe(false);
  });

  it('compares typed arrays by element type and bytes', () => {
    expect(deepEqual(Buffer.from([1, 2]), Uint8Array.of(1, 2))).toBe(true);
    expect(describeDifference(Uint8Array.of(1, 2), Int8Array.of(1, 2))).toBe('expected Uint8Array(2) [1, 2], got Int8Array(2) [1, 2]');
    expect(describeDifference(Float32Array.of(0, 1), Float32Array.of(-0, 1))).toBe('Float32Array element 0 of 2: expected 0, got -0');
    expect(deepEqual(Float32Array.of(Number.NaN), Float32Array.of(Number.NaN))).toBe(true);
    expect(describeDifference(Uint8Array.of(1), Uint8Array.of(1, 2))).toBe('expected a Uint8Array of length 1, got length 2');
    expect(describeDifference(Uint8Array.of(1, 2, 3), [1, 2, 3])).toMatch(/^expected Uint8Array\(3\)/);
    expect(deepEqual(new Uint8Array(16).subarray(4, 8), new Uint8Array(4))).toBe(true);
    expect(deepEqual(new ArrayBuffer(2), new ArrayBuffer(2))).toBe(true);
  });

  it('walks arrays and objects and says where they differ', () => {
    expect(describeDifference({ a: [1, { b: 'x' }] }, { a: [1, { b: 'y' }] })).toBe('at .a[1].b: expected "x", got "y"');
    expect(describeDifference({ a: 1 }, { a: 1, b: 2 })).toBe('unexpected property "b" = 2');
    expect(describeDifference({ a: 1, b: 2 }, { a: 1 })).toBe('property "b" is missing');
    expect(deepEqual({ a: 1, gone: undefined }, { a: 1 })).toBe(true);
    expect(deepEqual({ b: 1, a: 2 }, { a: 2, b: 1 })).toBe(true);
    expect(describeDifference([1, 2], [1, 2, 3])).toBe('expected an array of length 2, got length 3');
    expect(deepEqual(new Map([[1, { x: 1 }]]), new Map([[1, { x: 1 }]]))).toBe(true);
    expect(deepEqual(new Set([1, 2]), new Set([2, 3]))).toBe(false);
  });

  it('handles cycles', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    const b: Record<string, unknown> = { name: 'a' };
    b.self = b;
    expect(deepEqual(a, b)).toBe(true);
  });

  it('compares within a tolerance for lossy codecs', () => {
    expect(deepEqual({ x: 1 }, { x: 1.05 }, { absoluteTolerance: 0.1 })).toBe(true);
    expect(deepEqual(Float32Array.of(1, 2), Float32Array.of(1.04, 1.97), { absoluteTolerance: 0.05 })).toBe(true);
    expect(() => withinTolerance(0.01)([1], [1.5])).toThrow('read value differs from the written value beyond ±0.01: at [0]: expected 1, got 1.5');
    expect(() => withinTolerance(-1)).toThrow(RangeError);
  });
});

describe('formatValue', () => {
  it('renders values unambiguously and briefly', () => {
    expect(formatValue(-0)).toBe('-0');
    expect(formatValue(3n)).toBe('3n');
    expect(formatValue('a')).toBe('"a"');
    expect(formatValue(new Float32Array(20))).toBe('Float32Array(20) [0, 0, 0, 0, 0, 0, 0, 0, …]');
    expect(formatValue({ a: [1], 'b-c': null })).toBe('{ a: [1], "b-c": null }');
    expect(formatValue('x'.repeat(500)).length).toBeLessThanOrEqual(160);
  });
});
