/**
 * Every error Tessera throws is a `TesseraError` with a stable string `code`.
 * Codes are listed (alphabetically) in docs/errors.md; never reuse or rename one.
 */
export type TesseraErrorCode =
  | 'E_ALLOCATION_OUT_OF_BOUNDS'
  | 'E_ALLOCATION_TABLE'
  | 'E_ARGUMENT'
  | 'E_AUDIO_FORMAT'
  | 'E_AUDIO_INPUT'
  | 'E_AUDIO_SAMPLE_RATE'
  | 'E_CHECKSUM_MISMATCH'
  | 'E_CLOSED'
  | 'E_DESCRIPTOR'
  | 'E_DUPLICATE_FIELD'
  | 'E_ENCODE'
  | 'E_EXTENSION_BLOCK'
  | 'E_FFMPEG_NOT_FOUND'
  | 'E_FIELD_ARGUMENTS'
  | 'E_FIELD_VALUE'
  | 'E_HEADER'
  | 'E_INTERNAL'
  | 'E_IO'
  | 'E_LIMIT'
  | 'E_MANIFEST'
  | 'E_MERGE_MISMATCH'
  | 'E_METADATA'
  | 'E_MISSING_STREAM'
  | 'E_MMAP_UNAVAILABLE'
  | 'E_OUT_OF_BOUNDS'
  | 'E_PLUGIN'
  | 'E_PLUGIN_MISSING'
  | 'E_REMOTE'
  | 'E_REMOTE_CHANGED'
  | 'E_REMOTE_PROTOCOL'
  | 'E_SAMPLE_INDEX'
  | 'E_SCHEMA_MISMATCH'
  | 'E_SIDECAR_MISMATCH'
  | 'E_TRUNCATED'
  | 'E_UNKNOWN_FIELD'
  | 'E_UNKNOWN_TYPE_ID'
  | 'E_UNSUPPORTED_VERSION'
  | 'E_USAGE'
  | 'E_VIDEO_BACKEND'
  | 'E_VIDEO_FORMAT'
  | 'E_VIDEO_INPUT'
  | 'E_WORKER'
  | 'E_WRITE_ABORTED';

export interface TesseraErrorOptions {
  cause?: unknown;
}

/** Marks Tessera errors across copies of this package (a plugin may resolve its own @tessera/core). */
const TESSERA_ERROR = Symbol.for('@tessera/core:error');

/** Base class: `code` is stable and documented; `message` states the problem, the numbers and the fix. */
export class TesseraError extends Error {
  readonly code: TesseraErrorCode;

  /** `error instanceof TesseraError` holds for errors made by any copy of @tessera/core. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class being tested; subclasses keep the ordinary prototype check
    if (this !== TesseraError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TESSERA_ERROR] === true;
  }

  constructor(code: TesseraErrorCode, message: string, options?: TesseraErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TesseraError';
    this.code = code;
    Object.defineProperty(this, TESSERA_ERROR, { value: true });
  }

  /** Plain-object form, safe to post between threads and to print as JSON. */
  toJSON(): Record<string, unknown> {
    const { name, code, message } = this;
    const extra: Record<string, unknown> = {};
    for (const key of Object.keys(this)) {
      if (key !== 'cause') extra[key] = (this as unknown as Record<string, unknown>)[key];
    }
    return { ...extra, name, code, message };
  }

  static is(value: unknown, code?: TesseraErrorCode): value is TesseraError {
    return value instanceof TesseraError && (code === undefined || value.code === code);
  }
}

/** The file's bytes contradict the format: where, what was expected, what was found. */
export class FormatError extends TesseraError {
  readonly path: string | undefined;
  readonly fileOffset: number | undefined;
  readonly expected: string | undefined;
  readonly actual: string | undefined;

