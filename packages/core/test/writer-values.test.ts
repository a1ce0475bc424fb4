import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type NdArray, type Schema, bytes, createOutputSlot, int64, json, ndarray, openDataset, parsePythonJson, stringifyPythonJson, writeDataset } from '../src/index.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-writer-values-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let counter = 0;
const file = () => join(directory, `values-${counter++}.beton`);

/** Writes 5 good samples and one bad one (sample 3) with workers 0 and 2; both must reject identically. */
async function rejectsBothWays(schema: Schema, field: string, bad: unknown, good: unknown): Promise<{ code: string; message: string }> {
  const samples = Array.from({ length: 6 }, (_, index) => ({ id: index, [field]: index === 3 ? bad : good }));
  const results: Array<{ code: string; field: string; sampleIndex: number; message: string }> = [];
  for (const workers of [0, 2]) {
    const path = file();
    const error = await writeDataset(path, { id: int64(), ...schema }, samples, { workers, chunkSize: 2 }).then(
      () => undefined,
      (caught: { code: string; field: string; sampleIndex: number; message: string }) => caught,
    );
    expect(error, `workers ${workers} accepted ${String(bad)}`).toBeDefined();
    results.push({ code: error!.code, field: error!.field, sampleIndex: error!.sampleIndex, message: error!.message });
    expect(existsSync(path)).toBe(false);
  }
  expect(results[0]).toMatchObject({ code: 'E_FIELD_VALUE', field, sampleIndex: 3 });
  expect(results[1]).toEqual(results[0]);
  expect(readdirSync(directory).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  return results[0]!;
}

describe('ndarray values are stored as given or refused', () => {
  it('refuses out-of-range and non-integral elements of integer types', async () => {
    const i2 = { value: ndarray({ dtype: '<i2', shape: [2] }) };
    expect((await rejectsBothWays(i2, 'value', [70000, -1.5], [1, 2])).message).toMatch(
      /field "value" sample 3: element 0 is 70000, but a <i2 element must be an integer from -32768 to 32767/,
    );
    expect((await rejectsBothWays(i2, 'value', [1, -1.5], [1, 2])).message).toMatch(/element 1 is -1.5/);
    const u1 = { value: ndarray({ dtype: '<u1', shape: [2] }) };
    expect((await rejectsBothWays(u1, 'value', [256, 0], [1, 2])).message).toMatch(/element 0 is 256/);
    expect((await rejectsBothWays(u1, 'value', [1, Number.NaN], [1, 2])).message).toMatch(/element 1 is NaN/);
    // A typed array of another type is checked element by element too.
    expect((await rejectsBothWays(u1, 'value', Int16Array.of(-1, 3), [1, 2])).message).toMatch(/element 0 is -1/);
    const i8 = { value: ndarray({ dtype: '<i8', shape: [1] }) };
    expect((await rejectsBothWays(i8, 'value', [2n ** 63n], [1])).message).toMatch(/element 0 is 9223372036854775808n/);
    const b1 = { value: ndarray({ dtype: '|b1', shape: [1] }) };
    expect((await rejectsBothWays(b1, 'value', [2], [true])).message).toMatch(/must be true, false, 0 or 1/);
    const f4 = { value: ndarray({ dtype: '<f4', shape: [2] }) };
    expect((await rejectsBothWays(f4, 'value', [1, '2'], [1, 2])).message).toMatch(/element 1 is "2", but a <f4 element must be a number/);
  });

  it('refuses a value whose shape, dtype or element count is not the field’s', async () => {
    const f4 = { value: ndarray({ dtype: '<f4', shape: [2, 4] }) };
    const good = new Float32Array(8);
    expect((await rejectsBothWays(f4, 'value', { shape: [4, 2], data: new Float32Array(8) }, good)).message).toMatch(
      /has shape \[4,2\], but the field stores shape \[2, 4\]/,
    );
    expect((await rejectsBothWays(f4, 'value', { dtype: '<i4', shape: [2, 4], data: new Int32Array(8) }, good)).message).toMatch(
      /has dtype "<i4", but the field stores <f4/,
    );
    expect((await rejectsBothWays(f4, 'value', [1, 2, 3], good)).message).toMatch(/expected 8 elements for shape \[2, 4\], got 3/);
  });

  it('stores exact values: floats take NaN and Infinity, integers at their limits, same-type typed arrays as they are', async () => {
    const schema = {
      floats: ndarray({ dtype: '<f4', shape: [3] }),
      shorts: ndarray({ dtype: '<i2', shape: [2] }),
      bytes: ndarray({ dtype: '|u1', shape: [2] }),
      longs: ndarray({ dtype: '<i8', shape: [2] }),
    };
    const sample = {
      floats: [Number.NaN, Number.POSITIVE_INFINITY, 0.5],
      shorts: Int16Array.of(-32768, 32767),
      bytes: [0, 255],
      longs: [-(2n ** 63n), 2n ** 63n - 1n],
    };
    for (const workers of [0, 2]) {
      const path = file();
      await writeDataset(path, schema, [sample, sample], { workers });
      const dataset = openDataset(path);
      const read = dataset.get(1) as Record<string, NdArray>;
      expect(Array.from(read.floats!.data as Float32Array)).toEqual([Number.NaN, Number.POSITIVE_INFINITY, 0.5]);
      expect(Array.from(read.shorts!.data as Int16Array)).toEqual([-32768, 32767]);
      expect(Array.from(read.bytes!.data as Uint8Array)).toEqual([0, 255]);
      expect(Array.from(read.longs!.data as BigInt64Array)).toEqual([-(2n ** 63n), 2n ** 63n - 1n]);
      dataset.close();
    }
  });
});

describe('JSON values are stored as given or refused, whatever the worker count', () => {
  const schema = { meta: json() };
  class Point {
    x = 1;
  }
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const cases: Array<[string, unknown, RegExp]> = [
    ['a Map', { a: new Map([[1, 2]]) }, /at \$\.a is a Map, not a plain object or array; convert it first \(use Object\.fromEntries\(map\)\)/],
    ['a Set', [new Set([1])], /at \$\[0\] is a Set/],
    ['undefined in an object', { a: [1, 2, { b: undefined }] }, /at \$\.a\[2\]\.b is undefined/],
    ['undefined in an array', { a: [1, 2, undefined] }, /at \$\.a\[2\] is undefined/],
    ['a function', { a: { 'odd key': () => 1 } }, /at \$\.a\["odd key"\] is a function/],
    ['a symbol', { a: Symbol('s') }, /at \$\.a is a symbol/],
    ['a class instance', { a: new Point() }, /at \$\.a is a Point, not a plain object/],
    ['a Date', { when: new Date(0) }, /at \$\.when is a Date.*toISOString/],
    ['a cycle', cyclic, /at \$\.self refers back to a containing object \(a cycle\)/],
    ['undefined itself', undefined, /the JSON value at \$ is undefined/],
  ];
  it.each(cases)('refuses %s with the path inside the value', async (_name, bad, message) => {
    expect((await rejectsBothWays(schema, 'meta', bad, { ok: true })).message).toMatch(message);
  });

  it('keeps NaN, Infinity and integers beyond 2^53 exactly (read back as bigint), through get, read and the file text', async () => {
    const big = 2n ** 60n + 1n;
    const negative = -(2n ** 63n);
    const value = { big, negative, list: [big, 1, 2.5], nan: Number.NaN, inf: Number.NEGATIVE_INFINITY, safe: 9007199254740991 };
    for (const workers of [0, 2]) {
      const path = file();
      await writeDataset(path, schema, [{ meta: value }, { meta: value }], { workers });
      const dataset = openDataset(path);
      const read = dataset.read(1, 'meta') as Record<string, unknown>;
      expect(read.big).toBe(big);
      expect(read.negative).toBe(negative);
      expect(read.list).toEqual([big, 1, 2.5]);
      expect(read.nan).toBeNaN();
      expect(read.inf).toBe(Number.NEGATIVE_INFINITY);
      expect(read.safe).toBe(9007199254740991);
      expect((dataset.get(0).meta as Record<string, unknown>).big).toBe(big);
      const text = readStoredText(dataset, 0);
      expect(text).toContain('"big": 1152921504606846977');
      expect(text).toContain('"negative": -9223372036854775808');
      dataset.close();
    }
  });

  it('parsePythonJson keeps long integers exact and leaves strings and decimals alone', () => {
    expect(parsePythonJson('[1152921504606846977, -9223372036854775808, 9007199254740991, 1.5e300, "12345678901234567890"]')).toEqual([
      1152921504606846977n,
      -9223372036854775808n,
      9007199254740991,
      1.5e300,
      '12345678901234567890',
    ]);
    expect(parsePythonJson('{"a": NaN, "b": 123456789012345678901234567890}')).toEqual({ a: Number.NaN, b: 123456789012345678901234567890n });
    expect(stringifyPythonJson({ b: 123456789012345678901234567890n })).toBe('{"b": 123456789012345678901234567890}');
  });
});

/** The stored JSON text (without its NUL), through the field's bytes decoder. */
function readStoredText(dataset: ReturnType<typeof openDataset>, sampleIndex: number): string {
  const decoder = dataset.createDecoder('meta');
  const slot = createOutputSlot(decoder.output);
  decoder.decode(sampleIndex, slot);
  return new TextDecoder().decode(slot.bytes.subarray(0, slot.lengths[0]! - 1));
}

describe('bytes values are stored as given or refused', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['a number', 42, /expected a Uint8Array, Buffer, ArrayBuffer, typed array or string, got number 42/],
    ['null', null, /got null/],
    ['a plain array of bytes', [1, 2, 3], /got an array/],
  ];
  it.each(cases)('refuses %s as E_FIELD_VALUE naming field and sample', async (_name, bad, message) => {
    expect((await rejectsBothWays({ blob: bytes() }, 'blob', bad, new Uint8Array([1, 2]))).message).toMatch(message);
  });

  it('stores strings as UTF-8 and typed arrays as their bytes', async () => {
    const path = file();
    await writeDataset(path, { blob: bytes() }, [{ blob: 'é€' }, { blob: new Uint16Array([0x0102, 0x0304]) }, { blob: new Uint8Array(0) }]);
    const dataset = openDataset(path);
    try {
      expect([...(dataset.read(0, 'blob') as Uint8Array)]).toEqual([0xc3, 0xa9, 0xe2, 0x82, 0xac]);
      expect([...(dataset.read(1, 'blob') as Uint8Array)]).toEqual([0x02, 0x01, 0x04, 0x03]);
      expect((dataset.read(2, 'blob') as Uint8Array).byteLength).toBe(0);
    } finally {
      dataset.close();
    }
  });
});

