import { parseS3Location } from '@tessera/s3';
import { describe, expect, it } from 'vitest';
import { byteSourceErrorOf } from './helpers/error-of.js';

describe('parseS3Location', () => {
  it('splits bucket and key at the first slash, the key kept exactly as written', () => {
    expect(parseS3Location('s3://my-bucket/datasets/train.beton')).toEqual({ bucket: 'my-bucket', key: 'datasets/train.beton', url: 's3://my-bucket/datasets/train.beton' });
    expect(parseS3Location('s3://b.with.dots/k')).toMatchObject({ bucket: 'b.with.dots', key: 'k' });
    expect(parseS3Location('s3://legacy_Bucket/a//b/')).toMatchObject({ bucket: 'legacy_Bucket', key: 'a//b/' });
    expect(parseS3Location('s3://bucket/a%20b?c#d')).toMatchObject({ key: 'a%20b?c#d' });
    expect(parseS3Location('s3://bucket/ünïcode key.beton')).toMatchObject({ key: 'ünïcode key.beton' });
  });

  it('accepts the scheme in any case and writes it in lower case', () => {
    expect(parseS3Location('S3://bucket/key')).toEqual({ bucket: 'bucket', key: 'key', url: 's3://bucket/key' });
  });

  it('refuses what does not name one object (E_ARGUMENT, with the expected form)', () => {
    const cases: Array<[unknown, RegExp]> = [
      ['https://bucket/key', /not an s3:\/\/ URL/],
      ['s3:/bucket/key', /not an s3:\/\/ URL/],
      ['bucket/key', /not an s3:\/\/ URL/],
      [42, /not an s3:\/\/ URL: 42/],
      ['s3://', /names no bucket/],
      ['s3:///key', /names no bucket/],
      ['s3://bucket', /names a bucket but no object key/],
      ['s3://bucket/', /names a bucket but no object key/],
      ['s3://user:secret@bucket/key', /'s3:\/\/\*\*\*@bucket\/key' carries credentials: pass them as s3\(\{ credentials \}\)/],
      ['https://user:secret@host/key', /not an s3:\/\/ URL: 'https:\/\/\*\*\*@host\/key'/],
      ['s3://bucket:9000/key', /is not a bucket name/],
      ['s3://-bucket/key', /is not a bucket name/],
    ];
    for (const [url, message] of cases) {
      const error = byteSourceErrorOf(() => parseS3Location(url as string));
      expect(error.code).toBe('E_ARGUMENT');
      expect(error.message).toMatch(message);
      expect(error.message).toContain("expected 's3://bucket/key'");
      expect(error.message).not.toContain('secret');
      expect(error.url ?? '').not.toContain('secret');
    }
  });
});
