import { type ByteSourceProvider, isRemoteLocation } from '@tessera/core';
import { importOptionalPackage } from './import-optional-package.js';

/** What `tessera` passes to core for a FILE argument that is a URL (`https://…`, `s3://…`). */
export interface RemoteReadOptions {
  byteSources: ByteSourceProvider[];
}

/**
 * Byte sources for a remote FILE: none for http(s) (core reads it), @tessera/s3's `s3()` for
 * `s3://` (loaded only then, from the user's project or next to the CLI; configured by the AWS
 * SDK's own chain: AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_S3…). Undefined for a local path.
 */
export async function remoteReadOptions(location: string, cwd: string, command: string): Promise<RemoteReadOptions | undefined> {
  if (!isRemoteLocation(location)) return undefined;
  if (!/^s3:/i.test(location)) return { byteSources: [] };
  const s3Package = await importOptionalPackage<{ s3: () => ByteSourceProvider }>({ specifier: '@tessera/s3', command, requiredExport: 's3', cwd });
  return { byteSources: [s3Package.s3()] };
}
