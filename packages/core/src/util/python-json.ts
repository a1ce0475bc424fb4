/**
 * JSON as Python's `json.dumps` writes it by default (what FFCV's JSONField stores): separators
 * ", " and ": ", non-ASCII escaped as \uXXXX, NaN/Infinity/-Infinity as bare words, floats in
 * `repr` notation. `parsePythonJson` reads that back, bare NaN/Infinity included.
 */
import type { JsonValue } from './json-value.js';

export function stringifyPythonJson(value: unknown): string {
  return write(value, new Set());
}

function write(value: unknown, seen: Set<unknown>): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return formatNumber(value);
    case 'bigint':
      return value.toString();
    case 'string':
      return quote(value);
    case 'object': {
      if (seen.has(value)) throw new TypeError('cannot store a circular structure as JSON');
      seen.add(value);
      let text: string;
      if (Array.isArray(value)) {
        text = `[${value.map((item) => write(item, seen)).join(', ')}]`;
      } else {
        const maybe = value as { toJSON?: () => unknown };
        if (typeof maybe.toJSON === 'function') {
          text = write(maybe.toJSON(), seen);
        } else {
          const parts: string[] = [];
          for (const [key, item] of Object.entries(value)) {
            if (item === undefined || typeof item === 'function') continue;
            parts.push(`${quote(key)}: ${write(item, seen)}`);
          }
          text = `{${parts.join(', ')}}`;
        }
      }
      seen.delete(value);
      return text;
    }
    default:
      throw new TypeError(`cannot store a ${typeof value} as JSON`);
  }
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return Object.is(value, -0) ? '-0.0' : String(value);
  // Python float repr: shortest round-trip digits, exponent form when exp < -4 or exp >= 16.
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const digits = mantissa.includes('.') ? mantissa : mantissa;
    const sign = exponent < 0 ? '-' : '+';
    return `${digits}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const text = String(value);
  return text.includes('.') || text.includes('e') ? text : `${text}.0`;
}

function quote(text: string): string {
  let out = '"';
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x22) out += '\\"';
    else if (code === 0x5c) out += '\\\\';
    else if (code === 0x0a) out += '\\n';
    else if (code === 0x0d) out += '\\r';
    else if (code === 0x09) out += '\\t';
    else if (code === 0x08) out += '\\b';
    else if (code === 0x0c) out += '\\f';
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += text[index];
  }
  return `${out}"`;
}

const NAN = '\u0000tessera:NaN';
const INFINITY = '\u0000tessera:Infinity';
const NEGATIVE_INFINITY = '\u0000tessera:-Infinity';
const BIGINT = '\u0000tessera:bigint:';
/** 16 digits in a row: the text may hold an integer beyond 2^53 (or a long decimal). */
const LONG_DIGITS = /\d{16}/;
const NUMBER_TOKEN = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * JSON.parse, plus Python's bare NaN, Infinity and -Infinity. Integers beyond ±(2^53 − 1) come
 * back as bigint with every digit (Python's json stores any integer exactly); all others are numbers.
 */
export function parsePythonJson(text: string): JsonValue {
  if (!LONG_DIGITS.test(text)) {
    try {
      return JSON.parse(text) as JsonValue;
    } catch (error) {
      if (!/NaN|Infinity/.test(text)) throw error;
    }
  }
  let rewritten = '';
  let special = false;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (inString) {
      rewritten += char;
      if (char === '\\') rewritten += text[++index] ?? '';
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
      rewritten += char;
    } else if (text.startsWith('NaN', index)) {
      rewritten += JSON.stringify(NAN);
      special = true;
      index += 2;
    } else if (text.startsWith('-Infinity', index)) {
      rewritten += JSON.stringify(NEGATIVE_INFINITY);
      special = true;
      index += 8;
    } else if (text.startsWith('Infinity', index)) {
      rewritten += JSON.stringify(INFINITY);
      special = true;
      index += 7;
    } else if (char === '-' || (char >= '0' && char <= '9')) {
      NUMBER_TOKEN.lastIndex = index;
      const match = NUMBER_TOKEN.exec(text);
      if (match === null) {
        rewritten += char;
        continue;
      }
      const token = match[0];
      const integer = match[1] === undefined && match[2] === undefined;
      const digits = token.startsWith('-') ? token.length - 1 : token.length;
      if (integer && digits >= 16 && (BigInt(token) > MAX_SAFE || BigInt(token) < -MAX_SAFE)) {
        rewritten += JSON.stringify(BIGINT + token);
        special = true;
      } else {
        rewritten += token;
      }
      index += token.length - 1;
    } else {
      rewritten += char;
    }
  }
  if (!special) return JSON.parse(text) as JsonValue;
  return JSON.parse(rewritten, (_key, item) => {
    if (typeof item !== 'string' || item.charCodeAt(0) !== 0) return item;
    if (item === NAN) return Number.NaN;
    if (item === INFINITY) return Number.POSITIVE_INFINITY;
    if (item === NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY;
    if (item.startsWith(BIGINT)) return BigInt(item.slice(BIGINT.length));
    return item;
  }) as JsonValue;
}
