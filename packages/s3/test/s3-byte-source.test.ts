import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import type { ByteSource, RemoteObjectIdentity } from '@tessera/core';
import { s3 } from '@tessera/s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byteSourceRejectionOf } from './helpers/error-of.js';
import { type S3TestServer, TEST_CREDENTIALS, startS3TestServer } from './helpers/start-s3-test-server.js';

const BUCKET = 'tessera-test';
const SIZE = 10_000;
/** Deterministic bytes: position p holds (p × 31 + p >> 8) mod 256, so a shifted range never matches. */
const BYTES = Uint8Array.from({ length: SIZE }, (_, position) => (position * 31 + (position >> 8)) % 256);
const MD5 = createHash('md5').update(BYTES).digest('hex');

let server: S3TestServer;

function provider(extra: Parameters<typeof s3>[0] = {}, endpoint = server.endpoint) {
  return s3({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: TEST_CREDENTIALS, ...extra });
}

/** Runs `use` with a source of `s3://BUCKET/<key>`, closed afterwards. */
async function withSource<T>(key: string, use: (source: ByteSource) => Promise<T>, extra: Parameters<typeof s3>[0] = {}, endpoint?: string): Promise<T> {
  const source = provider(extra, endpoint).open(`s3://${BUCKET}/${key}`);
  try {
    return await use(source);
  } finally {
    await source.close?.();
  }
}

beforeAll(async () => {
  server = await startS3TestServer();
  await server.createBucket(BUCKET);
  for (const key of ['data/bytes.bin', 'short-body/bytes.bin', 'wrong-range/bytes.bin']) await server.putObject(BUCKET, key, BYTES);
});

afterAll(async () => {
  await server?.stop();
});

describe('stat', () => {
  it('gives the size, the ETag (the MD5 S3 computed) and Last-Modified as an HTTP date', async () => {
    const identity = await withSource('data/bytes.bin', (source) => source.stat());
    expect(identity.byteLength).toBe(SIZE);
    expect(identity.etag).toBe(`"${MD5}"`);
    expect(identity.lastModified).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    expect(Number.isNaN(new Date(identity.lastModified!).getTime())).toBe(false);
  });

  it('names the URL without credentials', () => {
    expect(provider().open(`s3://${BUCKET}/data/bytes.bin`).url).toBe(`s3://${BUCKET}/data/bytes.bin`);
    expect(provider().open(`S3://${BUCKET}/data/bytes.bin`).url).toBe(`s3://${BUCKET}/data/bytes.bin`);
  });
});

