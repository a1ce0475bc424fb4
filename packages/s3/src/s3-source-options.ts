import { ByteSourceError } from '@tessera/core';

/**
 * Options of `s3()`. They are JSON on purpose: a worker thread rebuilds the provider from them (its
 * `origin`), so they cannot hold functions or clients.
 */
export interface S3SourceOptions {
  /**
   * The bucket's region, e.g. `eu-west-1`. Default: the AWS SDK's chain (`AWS_REGION`, then the
   * profile's `region` in ~/.aws/config).
   */
  region?: string;
  /**
   * An S3-compatible store instead of AWS, e.g. `http://127.0.0.1:9000` for MinIO. Usually needs
   * `forcePathStyle: true`.
   */
  endpoint?: string;
  /** Address buckets as `endpoint/bucket/key` rather than `bucket.endpoint/key`. Default false. */
  forcePathStyle?: boolean;
  /**
   * Limit of one request in milliseconds, from sending it to the last byte of its body; a request
   * over the limit fails as retryable `E_REMOTE`. Default 30,000.
   */
  requestTimeoutMs?: number;
  /**
   * Static credentials. Default: the AWS SDK's standard chain (`AWS_ACCESS_KEY_ID` /
   * `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, `AWS_PROFILE` and ~/.aws/credentials, SSO, web
   * identity, container and instance roles). They travel to worker threads with the options.
   */
  credentials?: S3Credentials;
}

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

const OPTION_NAMES = new Set(['region', 'endpoint', 'forcePathStyle', 'requestTimeoutMs', 'credentials']);

/** Throws E_ARGUMENT for options that are not what `S3SourceOptions` describes. */
export function checkS3SourceOptions(options: S3SourceOptions): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw optionError(`options must be an object like { region: 'eu-west-1' }, got ${describe(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) throw optionError(`unknown option '${name}' (expected one of ${[...OPTION_NAMES].join(', ')})`);
  }
  const { region, endpoint, forcePathStyle, requestTimeoutMs, credentials } = options;
  if (region !== undefined && (typeof region !== 'string' || region === '')) {
    throw optionError(`region must be a region name such as 'eu-west-1', got ${describe(region)}`);
  }
  if (endpoint !== undefined && !isHttpUrl(endpoint)) {
    const shown = typeof endpoint === 'string' ? endpoint.replace(/\/\/[^/@]*@/, '//***@') : endpoint;
    throw optionError(`endpoint must be an http:// or https:// URL such as 'http://127.0.0.1:9000', got ${describe(shown)}`);
  }
  if (endpoint !== undefined && /^[a-z]+:\/\/[^/@]*@/i.test(endpoint)) {
    // Never echoed: the part before '@' is credentials.
    throw optionError('endpoint carries credentials (user:password@): pass them as credentials: { accessKeyId, secretAccessKey }');
  }
  if (forcePathStyle !== undefined && typeof forcePathStyle !== 'boolean') {
    throw optionError(`forcePathStyle must be true or false, got ${describe(forcePathStyle)}`);
  }
  if (requestTimeoutMs !== undefined && !(Number.isSafeInteger(requestTimeoutMs) && requestTimeoutMs > 0)) {
    throw optionError(`requestTimeoutMs must be a positive whole number of milliseconds, got ${describe(requestTimeoutMs)}`);
  }
  if (credentials !== undefined) {
    const valid =
      typeof credentials === 'object' &&
      credentials !== null &&
      typeof credentials.accessKeyId === 'string' &&
      credentials.accessKeyId !== '' &&
      typeof credentials.secretAccessKey === 'string' &&
      credentials.secretAccessKey !== '' &&
      (credentials.sessionToken === undefined || typeof credentials.sessionToken === 'string');
    if (!valid) {
      throw optionError('credentials must be { accessKeyId, secretAccessKey, sessionToken? } with non-empty strings (or leave them out to use the AWS SDK chain)');
    }
  }
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const protocol = new URL(value).protocol;
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : typeof value === 'object' && value !== null ? 'an object' : String(value);
}

function optionError(message: string): ByteSourceError {
  return new ByteSourceError('E_ARGUMENT', `s3(): ${message}`);
}
