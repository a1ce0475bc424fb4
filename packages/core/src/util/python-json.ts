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

/** JSON.parse, plus Python's bare NaN, Infinity and -Infinity. */
export function parsePythonJson(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    if (!/NaN|Infinity/.test(text)) throw error;
  }
  let rewritten = '';
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
      index += 2;
    } else if (text.startsWith('-Infinity', index)) {
      rewritten += JSON.stringify(NEGATIVE_INFINITY);
      index += 8;
    } else if (text.startsWith('Infinity', index)) {
      rewritten += JSON.stringify(INFINITY);
      index += 7;
    } else {
      rewritten += char;
    }
  }
  return JSON.parse(rewritten, (_key, item) =>
    item === NAN ? Number.NaN : item === INFINITY ? Number.POSITIVE_INFINITY : item === NEGATIVE_INFINITY ? Number.NEGATIVE_INFINITY : item,
  ) as JsonValue;
}
