import { BYTE_SOURCE_SPEC_VERSION } from '@tessera/core';
import { type S3SourceOptions, s3 } from '@tessera/s3';
import { describe, expect, it } from 'vitest';
import { byteSourceErrorOf } from './helpers/error-of.js';

describe('s3()', () => {
  it('is a provider of the byte-source contract for s3: URLs, rebuilt in workers from its origin', async () => {
    const options: S3SourceOptions = { region: 'eu-west-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, requestTimeoutMs: 5000 };
    const provider = s3(options);
    expect(provider.specVersion).toBe(BYTE_SOURCE_SPEC_VERSION);
    expect(provider.name).toBe('@tessera/s3');
    expect(provider.protocols).toEqual(['s3:']);
    expect(provider.origin!.exportName).toBe('s3');
    expect(provider.origin!.options).toBe(options);
    expect(JSON.parse(JSON.stringify(provider.origin!.options))).toEqual(options);
    // What a worker does with the origin: import the module, call the export with the options.
    const rebuilt = ((await import(provider.origin!.module)) as { s3: typeof s3 }).s3(provider.origin!.options as S3SourceOptions);
    expect(rebuilt).toMatchObject({ specVersion: 1, name: '@tessera/s3', protocols: ['s3:'], origin: { exportName: 's3', options } });
    expect(s3().origin!.options).toEqual({});
  });

  it('opens without a request: a bad URL is E_ARGUMENT at open', () => {
    const provider = s3({ region: 'us-east-1' });
    expect(provider.open('s3://bucket/some/key.beton').url).toBe('s3://bucket/some/key.beton');
    for (const url of ['https://bucket/key', 's3://bucket', 's3://bucket/', 's3:///key']) {
      expect(byteSourceErrorOf(() => provider.open(url)).code).toBe('E_ARGUMENT');
    }
  });

  it('checks its options (E_ARGUMENT, naming the option)', () => {
    const cases: Array<[unknown, RegExp]> = [
      [null, /options must be an object/],
      ['eu-west-1', /options must be an object/],
      [{ regoin: 'eu-west-1' }, /unknown option 'regoin'/],
      [{ region: '' }, /region must be/],
      [{ region: 42 }, /region must be/],
      [{ endpoint: 'ftp://127.0.0.1:9000' }, /endpoint must be an http/],
      [{ endpoint: '127.0.0.1:9000' }, /endpoint must be an http/],
      [{ endpoint: 'http://minio:very-secret@127.0.0.1:9000' }, /endpoint carries credentials/],
      [{ endpoint: 'ftp://minio:very-secret@127.0.0.1:9000' }, /endpoint must be an http.*got 'ftp:\/\/\*\*\*@127/],
      [{ forcePathStyle: 'yes' }, /forcePathStyle must be true or false/],
      [{ requestTimeoutMs: 0 }, /requestTimeoutMs must be a positive whole number/],
      [{ requestTimeoutMs: 1.5 }, /requestTimeoutMs/],
      [{ credentials: { accessKeyId: 'AKIA' } }, /credentials must be/],
      [{ credentials: { accessKeyId: '', secretAccessKey: 'x' } }, /credentials must be/],
      [{ credentials: { accessKeyId: 'a', secretAccessKey: 'b', sessionToken: 7 } }, /credentials must be/],
    ];
    for (const [options, message] of cases) {
      const error = byteSourceErrorOf(() => s3(options as S3SourceOptions));
      expect(error.code).toBe('E_ARGUMENT');
      expect(error.message).toMatch(message);
      expect(error.message.startsWith('s3(): ')).toBe(true);
      expect(error.message).not.toContain('very-secret');
    }
  });

  it('never puts the credentials of bad options in the message', () => {
    const error = byteSourceErrorOf(() => s3({ credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'very-secret', sessionToken: 3 as never } }));
    expect(error.message).not.toContain('AKIAEXAMPLE');
    expect(error.message).not.toContain('very-secret');
  });
});
