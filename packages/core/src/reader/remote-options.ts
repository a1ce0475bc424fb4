/**
 * Options of remote datasets (`openDataset('https://…' | 's3://…')`), checked and resolved into the
 * JSON settings every thread reading the dataset shares, and the open of the remote source itself.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError } from '../errors.js';
import { type ByteSourceProvider, type RemoteObjectIdentity, isRemoteLocation } from '../io/byte-source.js';
import { type FileSource, openFileSource } from '../io/file-source.js';
import { httpSource } from '../io/http-byte-source.js';
import { RemoteFileSource, type RemoteSettings, createRemoteCounters } from '../io/remote-file-source.js';
import { type ProviderReference, providerFor, referenceOf } from '../io/remote-provider.js';
import { DEFAULT_RETRY_POLICY } from '../io/remote-retry.js';
import type { BlockPoolMemory } from '../io/remote-block-pool.js';
import { SyncFetcher } from '../io/remote-sync-fetch.js';

export interface RemoteOptions {
  /**
   * Folder of the disk cache, shared by every thread and process that names it (one byte limit for
   * all). Default `$TESSERA_CACHE_DIR`, else `<os tmpdir>/tessera-cache`.
   */
  cacheDirectory?: string;
  /** Hard limit of the disk cache in bytes (all processes together). Default 4 GiB. */
  cacheBytes?: number;
  /** Blocks each thread keeps in memory, in bytes. Default 64 MiB. */
  memoryBytes?: number;
  /** Unit of fetching and caching in bytes, a power of two from 4 KiB to 64 MiB. Default 1 MiB. */
  blockBytes?: number;
  /** Largest single range request in bytes (runs of missing blocks are fetched together). Default 16 MiB. */
  maxRequestBytes?: number;
  /** Loader: batches whose bytes are fetched ahead, following the traversal order. Default 16; 0 turns read-ahead off. Keep their bytes well under `cacheBytes`. */
  readAhead?: number;
  /**
   * Loader: memory its threads share for the blocks fetched ahead, so decode workers take them from
   * there, not from the disk cache (written in the background). Read-ahead stops at a quarter of it. Default 256 MiB.
   */
  readAheadBytes?: number;
  /** Read-ahead requests in flight at once per loader. Default 16. */
  concurrency?: number;
  /** Attempts after the first for transient failures (5xx, 429, timeouts, resets, truncated bodies). Default 5. */
  retries?: number;
  /** Timeout of each request in milliseconds. Default 30,000. */
  timeoutMs?: number;
  /** Headers for http(s) requests (e.g. `{ authorization: 'Bearer …' }`), when no http provider is passed in byteSources. */
  headers?: Record<string, string>;
}

export interface ResolvedRemote {
  url: string;
  identity: RemoteObjectIdentity;
  provider: ProviderReference;
  settings: RemoteSettings;
  readAhead: number;
  counters: SharedArrayBuffer;
  /** set by a loader: the shared memory of its blocks fetched ahead */
  pool?: BlockPoolMemory;
}

const KIB = 1024;
const MIB = 1024 * KIB;

function positiveInteger(name: string, value: number | undefined, fallback: number, minimum = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < minimum) throw new ArgumentError(`remote.${name}`, `must be an integer >= ${minimum}, got ${JSON.stringify(value)}`);
  return value;
}

