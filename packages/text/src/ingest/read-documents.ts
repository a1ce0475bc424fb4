import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ArgumentError } from '@tessera/core';
import type { InputFile } from './input-files.js';

export interface ReadDocumentsOptions {
  /** The key of the text in each JSON line. Default 'text'. */
  jsonKey?: string;
  /** Called after each document with the input bytes read so far (for progress). */
  onBytes?: (byteLength: number) => void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Streams the documents of `files`, in order: a whole file (`txt-per-file`), each non-blank line
 * (`txt-per-line`, without its line break), or the string under `jsonKey` of each non-blank JSON
 * line (`jsonl`). Line formats are read in chunks, so memory stays bounded by the largest document.
 * Empty documents are skipped. Input that is not UTF-8, or a line that is not JSON or lacks the key,
 * is an error naming the file and the line.
 */
export async function* readDocuments(files: readonly InputFile[], options: ReadDocumentsOptions = {}): AsyncGenerator<string> {
  const jsonKey = options.jsonKey ?? 'text';
  let bytesBefore = 0;
  for (const file of files) {
    if (file.format === 'txt-per-file') {
      const bytes = await readFile(file.path).catch((error: NodeJS.ErrnoException) => {
        throw new ArgumentError('inputs', `cannot read ${file.path}: ${error.message}`, 'E_IO');
      });
      const text = decode(bytes, file.path, undefined);
      bytesBefore += bytes.byteLength;
      options.onBytes?.(bytesBefore);
      if (text.length > 0) yield text;
      continue;
    }
    let lineNumber = 0;
    let consumed = 0;
    for await (const line of readLines(file.path)) {
      lineNumber++;
      consumed += line.byteLength + 1;
      let text = decode(line, file.path, lineNumber);
      if (text.endsWith('\r')) text = text.slice(0, -1);
      if (text.trim().length === 0) continue;
      const document = file.format === 'jsonl' ? textOfJsonLine(text, jsonKey, file.path, lineNumber) : text;
      options.onBytes?.(bytesBefore + Math.min(consumed, file.byteLength));
      if (document.length > 0) yield document;
    }
    bytesBefore += file.byteLength;
    options.onBytes?.(bytesBefore);
  }
}

/** The lines of a file as byte ranges without the `\n` (a last line without one included). */
async function* readLines(path: string): AsyncGenerator<Uint8Array> {
  let carry: Uint8Array = new Uint8Array(0);
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      let data: Uint8Array = chunk;
      if (carry.byteLength > 0) {
        const joined = new Uint8Array(carry.byteLength + chunk.byteLength);
        joined.set(carry, 0);
        joined.set(chunk, carry.byteLength);
        data = joined;
      }
      let start = 0;
      for (let end = data.indexOf(0x0a, start); end >= 0; end = data.indexOf(0x0a, start)) {
        yield data.subarray(start, end);
        start = end + 1;
      }
      carry = data.slice(start);
    }
  } catch (error) {
    if (error instanceof ArgumentError) throw error;
    throw new ArgumentError('inputs', `cannot read ${path}: ${(error as Error).message}`, 'E_IO');
  }
  if (carry.byteLength > 0) yield carry;
}

function decode(bytes: Uint8Array, path: string, lineNumber: number | undefined): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ArgumentError('inputs', `${path}${lineNumber === undefined ? '' : `:${lineNumber}`} is not UTF-8 text`);
  }
}

function textOfJsonLine(line: string, key: string, path: string, lineNumber: number): string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch (error) {
    throw new ArgumentError('inputs', `${path}:${lineNumber} is not JSON (${(error as Error).message})`);
  }
  const value = record !== null && typeof record === 'object' && !Array.isArray(record) ? (record as Record<string, unknown>)[key] : undefined;
  if (typeof value !== 'string') {
    const keys = record !== null && typeof record === 'object' ? Object.keys(record).slice(0, 8).join(', ') : typeof record;
    throw new ArgumentError('inputs', `${path}:${lineNumber} has no string under key "${key}" (it has ${keys || 'no keys'}); choose the key with jsonKey (--key)`);
  }
  return value;
}
