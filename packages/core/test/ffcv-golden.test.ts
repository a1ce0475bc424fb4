import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type NdArray, openDataset, parsePythonJson } from '../src/index.js';
import { float16BitsToNumber } from '../src/util/float16.js';
import { fixtureNames, fixturePath, fixtureTwin } from './helpers/fixtures.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
const f64Hex = (value: number) => {
  const buffer = Buffer.alloc(8);
  buffer.writeDoubleBE(value);
  return buffer.toString('hex');
};
const flatten = (values: unknown): unknown[] => (Array.isArray(values) ? values.flatMap(flatten) : [values]);

/** One looping test over every FFCV-written fixture and its JSON twin of expected values. */
describe.each(fixtureNames())('FFCV fixture %s', (name) => {
  const twin = fixtureTwin(name);
  const path = fixturePath(name);

  it('opens with the header, descriptors and layout FFCV wrote', () => {
    expect(readFileSync(path).byteLength).toBe(twin.file_size);
    const dataset = openDataset(path);
    try {
      expect(dataset.header).toEqual({
        version: twin.header.version,
        numFields: twin.header.num_fields,
        pageSize: twin.header.page_size,
        numSamples: twin.header.num_samples,
        allocationTableOffset: twin.header.alloc_table_ptr,
      });
      expect(dataset.fields.map((field) => [field.name, field.typeId])).toEqual(
        twin.field_descriptors.map((descriptor) => [descriptor.name, descriptor.type_id]),
      );
      expect(dataset.layout.metadataStart).toBe(twin.metadata.start);
      expect(dataset.layout.recordByteLength).toBe(twin.metadata.itemsize);
      expect(dataset.fields.map((field) => field.columnOffset)).toEqual(twin.metadata.fields.map((field) => field.offset));
      expect(dataset.layout.numAllocations).toBe(twin.alloc_table.entries);
      expect(dataset.layout.numPages).toBe(twin.num_pages);
      if (twin.num_pages > 0) expect(dataset.layout.dataStart).toBe(twin.data_region_start);
      expect(dataset.extension).toBeUndefined();
      for (const field of dataset.fields) {
        const writer = twin.writer.fields[field.name]!;
        if (writer.class === 'NDArrayField' || writer.class === 'TorchTensorField') {
          expect(field.arguments).toEqual({ dtype: writer.dtype, shape: writer.shape });
        }
      }
    } finally {
      dataset.close();
    }
  });

  it('decodes every sample to the values in the JSON twin', () => {
    const dataset = openDataset(path);
    try {
      twin.samples.forEach((expected, sampleIndex) => {
        for (const field of dataset.fields) {
          const kind = twin.writer.fields[field.name]!.class as string;
          // biome-ignore lint/suspicious/noExplicitAny: JSON twin values vary by field class
          const want = expected[field.name] as any;
          const value = dataset.read(sampleIndex, field.name);
          const dumped = dataset.toJSON(sampleIndex, field.name) as Record<string, unknown>;
          switch (kind) {
            case 'IntField':
              expect(String(value)).toBe(String(want));
              break;
            case 'FloatField':
              expect(f64Hex(value as number)).toBe(want.f64_hex);
              break;
            case 'BytesField':
              expect((value as Uint8Array).byteLength).toBe(want.size);
              expect(dumped).toEqual({ byteLength: want.size, sha256: want.sha256 });
              if (typeof want.hex === 'string') expect(hex(value as Uint8Array)).toBe(want.hex);
              break;
            case 'JSONField': {
              expect(value).toEqual(parsePythonJson(want.stored_text as string));
              const reader = dataset.field(field.name);
              const offset = reader.recordOffset(sampleIndex);
              expect(reader.readUint64(offset + 8)).toBe(want.size);
              break;
            }
            case 'NDArrayField':
            case 'TorchTensorField': {
              const array = value as NdArray;
              expect(array.dtype).toBe(want.dtype);
              expect(array.shape).toEqual(want.shape);
              const reader = dataset.field(field.name);
              const stored = reader.bytes(reader.readUint64(reader.recordOffset(sampleIndex)), (want.hex as string).length / 2);
              expect(hex(stored)).toBe(want.hex);
              const expectedValues = flatten(want.values);
              const actual = Array.from(array.data as ArrayLike<number | bigint>, (item) =>
                array.dtype.endsWith('f2')
                  ? float16BitsToNumber(item as number)
                  : array.dtype.endsWith('b1')
                    ? item !== 0
                    : // the twin's 64-bit integers went through JSON.parse: compare as doubles (the hex above is exact)
                      Number(item),
              );
              expect(actual.map(String)).toEqual(expectedValues.map(String));
              break;
            }
            case 'RGBImageField':
              expect(dumped).toEqual({
                mode: want.mode,
                width: want.width,
                height: want.height,
                byteLength: want.stored_size,
                sha256: want.stored_sha256,
              });
              break;
            default:
              throw new Error(`fixture field class ${kind} is not covered`);
          }
        }
      });
    } finally {
      dataset.close();
    }
  });

  it('reads the same through pread as through mmap', () => {
    const mapped = openDataset(path, { mmap: 'auto' });
    const read = openDataset(path, { mmap: 'off' });
    try {
      expect(read.ioMode).toBe('pread');
      for (let sampleIndex = 0; sampleIndex < mapped.numSamples; sampleIndex++) {
        for (const field of mapped.fields) {
          expect(read.toJSON(sampleIndex, field.name)).toEqual(mapped.toJSON(sampleIndex, field.name));
        }
      }
    } finally {
      mapped.close();
      read.close();
    }
  });
});
