import { PluginError } from '../errors.js';
import type { FieldPreview, PreviewOptions } from '../registry/plugin-contract.js';

export const DEFAULT_PREVIEW_OPTIONS: PreviewOptions = { maxSide: 256 };
const KINDS = ['image', 'audio', 'video', 'text', 'array', 'json', 'bytes'];
const MAX_ARRAY_VALUES = 4096;
const MAX_HEAD_BYTES = 256;

/** The viewer's options, checked: `maxSide` a positive integer up to 65535. */
export function previewOptions(options: Partial<PreviewOptions> | undefined): PreviewOptions {
  const maxSide = options?.maxSide ?? DEFAULT_PREVIEW_OPTIONS.maxSide;
  if (!Number.isInteger(maxSide) || maxSide < 1 || maxSide > 65_535) throw new RangeError(`preview maxSide must be an integer in [1, 65535], got ${JSON.stringify(maxSide)}`);
  return { maxSide };
}

/**
 * A preview as a codec returned it, checked against the contract (a known kind, bytes a
 * Uint8Array, sizes finite, arrays and heads within their bounds): E_PLUGIN naming the field and
 * sample otherwise, so a viewer never serves a malformed one.
 */
export function checkPreview(preview: unknown, context: { plugin: string; field: string; sampleIndex: number }): FieldPreview {
  const bad = (problem: string): never => {
    throw new PluginError('E_PLUGIN', `field "${context.field}": preview of sample ${context.sampleIndex} ${problem}`, { ...context, hook: 'preview' });
  };
  if (preview === null || typeof preview !== 'object') return bad(`is ${preview === null ? 'null' : typeof preview}, not a FieldPreview`);
  const value = preview as Record<string, unknown>;
  if (!KINDS.includes(value.kind as string)) return bad(`has kind ${JSON.stringify(value.kind)}; kinds are ${KINDS.join(', ')}`);
  const finite = (name: string, positive: boolean) => {
    const number = value[name];
    if (typeof number !== 'number' || !Number.isFinite(number) || (positive ? number <= 0 : number < 0)) bad(`has ${name} ${String(number)}, expected a ${positive ? 'positive' : 'non-negative'} finite number`);
  };
  const blob = (bytes: unknown, mimeType: unknown, what: string) => {
    if (!(bytes instanceof Uint8Array)) bad(`has ${what}bytes that are not a Uint8Array`);
    if (typeof mimeType !== 'string' || !/^[a-z]+\/[a-z0-9.+-]+$/i.test(mimeType)) bad(`has ${what}mimeType ${JSON.stringify(mimeType)}, not a MIME type`);
  };
  switch (value.kind) {
    case 'image':
      blob(value.bytes, value.mimeType, '');
      finite('width', true);
      finite('height', true);
      break;
    case 'audio':
      blob(value.bytes, value.mimeType, '');
      finite('durationSeconds', false);
      finite('sampleRate', true);
      finite('channels', true);
      if (value.peaks !== undefined && (!(value.peaks instanceof Float32Array) || value.peaks.length % 2 !== 0)) bad('has peaks that are not a Float32Array of [min, max] pairs');
      break;
    case 'video': {
      blob(value.bytes, value.mimeType, '');
      finite('durationSeconds', false);
      finite('width', true);
      finite('height', true);
      if (value.framesPerSecond !== undefined) finite('framesPerSecond', true);
      const poster = value.poster as { bytes?: unknown; mimeType?: unknown } | undefined;
      if (poster !== undefined) blob(poster?.bytes, poster?.mimeType, 'a poster with ');
      break;
    }
    case 'text':
      if (typeof value.text !== 'string') bad('has text that is not a string');
      if (value.tokens !== undefined) {
        if (!Array.isArray(value.tokens)) bad('has tokens that are not an array');
        for (const token of value.tokens as unknown[]) {
          const entry = token as { id?: unknown; text?: unknown } | null;
          if (entry === null || typeof entry !== 'object' || !Number.isInteger(entry.id) || typeof entry.text !== 'string') bad('has a token that is not { id, text }');
        }
      }
      break;
    case 'array':
      if (typeof value.dtype !== 'string') bad('has no dtype');
      if (!Array.isArray(value.shape) || !value.shape.every((extent) => Number.isInteger(extent) && extent >= 0)) bad('has a shape that is not a list of extents');
      if (!(value.values instanceof Float64Array) || value.values.length > MAX_ARRAY_VALUES) bad(`has values that are not a Float64Array of at most ${MAX_ARRAY_VALUES}`);
      break;
    case 'bytes':
      finite('byteLength', false);
      if (!(value.head instanceof Uint8Array) || value.head.byteLength > MAX_HEAD_BYTES) bad(`has a head that is not a Uint8Array of at most ${MAX_HEAD_BYTES} bytes`);
      break;
    default:
      break;
  }
  return preview as FieldPreview;
}

/** Statistics as a codec returned them: finite numbers by name, E_PLUGIN otherwise. */
export function checkStatistics(statistics: unknown, context: { plugin: string; field: string; sampleIndex: number }): Readonly<Record<string, number>> {
  if (statistics === null || typeof statistics !== 'object' || Array.isArray(statistics)) {
    throw new PluginError('E_PLUGIN', `field "${context.field}": statistics of sample ${context.sampleIndex} are not an object of numbers`, { ...context, hook: 'statistics' });
  }
  for (const [name, number] of Object.entries(statistics)) {
    if (typeof number !== 'number' || !Number.isFinite(number)) {
      throw new PluginError('E_PLUGIN', `field "${context.field}": statistic "${name}" of sample ${context.sampleIndex} is ${String(number)}, not a finite number`, { ...context, hook: 'statistics' });
    }
  }
  return statistics as Readonly<Record<string, number>>;
}

/** The first values of a typed array as float64 (bigints converted), for array previews. */
export function arrayPreviewValues(data: ArrayLike<number | bigint>): Float64Array {
  const count = Math.min(data.length, MAX_ARRAY_VALUES);
  const values = new Float64Array(count);
  for (let index = 0; index < count; index++) values[index] = Number(data[index]);
  return values;
}

/** The first bytes of a payload, for byte previews. */
export const headOf = (bytes: Uint8Array): Uint8Array => bytes.slice(0, MAX_HEAD_BYTES);
