import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { type FieldSpec, TesseraError, bytes, float64, int64, json } from '@tessera/core';
import { ioError } from '@tessera/core/internals';
import { UsageError } from './usage-error.js';

/**
 * One `--field COLUMN=KIND[:OPTION]` of `tessera build table`: the column becomes a field of the
 * same name. The kinds, what the column holds, and the field they make:
 *
 *   int64            an integer (CSV: decimal text)                        core int64()
 *   float64          a number (CSV: decimal text)                          core float64()
 *   json             any JSON value (CSV: the cell parsed as JSON)         core json()
 *   bytes[:path]     a path to a file, whose bytes are stored              core bytes()
 *   bytes:base64     base64 text (Parquet: also a binary column)           core bytes()
 *   text             a string, stored as UTF-8                             @tessera/text rawText()
 *   tokens:TOKENIZER a string, tokenized with a local tokenizer.json       @tessera/text tokens()
 *   image[:path]     a path to an image file (JPEG, PNG, WebP…)            @tessera/image rgbImage()
 *   image:bytes      an encoded image: Parquet binary, or base64 text      @tessera/image rgbImage()
 *   gray-image[…]    as image, stored with one channel                     @tessera/image grayImage()
 *
 * Paths in the table resolve against the table's folder.
 */
export interface TableFieldMapping {
  column: string;
  kind: TableFieldKind;
  /** `path`, `base64`, `bytes`, a tokenizer path, or undefined. */
  option: string | undefined;
  /** The text given, for messages. */
  text: string;
}

export type TableFieldKind = 'int64' | 'float64' | 'json' | 'bytes' | 'text' | 'tokens' | 'image' | 'gray-image';

/** Kind → the options it takes (the first is its default; [] for none; undefined: any text, required). */
const KIND_OPTIONS: Readonly<Record<TableFieldKind, readonly string[] | undefined>> = {
  int64: [],
  float64: [],
  json: [],
  bytes: ['path', 'base64'],
  text: [],
  tokens: undefined,
  image: ['path', 'bytes'],
  'gray-image': ['path', 'bytes'],
};

export const TABLE_FIELD_KINDS = Object.keys(KIND_OPTIONS) as TableFieldKind[];

/** What the field constructors of the optional packages look like to the CLI. */
export interface TableFieldPackages {
  text?: { rawText(): FieldSpec; tokens(options: { tokenizer: string }): FieldSpec };
  image?: { rgbImage(): FieldSpec; grayImage(): FieldSpec };
}

export function parseTableField(text: string, command: string): TableFieldMapping {
  const equals = text.indexOf('=');
  if (equals <= 0) throw new UsageError(`--field ${JSON.stringify(text)} is not COLUMN=KIND (e.g. label=int64, image=image:path)`, command);
  const column = text.slice(0, equals);
  const rest = text.slice(equals + 1);
  const colon = rest.indexOf(':');
  const kindText = colon < 0 ? rest : rest.slice(0, colon);
  const optionText = colon < 0 ? undefined : rest.slice(colon + 1);
  if (!Object.hasOwn(KIND_OPTIONS, kindText)) {
    throw new UsageError(`--field ${text}: unknown kind "${kindText}"; the kinds are ${TABLE_FIELD_KINDS.join(', ')}`, command);
  }
  const kind = kindText as TableFieldKind;
  const options = KIND_OPTIONS[kind];
  if (options === undefined) {
    if (optionText === undefined || optionText === '') throw new UsageError(`--field ${text}: ${kind} needs a tokenizer: ${column}=${kind}:path/to/tokenizer.json`, command);
    return { column, kind, option: optionText, text };
  }
  if (optionText !== undefined && !options.includes(optionText)) {
    const allowed = options.length === 0 ? `${kind} takes no option` : `the options of ${kind} are ${options.join(', ')}`;
    throw new UsageError(`--field ${text}: unknown option "${optionText}"; ${allowed}`, command);
  }
  return { column, kind, option: optionText ?? options[0], text };
}