describe('read', () => {
  it('returns exactly the bytes of the range: the start, the middle, the last bytes, the whole object', async () => {
    await withSource('data/bytes.bin', async (source) => {
      const identity = await source.stat();
      for (const [offset, byteLength] of [
        [1, 1],
        [0, 100],
        [1234, 4321],
        [SIZE - 7, 7],
        [SIZE - 1, 1],
        [0, SIZE],
      ] as const) {
        const bytes = await source.read(offset, byteLength, { identity });
        expect(bytes).toBeInstanceOf(Uint8Array);
        expect(bytes.byteLength).toBe(byteLength);
        expect(Buffer.from(bytes).equals(Buffer.from(BYTES.subarray(offset, offset + byteLength)))).toBe(true);
      }
      expect((await source.read(SIZE, 0, { identity })).byteLength).toBe(0);
    });
  });

  it('refuses a range outside the object without asking the store (E_ARGUMENT)', async () => {
    await withSource('data/bytes.bin', async (source) => {
      const identity = await source.stat();
      for (const [offset, byteLength] of [
        [SIZE - 4, 8],
        [SIZE, 1],
        [-1, 4],
        [0.5, 4],
        [0, Number.NaN],
      ]) {
        const error = await byteSourceRejectionOf(() => source.read(offset!, byteLength!, { identity }));
        expect(error.code).toBe('E_ARGUMENT');
      }
    });
  });

  it('rejects a Content-Range other than the range asked (E_REMOTE_PROTOCOL, not retryable)', async () => {
    await withSource('wrong-range/bytes.bin', async (source) => {
      const identity = await source.stat();
      const error = await byteSourceRejectionOf(() => source.read(100, 50, { identity }));
      expect(error).toMatchObject({ code: 'E_REMOTE_PROTOCOL', retryable: false, offset: 100, byteLength: 50, status: 206 });
      expect(error.message).toContain('bytes 100-149');
      expect(error.message).toContain('bytes 99-148/10000');
    });
  });

  it('catches a real store answering another range: s3rver serves bytes=0-0 as the whole object', async () => {
    await withSource('data/bytes.bin', async (source) => {
      const identity = await source.stat();
      const error = await byteSourceRejectionOf(() => source.read(0, 1, { identity }));
      expect(error).toMatchObject({ code: 'E_REMOTE_PROTOCOL', retryable: false });
      expect(error.message).toContain(`Content-Range "bytes 0-${SIZE - 1}/${SIZE}"`);
    });
  });

  it('rejects a body shorter than its Content-Range (E_REMOTE_PROTOCOL, retryable)', async () => {
    await withSource('short-body/bytes.bin', async (source) => {
      const identity = await source.stat();
      const error = await byteSourceRejectionOf(() => source.read(200, 300, { identity }));
      expect(error).toMatchObject({ code: 'E_REMOTE_PROTOCOL', retryable: true, offset: 200, byteLength: 300 });
      expect(error.message).toContain('299 of 300 bytes');
    });
  });

  it('reports an object of another size as changed (E_REMOTE_CHANGED)', async () => {
    await withSource('data/bytes.bin', async (source) => {
      const identity = await source.stat();
      const error = await byteSourceRejectionOf(() => source.read(0, 10, { identity: { ...identity, byteLength: SIZE + 1 } }));
      expect(error).toMatchObject({ code: 'E_REMOTE_CHANGED', retryable: false });
      expect(error.message).toContain(`${SIZE + 1} bytes, now ${SIZE}`);
    });
  });
});

describe('preconditions', () => {
  it('sends IfMatch: once the object is overwritten, the store refuses with 412 and read rejects E_REMOTE_CHANGED', async () => {
    await server.putObject(BUCKET, 'data/changing.bin', BYTES);
    await withSource('data/changing.bin', async (source) => {
      const identity = await source.stat();
      expect(Buffer.from(await source.read(10, 10, { identity })).equals(Buffer.from(BYTES.subarray(10, 20)))).toBe(true);
      await server.putObject(BUCKET, 'data/changing.bin', BYTES.map((value) => value ^ 0xff));
      const error = await byteSourceRejectionOf(() => source.read(10, 10, { identity }));
      expect(error).toMatchObject({ code: 'E_REMOTE_CHANGED', retryable: false, status: 412, url: `s3://${BUCKET}/data/changing.bin` });
      expect(error.message).toContain(identity.etag!);
    });
  });

  it('still reports the change when the store ignores IfMatch (the ETag of the answer differs)', async () => {
    await server.putObject(BUCKET, 'data/replaced.bin', BYTES);
    await withSource(
      'data/replaced.bin',
      async (source) => {
        const identity = await source.stat();
        await server.putObject(BUCKET, 'data/replaced.bin', BYTES.map((value) => value ^ 0x0f));
        const error = await byteSourceRejectionOf(() => source.read(0, 10, { identity }));
        expect(error).toMatchObject({ code: 'E_REMOTE_CHANGED', retryable: false, status: 206 });
        expect(error.message).toContain(`ETag ${identity.etag}, now "`);
      },
      {},
      server.plainEndpoint,
    );
  });

  it('sends IfUnmodifiedSince when the identity has no ETag', async () => {
    await withSource('data/bytes.bin', async (source) => {
      const { byteLength, lastModified } = await source.stat();
      const unchanged: RemoteObjectIdentity = { byteLength, lastModified };
      expect(Buffer.from(await source.read(5, 5, { identity: unchanged })).equals(Buffer.from(BYTES.subarray(5, 10)))).toBe(true);
      // An identity taken an hour before the object was written: the store says it was modified since.
      const older: RemoteObjectIdentity = { byteLength, lastModified: new Date(new Date(lastModified!).getTime() - 3_600_000).toUTCString() };
      const error = await byteSourceRejectionOf(() => source.read(5, 5, { identity: older }));
      expect(error).toMatchObject({ code: 'E_REMOTE_CHANGED', status: 412 });
    });
  });
});