  constructor(
    code: TesseraErrorCode,
    message: string,
    details: { path?: string; fileOffset?: number; expected?: string; actual?: string; cause?: unknown } = {},
  ) {
    const where = details.path === undefined ? '' : `${details.path}: `;
    const at = details.fileOffset === undefined ? '' : ` (at file offset ${details.fileOffset})`;
    super(code, `${where}${message}${at}`, { cause: details.cause });
    this.name = 'FormatError';
    this.path = details.path;
    this.fileOffset = details.fileOffset;
    this.expected = details.expected;
    this.actual = details.actual;
  }
}

/** An error raised by, or about, a plugin: names the plugin, the hook, the field and the sample. */
export class PluginError extends TesseraError {
  readonly plugin: string | undefined;
  readonly hook: string | undefined;
  readonly field: string | undefined;
  readonly sampleIndex: number | undefined;

  constructor(
    code: TesseraErrorCode,
    message: string,
    details: { plugin?: string; hook?: string; field?: string; sampleIndex?: number; cause?: unknown } = {},
  ) {
    super(code, message, { cause: details.cause });
    this.name = 'PluginError';
    this.plugin = details.plugin;
    this.hook = details.hook;
    this.field = details.field;
    this.sampleIndex = details.sampleIndex;
  }
}

/**
 * A sidecar file opened with a base file it was not written for (E_SIDECAR_MISMATCH): names both
 * files and what differs (`property`: 'sidecar' when the file records no base at all).
 */
export class SidecarError extends TesseraError {
  readonly path: string;
  readonly basePath: string;
  readonly property: 'sidecar' | 'numSamples' | 'fields' | 'content';
  readonly expected: string | undefined;
  readonly actual: string | undefined;

  constructor(
    message: string,
    details: { path: string; basePath: string; property: SidecarError['property']; expected?: string; actual?: string },
  ) {
    super('E_SIDECAR_MISMATCH', message);
    this.name = 'SidecarError';
    this.path = details.path;
    this.basePath = details.basePath;
    this.property = details.property;
    this.expected = details.expected;
    this.actual = details.actual;
  }
}

/**
 * A remote dataset (`https://…`, `s3://…`) could not be read: E_REMOTE (the requests failed, after
 * the retry budget for transient failures), E_REMOTE_CHANGED (the object is no longer the one
 * opened: its ETag, date or size changed) or E_REMOTE_PROTOCOL (the server answered a range request
 * with other bytes: a wrong Content-Range, a short body, the Range header ignored).
 */
export class RemoteError extends TesseraError {
  readonly url: string;
  /** HTTP status of the last failing response, when there was one */
  readonly status: number | undefined;
  /** requests made for this read, retries included */
  readonly attempts: number;

  constructor(code: TesseraErrorCode, message: string, details: { url: string; status?: number; attempts?: number; cause?: unknown }) {
    super(code, message, { cause: details.cause });
    this.name = 'RemoteError';
    this.url = details.url;
    this.status = details.status;
    this.attempts = details.attempts ?? 1;
  }
}

/** A value given to the API is wrong: which argument, what was given, what is allowed. */
export class ArgumentError extends TesseraError {
  readonly argument: string;

  constructor(argument: string, message: string, code: TesseraErrorCode = 'E_ARGUMENT') {
    super(code, `${argument}: ${message}`);
    this.name = 'ArgumentError';
    this.argument = argument;
  }
}

/** Wraps anything thrown inside a plugin hook, unless it is already a TesseraError naming a field. */
export function wrapPluginError(
  error: unknown,
  context: { plugin: string; hook: string; field: string; sampleIndex?: number },
): TesseraError {
  if (error instanceof PluginError && error.field !== undefined) return error;
  const inner = error instanceof Error ? error.message : String(error);
  const sample = context.sampleIndex === undefined ? '' : ` sample ${context.sampleIndex}`;
  const code: TesseraErrorCode = error instanceof TesseraError ? error.code : context.hook === 'encode' || context.hook === 'toTransferable' ? 'E_ENCODE' : 'E_PLUGIN';
  return new PluginError(
    code,
    `plugin ${context.plugin}, ${context.hook}() of field "${context.field}"${sample}: ${inner}`,
    { ...context, cause: error },
  );
}