/** The package a kind needs, if any. */
export function packageOfKind(kind: TableFieldKind): 'text' | 'image' | undefined {
  if (kind === 'text' || kind === 'tokens') return 'text';
  if (kind === 'image' || kind === 'gray-image') return 'image';
  return undefined;
}

export function tableFieldSpec(mapping: TableFieldMapping, packages: TableFieldPackages, cwd: string): FieldSpec {
  switch (mapping.kind) {
    case 'int64':
      return int64();
    case 'float64':
      return float64();
    case 'json':
      return json();
    case 'bytes':
      return bytes();
    case 'text':
      return packages.text!.rawText();
    case 'tokens':
      return packages.text!.tokens({ tokenizer: resolve(cwd, mapping.option!) });
    case 'image':
      return packages.image!.rgbImage();
    case 'gray-image':
      return packages.image!.grayImage();
  }
}

/**
 * Turns one cell into the field's value: numbers from CSV text, JSON from CSV text, file paths
 * resolved against `baseFolder` (and checked to be files), base64 decoded. Errors name the row
 * and column.
 */
export function convertCell(mapping: TableFieldMapping, value: unknown, rowIndex: number, fromCsv: boolean, baseFolder: string): unknown {
  const where = `row ${rowIndex}, column "${mapping.column}"`;
  const bad = (expected: string): never => {
    throw new TesseraError('E_FIELD_VALUE', `${where}: ${describe(value)} is not ${expected} (--field ${mapping.text})`);
  };
  if (value === undefined || (value === null && mapping.kind !== 'json') || (fromCsv && value === '' && mapping.kind !== 'text' && mapping.kind !== 'tokens')) {
    throw new TesseraError('E_FIELD_VALUE', `${where} is empty; every row needs a value for --field ${mapping.text} (leave the column out, or fill it)`);
  }
  switch (mapping.kind) {
    case 'int64':
      if (typeof value === 'string') {
        if (!/^-?\d+$/.test(value.trim())) bad('an integer');
        const integer = BigInt(value.trim());
        return integer >= BigInt(Number.MIN_SAFE_INTEGER) && integer <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(integer) : integer;
      }
      if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return value;
      return bad('an integer');
    case 'float64':
      if (typeof value === 'string') {
        const number = Number(value.trim());
        if (value.trim() === '' || Number.isNaN(number)) bad('a number');
        return number;
      }
      if (typeof value === 'number') return value;
      if (typeof value === 'bigint') return Number(value);
      return bad('a number');
    case 'json':
      if (!fromCsv) return value;
      try {
        return JSON.parse(value as string);
      } catch {
        return bad('JSON text');
      }
    case 'text':
    case 'tokens':
      return typeof value === 'string' ? value : bad('a string');
    case 'bytes':
      if (mapping.option === 'base64') return binaryOrBase64(value, bad);
      return readCellFile(filePath(value, baseFolder, bad), where);
    case 'image':
    case 'gray-image':
      if (mapping.option === 'bytes') return binaryOrBase64(value, bad);
      return checkedImagePath(filePath(value, baseFolder, bad), where);
  }
}

function filePath(value: unknown, baseFolder: string, bad: (expected: string) => never): string {
  if (typeof value !== 'string' || value === '') bad('a file path');
  const path = value as string;
  return isAbsolute(path) ? path : resolve(baseFolder, path);
}

function readCellFile(path: string, where: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw prefixed(ioError(error, 'read the file', path), where);
  }
}

/** Fails early, naming the row, instead of when the image encoder opens the file. */
function checkedImagePath(path: string, where: string): string {
  try {
    if (!statSync(path).isFile()) throw Object.assign(new Error(`EISDIR: not a file, stat '${path}'`), { code: 'EISDIR', syscall: 'stat' });
  } catch (error) {
    throw prefixed(ioError(error, 'read the image', path), where);
  }
  return path;
}

function binaryOrBase64(value: unknown, bad: (expected: string) => never): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string' && /^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(value)) return Buffer.from(value, 'base64');
  return bad('binary data or base64 text');
}

function prefixed(error: TesseraError, where: string): TesseraError {
  return new TesseraError(error.code, `${where}: ${error.message}`, { cause: error.cause });
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `${value.byteLength} bytes of binary data`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