describe('write options and field arguments', () => {
  it('rejects unknown write options with the nearest valid name', async () => {
    const path = file();
    await expect(writeDataset(path, { id: int64() }, [], { page_size: 4096 } as never)).rejects.toMatchObject({
      code: 'E_ARGUMENT',
      message: expect.stringMatching(/writeDataset options\.page_size: unknown option "page_size"; did you mean pageSize\?/),
    });
    await expect(writeDataset(path, { id: int64() }, [], { worker: 2 } as never)).rejects.toMatchObject({
      code: 'E_ARGUMENT',
      message: expect.stringMatching(/did you mean workers\?/),
    });
    await expect(writeDataset(path, { id: int64() }, [], { compatibility: 'pytorch' } as never)).rejects.toMatchObject({ code: 'E_ARGUMENT' });
    expect(existsSync(path)).toBe(false);
  });

  it('rejects unknown keys of field arguments', () => {
    expect(() => ndarray({ dtype: '<f4', shape: [2], dtpye: '<f8' } as never)).toThrow(
      expect.objectContaining({ code: 'E_ARGUMENT', message: expect.stringMatching(/ndarray\.dtpye: unknown option "dtpye"; did you mean dtype\?/) }),
    );
    expect(() => json({ indent: 2 } as never)).toThrow(expect.objectContaining({ code: 'E_ARGUMENT', message: expect.stringMatching(/json\.indent/) }));
    expect(() => bytes({ maxLength: 2 } as never)).toThrow(expect.objectContaining({ code: 'E_ARGUMENT' }));
  });

  it('rejects info that JSON cannot store, naming the path inside info', async () => {
    const path = file();
    const cyclic: Record<string, unknown> = {};
    cyclic.again = { back: cyclic };
    const cases: Array<[unknown, RegExp]> = [
      [{ created: { count: 10n } }, /^info\.created\.count: is the bigint 10n/],
      [cyclic, /^info\.again\.back: refers back to a containing object/],
      [{ list: [1, Number.NaN] }, /^info\.list\[1\]: is NaN/],
    ];
    for (const [info, message] of cases) {
      const error = await writeDataset(path, { id: int64() }, [{ id: 1 }], { info: info as never }).catch((caught: Error) => caught);
      expect(error).toMatchObject({ code: 'E_ARGUMENT' });
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message.split('\n')).toHaveLength(1);
    }
    expect(existsSync(path)).toBe(false);
  });
});