describe('errors', () => {
  it('a missing key: E_REMOTE, not retryable, naming bucket and key (HeadObject 404, GetObject NoSuchKey)', async () => {
    await withSource('data/missing.bin', async (source) => {
      const stat = await byteSourceRejectionOf(() => source.stat());
      expect(stat).toMatchObject({ code: 'E_REMOTE', retryable: false, status: 404, url: `s3://${BUCKET}/data/missing.bin` });
      expect(stat.message).toContain(`bucket '${BUCKET}'`);
      expect(stat.message).toContain("'data/missing.bin'");
      const read = await byteSourceRejectionOf(() => source.read(0, 10, { identity: { byteLength: 10 } }));
      expect(read).toMatchObject({ code: 'E_REMOTE', retryable: false, status: 404 });
      expect(read.message).toContain(`bucket '${BUCKET}' has no object 'data/missing.bin' (NoSuchKey`);
    });
  });

  it('a missing bucket: E_REMOTE, not retryable, naming the bucket and the fix (NoSuchBucket)', async () => {
    const source = provider().open('s3://no-such-bucket/data/bytes.bin');
    const stat = await byteSourceRejectionOf(() => source.stat());
    expect(stat).toMatchObject({ code: 'E_REMOTE', retryable: false, status: 404 });
    expect(stat.message).toContain("bucket 'no-such-bucket'");
    const read = await byteSourceRejectionOf(() => source.read(0, 10, { identity: { byteLength: 10 } }));
    expect(read).toMatchObject({ code: 'E_REMOTE', retryable: false, status: 404 });
    expect(read.message).toContain("there is no bucket 'no-such-bucket' (NoSuchBucket");
    expect(read.message).toContain('region or endpoint');
  });

  it('refused credentials: E_REMOTE 403, not retryable, the fix named, the credentials not', async () => {
    const credentials = { accessKeyId: 'AKIAWRONGKEY12345678', secretAccessKey: 'not-the-secret-9b1d' };
    const source = s3({ endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1', credentials }).open(`s3://${BUCKET}/data/bytes.bin`);
    const stat = await byteSourceRejectionOf(() => source.stat());
    const read = await byteSourceRejectionOf(() => source.read(0, 10, { identity: { byteLength: SIZE } }));
    for (const error of [stat, read]) {
      expect(error).toMatchObject({ code: 'E_REMOTE', retryable: false, status: 403 });
      expect(error.message).toContain('access denied');
      expect(error.message).toContain('check the credentials');
      expect(error.message).not.toContain(credentials.accessKeyId);
      expect(error.message).not.toContain(credentials.secretAccessKey);
    }
    expect(read.message).toContain('InvalidAccessKeyId');
  });

  it('no credentials anywhere (no environment, no profile files, no instance metadata): E_REMOTE naming the chain', async () => {
    // vitest.config.ts points the SDK's profile files into this package (absent) and turns IMDS off.
    const saved = { ...process.env };
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) {
      delete process.env[name];
    }
    try {
      const source = s3({ endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1' }).open(`s3://${BUCKET}/data/bytes.bin`);
      const error = await byteSourceRejectionOf(() => source.stat());
      expect(error).toMatchObject({ code: 'E_REMOTE', retryable: false });
      expect(error.message).toContain('no AWS credentials');
      expect(error.message).toContain('AWS_PROFILE');
    } finally {
      Object.assign(process.env, saved);
    }
  });

  it('no region anywhere: E_ARGUMENT naming s3({ region })', async () => {
    const saved = { ...process.env };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      const source = s3({ endpoint: server.endpoint, forcePathStyle: true, credentials: TEST_CREDENTIALS }).open(`s3://${BUCKET}/data/bytes.bin`);
      const error = await byteSourceRejectionOf(() => source.stat());
      expect(error).toMatchObject({ code: 'E_ARGUMENT', retryable: false });
      expect(error.message).toContain('s3({ region');
    } finally {
      Object.assign(process.env, saved);
    }
  });

  it('a store that does not answer within requestTimeoutMs: E_REMOTE, retryable, naming the limit', async () => {
    const source = provider({ requestTimeoutMs: 300 }).open(`s3://${BUCKET}/stall/object.bin`);
    const stat = await byteSourceRejectionOf(() => source.stat());
    expect(stat).toMatchObject({ code: 'E_REMOTE', retryable: true });
    expect(stat.message).toContain('within 300 ms');
    const read = await byteSourceRejectionOf(() => source.read(0, 10, { identity: { byteLength: 10, etag: '"x"' } }));
    expect(read).toMatchObject({ code: 'E_REMOTE', retryable: true, offset: 0, byteLength: 10 });
    expect(read.message).toContain('requestTimeoutMs');
  });

  it('a refused connection: E_REMOTE, retryable, naming the endpoint', async () => {
    const port = await closedPort();
    const source = provider({}, `http://127.0.0.1:${port}`).open(`s3://${BUCKET}/data/bytes.bin`);
    const error = await byteSourceRejectionOf(() => source.stat());
    expect(error).toMatchObject({ code: 'E_REMOTE', retryable: true });
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain(`endpoint http://127.0.0.1:${port}`);
  });
});

describe('signal', () => {
  it('an aborted signal rejects before any request; an abort during a request rejects it (not retryable)', async () => {
    const source = provider().open(`s3://${BUCKET}/stall/object.bin`);
    const already = await byteSourceRejectionOf(() => source.stat({ signal: AbortSignal.abort(new Error('stopped by the test')) }));
    expect(already).toMatchObject({ code: 'E_REMOTE', retryable: false });
    expect(already.message).toContain('aborted: stopped by the test');

    const controller = new AbortController();
    const pending = byteSourceRejectionOf(() => source.read(0, 10, { identity: { byteLength: 10 }, signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('epoch cancelled')), 100);
    const during = await pending;
    expect(during).toMatchObject({ code: 'E_REMOTE', retryable: false, offset: 0, byteLength: 10 });
    expect(during.message).toContain('aborted: epoch cancelled');
  });
});

describe('lifecycle', () => {
  it('sources of one provider share its client: closing one leaves the other working, a new source works after all closed', async () => {
    const shared = provider();
    const first = shared.open(`s3://${BUCKET}/data/bytes.bin`);
    const second = shared.open(`s3://${BUCKET}/data/bytes.bin`);
    const identity = await first.stat();
    expect((await second.read(0, 4, { identity })).byteLength).toBe(4);
    first.close?.();
    first.close?.();
    expect(Buffer.from(await second.read(4, 4, { identity })).equals(Buffer.from(BYTES.subarray(4, 8)))).toBe(true);
    second.close?.();
    const third = shared.open(`s3://${BUCKET}/data/bytes.bin`);
    expect(Buffer.from(await third.read(8, 4, { identity })).equals(Buffer.from(BYTES.subarray(8, 12)))).toBe(true);
    third.close?.();
  });

  it('a closed source rejects further requests (E_ARGUMENT)', async () => {
    const source = provider().open(`s3://${BUCKET}/data/bytes.bin`);
    source.close?.();
    expect((await byteSourceRejectionOf(() => source.stat())).code).toBe('E_ARGUMENT');
    expect((await byteSourceRejectionOf(() => source.read(0, 1, { identity: { byteLength: SIZE } }))).code).toBe('E_ARGUMENT');
  });
});

/** A port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
