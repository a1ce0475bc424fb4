/**
 * The one module that makes S3 clients. A provider shares one client between the sources it opens:
 * made on the first request, destroyed when the last source that used it closes (a later request
 * makes a new one).
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { S3SourceOptions } from './s3-source-options.js';

/** The client of one provider, counted by the sources that hold it. */
export class SharedS3Client {
  private client: S3Client | undefined;
  private holders = 0;

  constructor(private readonly options: S3SourceOptions) {}

  /** A source opened: it may use the client until it calls `release`. */
  retain(): void {
    this.holders++;
  }

  /** A source closed; the last one destroys the client (its sockets). */
  release(): void {
    this.holders = Math.max(0, this.holders - 1);
    if (this.holders === 0 && this.client !== undefined) {
      this.client.destroy();
      this.client = undefined;
    }
  }

  get(): S3Client {
    this.client ??= createS3Client(this.options);
    return this.client;
  }
}

/**
 * An S3Client for the options. The SDK's own retries are off (`maxAttempts: 1`): core retries
 * retryable failures with its backoff and counts them. Checksums only where S3 requires them: range
 * reads cannot be checked against whole-object checksums anyway.
 */
export function createS3Client(options: S3SourceOptions): S3Client {
  return new S3Client({
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.forcePathStyle === undefined ? {} : { forcePathStyle: options.forcePathStyle }),
    ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } }),
  });
}

/** Where requests go, for messages: the endpoint without user info, or the region. */
export function describeTarget(options: S3SourceOptions): string {
  if (options.endpoint !== undefined) {
    const endpoint = new URL(options.endpoint);
    return `endpoint ${endpoint.protocol}//${endpoint.host}${endpoint.pathname === '/' ? '' : endpoint.pathname}`;
  }
  return options.region === undefined ? "AWS S3 in the SDK's default region (AWS_REGION or the profile's)" : `AWS S3 in ${options.region}`;
}
