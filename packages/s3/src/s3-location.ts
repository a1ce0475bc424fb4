import { ByteSourceError } from '@tessera/core';

/** A parsed `s3://bucket/key` URL. */
export interface S3Location {
  bucket: string;
  /** The object key exactly as written after the bucket (not percent-decoded, like the AWS CLI). */
  key: string;
  /** `s3://bucket/key` with the scheme in lower case. */
  url: string;
}

const EXPECTED_FORM = "expected 's3://bucket/key', e.g. 's3://my-bucket/datasets/train.beton'";
// Letters, digits, dots, hyphens and underscores: S3's rules plus legacy and S3-compatible names.
const BUCKET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Throws E_ARGUMENT for anything that does not name one object in one bucket. */
export function parseS3Location(url: string): S3Location {
  if (typeof url !== 'string' || !/^s3:\/\//i.test(url)) {
    throw locationError(`not an s3:// URL: ${typeof url === 'string' ? `'${redact(url)}'` : String(url)} (${EXPECTED_FORM})`, url);
  }
  const rest = url.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? '' : rest.slice(slash + 1);
  if (bucket === '') throw locationError(`'${url}' names no bucket (${EXPECTED_FORM})`, url);
  if (bucket.includes('@')) {
    // Never echoed: the part before '@' is credentials.
    throw locationError(`'${redact(url)}' carries credentials: pass them as s3({ credentials }) or through the AWS SDK chain (${EXPECTED_FORM})`, url);
  }
  if (!BUCKET_NAME.test(bucket)) {
    throw locationError(`'${bucket}' in '${url}' is not a bucket name (letters, digits, '.', '-' and '_'; no ports) (${EXPECTED_FORM})`, url);
  }
  if (key === '') throw locationError(`'${url}' names a bucket but no object key (${EXPECTED_FORM})`, url);
  return { bucket, key, url: `s3://${bucket}/${key}` };
}

/** The URL with any user info before the host replaced by `***`. */
function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}

function locationError(message: string, url: unknown): ByteSourceError {
  return new ByteSourceError('E_ARGUMENT', message, typeof url === 'string' ? { url: redact(url) } : {});
}