export function resolveRemoteSettings(options: RemoteOptions = {}): { settings: RemoteSettings; readAhead: number } {
  if (options === null || typeof options !== 'object') throw new ArgumentError('remote', `must be an object, got ${JSON.stringify(options)}`);
  const known = new Set(['cacheDirectory', 'cacheBytes', 'memoryBytes', 'blockBytes', 'maxRequestBytes', 'readAhead', 'readAheadBytes', 'concurrency', 'retries', 'timeoutMs', 'headers']);
  for (const key of Object.keys(options)) if (!known.has(key)) throw new ArgumentError('remote', `unknown option ${JSON.stringify(key)} (known: ${[...known].join(', ')})`);
  const blockBytes = positiveInteger('blockBytes', options.blockBytes, MIB, 4 * KIB);
  if ((blockBytes & (blockBytes - 1)) !== 0 || blockBytes > 64 * MIB) throw new ArgumentError('remote.blockBytes', `must be a power of two from 4 KiB to 64 MiB, got ${blockBytes}`);
  const cacheDirectory = options.cacheDirectory ?? process.env.TESSERA_CACHE_DIR ?? join(tmpdir(), 'tessera-cache');
  if (typeof cacheDirectory !== 'string' || cacheDirectory.length === 0) throw new ArgumentError('remote.cacheDirectory', `must be a folder path, got ${JSON.stringify(cacheDirectory)}`);
  const retries = positiveInteger('retries', options.retries, DEFAULT_RETRY_POLICY.retries, 0);
  const timeoutMs = positiveInteger('timeoutMs', options.timeoutMs, DEFAULT_RETRY_POLICY.timeoutMs);
  const settings: RemoteSettings = {
    cacheDirectory,
    cacheBytes: positiveInteger('cacheBytes', options.cacheBytes, 4 * 1024 * MIB, blockBytes),
    memoryBytes: positiveInteger('memoryBytes', options.memoryBytes, 64 * MIB, 0),
    blockBytes,
    maxRequestBytes: positiveInteger('maxRequestBytes', options.maxRequestBytes, 16 * MIB, blockBytes),
    concurrency: positiveInteger('concurrency', options.concurrency, 16),
    readAheadBytes: positiveInteger('readAheadBytes', options.readAheadBytes, 256 * MIB, blockBytes),
    retry: { ...DEFAULT_RETRY_POLICY, retries, timeoutMs },
  };
  return { settings, readAhead: positiveInteger('readAhead', options.readAhead, 16, 0) };
}

/** The provider for a URL: one of `byteSources`, else core's http(s) (with `remote.headers`). */
export function remoteProviderFor(url: string, byteSources: readonly ByteSourceProvider[] | undefined, options: RemoteOptions | undefined): ByteSourceProvider {
  if (byteSources !== undefined && !Array.isArray(byteSources)) throw new ArgumentError('byteSources', `must be an array of byte-source providers, got ${JSON.stringify(byteSources)}`);
  const sources = byteSources ?? [];
  const headers = options?.headers;
  if (headers !== undefined && /^https?:/i.test(url) && !sources.some((source) => source.protocols?.includes(url.slice(0, url.indexOf(':') + 1).toLowerCase()))) {
    return httpSource({ headers });
  }
  return providerFor(url, sources);
}

/**
 * Opens the remote source: one HEAD (through the fetch worker, so this stays synchronous) unless the
 * identity is known (decode workers get the loader's), then the reader reads through the blocks.
 */
export function openRemoteSource(
  url: string,
  provider: ByteSourceProvider | undefined,
  resolved: Omit<ResolvedRemote, 'identity' | 'counters' | 'url' | 'pool'> & { identity?: RemoteObjectIdentity; counters?: SharedArrayBuffer; pool?: BlockPoolMemory },
): RemoteFileSource {
  const asyncSource = provider?.open(url);
  const retryCounters = { requests: 0, retries: 0 };
  const fetcher = new SyncFetcher(url, resolved.provider, resolved.settings.retry, retryCounters);
  let identity = resolved.identity;
  const counters = resolved.counters ?? createRemoteCounters();
  try {
    if (identity === undefined) identity = fetcher.stat();
  } catch (error) {
    fetcher.close();
    throw error;
  }
  const source = new RemoteFileSource({
    url: asyncSource?.url ?? url.replace(/\/\/[^/@]*@/, '//'),
    identity,
    provider: resolved.provider,
    settings: resolved.settings,
    counters,
    fetcher,
    retryCounters,
    asyncSource,
    ...(resolved.pool === undefined ? {} : { pool: resolved.pool }),
  });
  // The HEAD counts like every other request.
  source.counters.add('requests', retryCounters.requests);
  source.counters.add('retries', retryCounters.retries);
  retryCounters.requests = 0;
  retryCounters.retries = 0;
  return source;
}

/** Where a location's bytes come from: the local file (pread), or the remote object through the caches. */
export function openLocationSource(
  location: string,
  options: { byteSources?: readonly ByteSourceProvider[]; remote?: RemoteOptions },
): FileSource {
  if (!isRemoteLocation(location)) return openFileSource(location, { mmap: 'auto' });
  const provider = remoteProviderFor(location, options.byteSources, options.remote);
  const { settings, readAhead } = resolveRemoteSettings(options.remote);
  return openRemoteSource(location, provider, { provider: referenceOf(provider), settings, readAhead });
}

export { referenceOf };
