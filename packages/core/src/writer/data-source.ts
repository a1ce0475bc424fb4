import { ArgumentError } from '../errors.js';
import type { SampleRecord } from './sample-encoder.js';

/** Anything the writer can read samples from. */
export type DataSource<T extends SampleRecord = SampleRecord> =
  | readonly T[]
  | Iterable<T>
  | AsyncIterable<T>
  | IndexedSource<T>;

/** Random-access sources (datasets that know their size): `get` may be async. */
export interface IndexedSource<T extends SampleRecord = SampleRecord> {
  readonly length: number;
  get(index: number): T | Promise<T>;
}

export interface ChunkReader {
  /** total sample count when known up front */
  readonly length: number | undefined;
  /** up to `count` next samples; an empty array at the end */
  next(count: number): Promise<SampleRecord[]>;
  close(): Promise<void>;
}

export function readSource(source: DataSource): ChunkReader {
  if (Array.isArray(source)) {
    let position = 0;
    return {
      length: source.length,
      async next(count) {
        const chunk = source.slice(position, position + count);
        position += chunk.length;
        return chunk;
      },
      async close() {},
    };
  }
  if (source !== null && typeof source === 'object' && 'get' in source && typeof source.get === 'function') {
    const indexed = source as IndexedSource;
    if (!Number.isSafeInteger(indexed.length) || indexed.length < 0) {
      throw new ArgumentError('source.length', `must be a non-negative integer, got ${String(indexed.length)}`);
    }
    let position = 0;
    return {
      length: indexed.length,
      async next(count) {
        const end = Math.min(indexed.length, position + count);
        const values: Array<SampleRecord | Promise<SampleRecord>> = [];
        for (let index = position; index < end; index++) values.push(indexed.get(index));
        position = end;
        return Promise.all(values);
      },
      async close() {},
    };
  }
  if (source !== null && typeof source === 'object' && (Symbol.asyncIterator in source || Symbol.iterator in source)) {
    // Sync and async iterators alike: `await` of a plain result is a no-op.
    const iterator =
      Symbol.asyncIterator in source
        ? (source as AsyncIterable<SampleRecord>)[Symbol.asyncIterator]()
        : (source as Iterable<SampleRecord>)[Symbol.iterator]();
    let done = false;
    return {
      length: undefined,
      async next(count) {
        const chunk: SampleRecord[] = [];
        while (!done && chunk.length < count) {
          const step = await iterator.next();
          if (step.done) done = true;
          else chunk.push(step.value);
        }
        return chunk;
      },
      async close() {
        if (!done) await iterator.return?.();
      },
    };
  }
  throw new ArgumentError('source', 'expected an array, an iterable, an async iterable or { length, get(index) }');
}
