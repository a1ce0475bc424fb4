/**
 * `s3()`: the byte-source provider for `s3://bucket/key` URLs (see @tessera/core's byte-source
 * contract). Pass it to openDataset / createLoader in `byteSources`.
 */
import type { ByteSourceOrigin, ByteSourceProvider } from '@tessera/core';
import { SharedS3Client, describeTarget } from './s3-client.js';
import { S3ByteSource } from './s3-byte-source.js';
import { parseS3Location } from './s3-location.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, type S3SourceOptions, checkS3SourceOptions } from './s3-source-options.js';

export const S3_SOURCE_NAME = '@tessera/s3';

/**
 * A provider for `s3:` URLs. Options are checked here (E_ARGUMENT) and are JSON: worker threads
 * rebuild the provider from `origin` (this bundled module, export `s3`, the same options object).
 * The provider makes one S3Client on its first request and shares it between the sources it opens.
 */
export function s3(options: S3SourceOptions = {}): ByteSourceProvider {
  checkS3SourceOptions(options);
  const client = new SharedS3Client(options);
  const settings = { requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, target: describeTarget(options) };
  return {
    specVersion: 1,
    name: S3_SOURCE_NAME,
    protocols: ['s3:'],
    // import.meta.url rather than '@tessera/s3': core's fetch worker imports it, and core cannot
    // resolve a package it does not depend on (a pnpm install, this monorepo); the URL always works.
    origin: { module: import.meta.url, exportName: 's3', options: options as ByteSourceOrigin['options'] },
    open: (url) => new S3ByteSource(parseS3Location(url), client, settings),
  };
}
