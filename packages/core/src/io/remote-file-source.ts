/**
 * A FileSource over a remote object (`https://…`, `s3://…`): the reader's synchronous reads served
 * block by block from three tiers.
 *
 * 1. Memory: the blocks this thread used last, at most `memoryBytes` (LRU). Block buffers are never
 *    reused (an evicted block is dropped, not overwritten), so `view()` of a range inside one block
 *    is zero-copy and stays valid while referenced.
 * 2. Disk: the machine's shared block cache (remote-disk-cache.ts), one hard byte limit for every
 *    thread and process that uses the folder.
 * 3. The network: a miss fetches the run of missing blocks the read needs in one range request (at
 *    most `maxRequestBytes`), synchronously through the fetch worker (remote-sync-fetch.ts), stores
 *    each block on disk and in memory.
 *
 * Read-ahead (`warm`, called by the loader with the byte ranges of the batches ahead) fetches
 * blocks asynchronously on the calling thread's event loop, at most `concurrency` requests at a
 * time, into the disk cache, where every decode worker finds them. A failed read-ahead is counted,
 * not thrown: the synchronous read retries it and raises the typed error if it fails again.
 *
 * Every request carries the object's identity as a precondition, so an object replaced mid-epoch
 * is E_REMOTE_CHANGED on the next fetch; cached blocks are keyed by that identity and never serve
 * another object. `checkUnchanged()` costs nothing (it does not ask the server).
 */
import { RemoteError, TesseraError } from '../errors.js';
import type { ByteSource, RemoteObjectIdentity } from './byte-source.js';
import type { FileIdentity } from './file-identity.js';
import type { FileSource, MmapAdvice } from './file-source.js';
import { closedError, isRangeInside, rangeError, targetRangeError } from './io-helpers.js';
import { RemoteDiskCache } from './remote-disk-cache.js';
import { BlockPool, type BlockPoolMemory, createBlockPoolMemory } from './remote-block-pool.js';
import type { ProviderReference } from './remote-provider.js';
import { type RetryCounters, type RetryPolicy, withRetries } from './remote-retry.js';
import { SyncFetcher } from './remote-sync-fetch.js';

/** how long an opener waits for its tables' disk writes before the next opener goes on, and how often it looks */
const STORE_WAIT_MS = 30_000;
const STORE_POLL_MS = 5;
/** Background disk-cache writes of fetched-ahead blocks allowed to wait at once (per loader; at most readAheadBytes). */
const MAX_PENDING_DISK_BYTES = 64 * 1024 * 1024;

/** Resolved remote settings; JSON, so they cross to decode workers. */
export interface RemoteSettings {
  cacheDirectory: string;
  cacheBytes: number;
  memoryBytes: number;
  blockBytes: number;
  maxRequestBytes: number;
  concurrency: number;
  /** bytes of the block pool a loader shares with its workers */
  readAheadBytes: number;
  retry: RetryPolicy;
}

/** Counters of a remote dataset, summed over the threads that read it. */
export interface RemoteSourceStats {
  /** requests sent (HEAD and range GETs, retries included) */
  requests: number;
  /** attempts repeated after a transient failure */
  retries: number;
  /** payload bytes received */
  bytesFetched: number;
  /** blocks fetched from the server */
  blocksFetched: number;
  /** blocks read from the local disk cache */
  diskHits: number;
  /** fetches a read had to wait for (the block was neither in memory nor on disk) */
  syncFetches: number;
  /** milliseconds reads spent waiting on those fetches */
  networkWaitMs: number;
  /** blocks fetched ahead of use (warm) */
  readAheadBlocks: number;
  /** read-ahead fetches that failed (retried synchronously on use) */
  readAheadFailures: number;
  /** reads served from the memory a loader shares with its workers (blocks fetched ahead) */
  poolHits: number;
  /** blocks fetched ahead not written to the disk cache, because its writes lagged too far behind */
  diskWritesSkipped: number;
}

const STAT_NAMES = [
  'requests',
  'retries',
  'bytesFetched',
  'blocksFetched',
  'diskHits',
  'syncFetches',
  'networkWaitMs',
  'readAheadBlocks',
  'readAheadFailures',
  'poolHits',
  'diskWritesSkipped',
] as const satisfies ReadonlyArray<keyof RemoteSourceStats>;
type StatName = (typeof STAT_NAMES)[number];
const STAT_INDEX = Object.fromEntries(STAT_NAMES.map((name, index) => [name, index])) as Record<StatName, number>;

/** Shared counters (Float64 per stat, added under a tiny spin lock in slot 0 of an Int32 view). */
export function createRemoteCounters(): SharedArrayBuffer {
  return new SharedArrayBuffer(8 + STAT_NAMES.length * 8);
}

export function readRemoteCounters(buffer: SharedArrayBuffer): RemoteSourceStats {
  const values = new Float64Array(buffer, 8);
  const stats = {} as RemoteSourceStats;
  for (const name of STAT_NAMES) stats[name] = Math.round(values[STAT_INDEX[name]]! * 1000) / 1000;
  return stats;
}

class SharedCounters {
  private readonly lock: Int32Array;
  private readonly values: Float64Array;
  constructor(readonly buffer: SharedArrayBuffer) {
    this.lock = new Int32Array(buffer, 0, 1);
    this.values = new Float64Array(buffer, 8);
  }
  add(name: StatName, amount: number): void {
    if (amount === 0) return;
    while (Atomics.compareExchange(this.lock, 0, 0, 1) !== 0);
    this.values[STAT_INDEX[name]]! += amount;
    Atomics.store(this.lock, 0, 0);
  }
}

export interface RemoteFileSourceInit {
  url: string;
  identity: RemoteObjectIdentity;
  provider: ProviderReference;
  settings: RemoteSettings;
  /** The calling thread's own source, for read-ahead; absent in decode workers. */
  asyncSource?: ByteSource;
  /** Shared counters (createRemoteCounters), summed across threads. */
  counters?: SharedArrayBuffer;
  /** A fetcher already used for the identity (reused, so the fetch worker starts once). */
  fetcher?: SyncFetcher;
  retryCounters?: RetryCounters;
  /** The block pool of the loader this source reads for (decode workers get the loader's). */
  pool?: BlockPoolMemory;
}

export class RemoteFileSource implements FileSource {
  readonly path: string;
  readonly byteLength: number;
  readonly mode = 'pread' as const;
  readonly fallbackReason: string;
  readonly identity: FileIdentity;
  readonly remoteIdentity: RemoteObjectIdentity;
  readonly provider: ProviderReference;
  readonly settings: RemoteSettings;
  readonly counters: SharedCounters;
  private readonly blockBytes: number;
  private readonly memoryBlockLimit: number;
  private readonly memory = new Map<number, Buffer>();
  private readonly disk: RemoteDiskCache;
  private readonly cacheKey: string;
  private readonly fetcher: SyncFetcher;
  private readonly retryCounters: RetryCounters;
  private readonly asyncSource: ByteSource | undefined;
  private readonly inFlight = new Map<number, Promise<void>>();
  private activeWarms = 0;
  private readonly warmQueue: Array<() => void> = [];
  private closed = false;
  private fetcherClosed: Promise<void> = Promise.resolve();
  private scratchBuffer: Buffer | null = null;
  private pool: BlockPool | undefined;
  private poolMemory: BlockPoolMemory | undefined;
  /** Int32 [0]: bytes of fetched-ahead blocks waiting for their disk write in the fetch worker */
  private readonly pendingDiskBytes = new Int32Array(new SharedArrayBuffer(4));

  constructor(init: RemoteFileSourceInit) {
    const { url, identity, settings } = init;
    this.path = url;
    this.remoteIdentity = identity;
    this.provider = init.provider;
    this.settings = settings;
    this.byteLength = identity.byteLength;
    this.identity = { device: 0n, inode: 0n, byteLength: identity.byteLength, modifiedNs: 0n };
    this.blockBytes = settings.blockBytes;
    this.memoryBlockLimit = Math.max(2, Math.floor(settings.memoryBytes / settings.blockBytes));
    this.disk = new RemoteDiskCache(settings.cacheDirectory, settings.cacheBytes);
    this.cacheKey = RemoteDiskCache.keyOf(url, identity, settings.blockBytes);
    this.retryCounters = init.retryCounters ?? { requests: 0, retries: 0 };
    this.fetcher = init.fetcher ?? new SyncFetcher(url, init.provider, settings.retry, this.retryCounters);
    this.asyncSource = init.asyncSource;
    this.counters = new SharedCounters(init.counters ?? createRemoteCounters());
    if (init.pool !== undefined) {
      this.poolMemory = init.pool;
      this.pool = new BlockPool(init.pool);
    }
    this.fallbackReason = `remote object read in ${settings.blockBytes}-byte blocks through the disk cache ${settings.cacheDirectory}`;
  }

  copyTo(offset: number, byteLength: number, target: Uint8Array, targetOffset: number): void {
    if (this.closed) throw closedError(this.path, 'copyTo');
    if (!isRangeInside(offset, byteLength, this.byteLength)) throw rangeError(this.path, 'copyTo', offset, byteLength, this.byteLength);
    if (!isRangeInside(targetOffset, byteLength, target.length)) throw targetRangeError(this.path, offset, byteLength, target.length, targetOffset);
    const blockBytes = this.blockBytes;
    const block = Math.floor(offset / blockBytes);
    const start = offset - block * blockBytes;
    if (start + byteLength <= blockBytes) {
      this.copyFromBlock(block, start, byteLength, target, targetOffset, block);
      return;
    }
    this.copyAcross(offset, byteLength, target, targetOffset);
  }

  view(offset: number, byteLength: number, scratch?: boolean): Uint8Array {
    if (this.closed) throw closedError(this.path, 'view');
    if (!isRangeInside(offset, byteLength, this.byteLength)) throw rangeError(this.path, 'view', offset, byteLength, this.byteLength);
    if (byteLength === 0) return new Uint8Array(0);
    const block = Math.floor(offset / this.blockBytes);
    const start = offset - block * this.blockBytes;
    const inMemory = this.memory.get(block);
    if (inMemory !== undefined && start + byteLength <= this.blockBytes) return inMemory.subarray(start, start + byteLength);
    let target: Buffer;
    if (scratch === true) {
      if (this.scratchBuffer === null || this.scratchBuffer.length < byteLength) this.scratchBuffer = Buffer.allocUnsafe(byteLength);
      target = this.scratchBuffer.subarray(0, byteLength);
    } else {
      target = Buffer.allocUnsafe(byteLength);
    }
    this.copyAcross(offset, byteLength, target, 0);
    return target;
  }

  advise(offset: number, byteLength: number, advice: MmapAdvice): void {
    if (this.closed) throw closedError(this.path, 'advise');
    if (!isRangeInside(offset, byteLength, this.byteLength)) throw rangeError(this.path, 'advise', offset, byteLength, this.byteLength);
    if (advice === 'willneed' && byteLength > 0) void this.warm([[offset, byteLength]]);
  }

  /** Nothing to ask: every fetch sends the identity as a precondition (E_REMOTE_CHANGED). */
  checkUnchanged(): void {
    if (this.closed) throw closedError(this.path, 'checkUnchanged');
  }

  /**
   * Fetches the blocks of these byte ranges that are neither in memory nor on disk into the disk
   * cache, asynchronously (at most `concurrency` requests at once; blocks already being fetched are
   * awaited, not fetched twice). Never rejects: failures are counted in readAheadFailures.
   */
  warm(ranges: ReadonlyArray<readonly [offset: number, byteLength: number]>): Promise<void> {
    if (this.closed || this.asyncSource === undefined) return Promise.resolve();
    const wanted = new Set<number>();
    for (const [offset, byteLength] of ranges) {
      if (byteLength <= 0 || !isRangeInside(offset, byteLength, this.byteLength)) continue;
      const last = Math.floor((offset + byteLength - 1) / this.blockBytes);
      for (let block = Math.floor(offset / this.blockBytes); block <= last; block++) wanted.add(block);
    }
    const waits: Promise<void>[] = [];
    const missing: number[] = [];
    for (const block of [...wanted].sort((a, b) => a - b)) {
      const pending = this.inFlight.get(block);
      if (pending !== undefined) waits.push(pending);
      else if (!this.holds(block)) missing.push(block);
    }
    for (const [first, count] of this.runsOf(missing)) {
      const run = this.fetchAhead(first, count);
      for (let block = first; block < first + count; block++) this.inFlight.set(block, run);
      waits.push(run);
    }
    return Promise.all(waits).then(() => undefined);
  }

  /** Resolves once a closed source's fetch thread has written what it was handed and ended. */
  whenClosed(): Promise<void> {
    return this.fetcherClosed;
  }

  stats(): RemoteSourceStats {
    return readRemoteCounters(this.counters.buffer);
  }

  /** Bytes the shared disk cache holds now (all processes). */
  cachedByteLength(): number {
    return this.disk.usedByteLength();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.memory.clear();
    this.disk.close();
    this.fetcherClosed = this.fetcher.close();
    void this.asyncSource?.close?.();
  }

  private copyAcross(offset: number, byteLength: number, target: Uint8Array, targetOffset: number): void {
    const blockBytes = this.blockBytes;
    const firstBlock = Math.floor(offset / blockBytes);
    const lastBlock = Math.floor((offset + byteLength - 1) / blockBytes);
    const copied = (lastBlock - firstBlock + 1) * blockBytes > this.settings.maxRequestBytes ? this.fetchMissingInParallel(firstBlock, lastBlock, offset, byteLength, target, targetOffset) : undefined;
    let done = 0;
    for (let block = firstBlock; block <= lastBlock; block++) {
      const start = block === firstBlock ? offset - block * blockBytes : 0;
      const count = Math.min(this.blockLength(block) - start, byteLength - done);
      if (copied?.has(block) !== true) this.copyFromBlock(block, start, count, target, targetOffset + done, lastBlock);
      done += count;
    }
  }

  /**
   * Bytes [start, start + count) of a block: from this thread's memory, else exactly those bytes
   * from the disk cache (one pread: a 12 KiB sample costs 12 KiB, not its block), else the network
   * (which also fetches the missing blocks up to `lastNeeded`).
   */
  private copyFromBlock(block: number, start: number, count: number, target: Uint8Array, targetOffset: number, lastNeeded: number): void {
    const bytes = this.memory.get(block);
    if (bytes !== undefined) {
      bytes.copy(target, targetOffset, start, start + count);
      return;
    }
    if (this.pool?.copy(block, start, count, target, targetOffset) === true) {
      this.counters.add('poolHits', 1);
      return;
    }
    if (this.disk.readRange(this.cacheKey, block, this.blockLength(block), start, target, targetOffset, count)) {
      this.counters.add('diskHits', 1);
      return;
    }
    this.fetchRun(block, lastNeeded).copy(target, targetOffset, start, start + count);
  }

  /**
   * A read larger than one request (the metadata and allocation tables of a big file at open):
   * its missing blocks are fetched in runs of maxRequestBytes, `concurrency` runs at once, in one
   * wait, copied into the target and stored on disk. Returns the blocks copied.
   */
  private fetchMissingInParallel(firstBlock: number, lastBlock: number, offset: number, byteLength: number, target: Uint8Array, targetOffset: number): Set<number> | undefined {
    const missing: number[] = [];
    for (let block = firstBlock; block <= lastBlock; block++) if (!this.holds(block)) missing.push(block);
    const runs = this.runsOf(missing);
    if (runs.length < 2) return undefined;
    const copied = new Set<number>();
    const ranges = runs.map(([first, count]): [number, number] => [first * this.blockBytes, Math.min(this.byteLength, (first + count) * this.blockBytes) - first * this.blockBytes]);
    const before = { ...this.retryCounters };
    const started = performance.now();
    let results: Uint8Array[];
    try {
      results = this.fetcher.readMany(ranges, this.remoteIdentity, this.settings.concurrency);
    } finally {
      this.counters.add('networkWaitMs', performance.now() - started);
      this.counters.add('syncFetches', 1);
      this.counters.add('requests', this.retryCounters.requests - before.requests);
      this.counters.add('retries', this.retryCounters.retries - before.retries);
    }
    results.forEach((bytes, index) => {
      const [first, count] = runs[index]!;
      if (bytes.length !== ranges[index]![1]) {
        throw new RemoteError('E_REMOTE_PROTOCOL', `${this.path}: asked for ${ranges[index]![1]} bytes at ${ranges[index]![0]}, got ${bytes.length}`, { url: this.path });
      }
      this.counters.add('bytesFetched', bytes.length);
      this.counters.add('blocksFetched', count);
      // The part of the run inside the read goes to the target now (the disk cache may be smaller than the read).
      const runStart = first * this.blockBytes;
      const from = Math.max(offset, runStart);
      const to = Math.min(offset + byteLength, runStart + bytes.length);
      target.set(bytes.subarray(from - runStart, to - runStart), targetOffset + (from - offset));
      for (let block = first; block < first + count; block++) copied.add(block);
      // Stored by the fetch thread while this one goes on (a cold open's tables are not held up by
      // a slow disk), whatever its backlog: these blocks are what the next open reads.
      this.storeInBackground(first, bytes, true);
    });
    return copied;
  }

  /** Fetches block `block` and the missing blocks after it up to `lastNeeded` in one request, synchronously. */
  private fetchRun(block: number, lastNeeded: number): Buffer {
    let end = block + 1;
    while (end <= lastNeeded && end - block < this.maxRunBlocks() && !this.holds(end)) end++;
    const offset = block * this.blockBytes;
    const byteLength = Math.min(this.byteLength, end * this.blockBytes) - offset;
    const before = { ...this.retryCounters };
    const started = performance.now();
    let bytes: Uint8Array;
    try {
      bytes = this.fetcher.read(offset, byteLength, this.remoteIdentity);
    } finally {
      this.counters.add('networkWaitMs', performance.now() - started);
      this.counters.add('syncFetches', 1);
      this.counters.add('requests', this.retryCounters.requests - before.requests);
      this.counters.add('retries', this.retryCounters.retries - before.retries);
    }
    if (bytes.length !== byteLength) {
      throw new RemoteError('E_REMOTE_PROTOCOL', `${this.path}: asked for ${byteLength} bytes at ${offset}, got ${bytes.length}`, { url: this.path });
    }
    this.counters.add('bytesFetched', byteLength);
    this.counters.add('blocksFetched', end - block);
    const whole = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    const pieces = this.splitBlocks(whole, block, end - block);
    this.disk.writeRun(this.cacheKey, block, pieces);
    let first: Buffer | undefined;
    pieces.forEach((piece, index) => {
      // A run shares one buffer; memory keeps per-block copies only for single blocks, so an evicted
      // block frees its bytes.
      const own = pieces.length === 1 ? piece : Buffer.from(piece);
      this.remember(block + index, own);
      if (index === 0) first = own;
    });
    return first!;
  }

  private remember(block: number, bytes: Buffer): void {
    const memory = this.memory;
    memory.delete(block);
    memory.set(block, bytes);
    if (memory.size > this.memoryBlockLimit) {
      const oldest = memory.keys().next().value as number;
      memory.delete(oldest);
    }
  }

  /**
   * The shared block pool of this (loader's) source, created on first call: decode workers open the
   * object with it, and read-ahead then puts blocks there, writing the disk cache in the background.
   */
  enableBlockPool(): BlockPoolMemory {
    if (this.poolMemory === undefined) {
      this.poolMemory = createBlockPoolMemory(this.settings.readAheadBytes, this.blockBytes);
      this.pool = new BlockPool(this.poolMemory);
    }
    return this.poolMemory;
  }

  /**
   * Writes fetched-ahead blocks to the disk cache without holding anyone up (the workers have them
   * in the pool): the fetch worker writes them. When a slow disk lets more than
   * MAX_PENDING_DISK_BYTES (or readAheadBytes) wait, blocks are left out of the disk cache rather than queued without
   * bound (counted in diskWritesSkipped).
   */
  private storeInBackground(first: number, bytes: Uint8Array, always = false): void {
    if (!always && Atomics.load(this.pendingDiskBytes, 0) + bytes.length > Math.min(MAX_PENDING_DISK_BYTES, this.settings.readAheadBytes)) {
      this.counters.add('diskWritesSkipped', Math.ceil(bytes.length / this.blockBytes));
      return;
    }
    Atomics.add(this.pendingDiskBytes, 0, bytes.length);
    this.fetcher.store({
      cacheDirectory: this.settings.cacheDirectory,
      cacheBytes: this.settings.cacheBytes,
      key: this.cacheKey,
      first,
      blockBytes: this.blockBytes,
      bytes,
      pending: this.pendingDiskBytes.buffer as SharedArrayBuffer,
    });
  }

  /**
   * Runs `open` (reading the tables at open) as this machine's only opener of the object: another
   * process opening it at the same moment waits, then reads the tables from the disk cache, so N
   * ranks starting together fetch the tables once (RemoteDiskCache.holdOpening). Waits for the
   * tables' background disk writes before letting the next opener in.
   */
  openExclusively<T>(open: () => T): T {
    if (this.settings.cacheBytes <= 0) return open();
    const release = this.disk.holdOpening(this.cacheKey);
    try {
      const result = open();
      const deadline = Date.now() + STORE_WAIT_MS;
      for (let pending = Atomics.load(this.pendingDiskBytes, 0); pending > 0 && Date.now() < deadline; pending = Atomics.load(this.pendingDiskBytes, 0)) {
        Atomics.wait(this.pendingDiskBytes, 0, pending, STORE_POLL_MS);
      }
      return result;
    } finally {
      release();
    }
  }

  /** Whether a block is here without a request: in this thread's memory, the shared pool or on disk. */
  private holds(block: number): boolean {
    return this.memory.has(block) || this.pool?.has(block) === true || this.disk.has(this.cacheKey, block);
  }

  /** Blocks in one request at most. */
  private maxRunBlocks(): number {
    return Math.max(1, Math.floor(this.settings.maxRequestBytes / this.blockBytes));
  }

  /** Ascending block numbers as [first, count] runs of consecutive blocks, each at most one request long. */
  private runsOf(blocks: readonly number[]): Array<[first: number, count: number]> {
    const maxRun = this.maxRunBlocks();
    const runs: Array<[first: number, count: number]> = [];
    for (const block of blocks) {
      const last = runs.at(-1);
      if (last !== undefined && last[0] + last[1] === block && last[1] < maxRun) last[1]++;
      else runs.push([block, 1]);
    }
    return runs;
  }

  /** The blocks [first, first + count) of bytes fetched for them in one request (views, no copy). */
  private splitBlocks(whole: Buffer, first: number, count: number): Buffer[] {
    const pieces: Buffer[] = [];
    for (let index = 0; index < count; index++) {
      const start = index * this.blockBytes;
      pieces.push(whole.subarray(start, start + this.blockLength(first + index)));
    }
    return pieces;
  }

  private blockLength(block: number): number {
    return Math.min(this.blockBytes, this.byteLength - block * this.blockBytes);
  }

  /** One read-ahead request (a run of blocks), after a concurrency slot frees. */
  private async fetchAhead(first: number, count: number): Promise<void> {
    await this.slot();
    try {
      if (this.closed) return;
      const offset = first * this.blockBytes;
      const byteLength = Math.min(this.byteLength, (first + count) * this.blockBytes) - offset;
      const source = this.asyncSource!;
      const counters = { requests: 0, retries: 0 };
      try {
        const bytes = await withRetries(this.path, `GET bytes ${offset}-${offset + byteLength - 1} of`, this.settings.retry, counters, (signal) =>
          source.read(offset, byteLength, { identity: this.remoteIdentity, signal }),
        );
        if (bytes.length !== byteLength || this.closed) throw new TesseraError('E_REMOTE_PROTOCOL', `read-ahead got ${bytes.length} of ${byteLength} bytes`);
        const pieces = this.splitBlocks(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), first, count);
        if (this.pool === undefined) this.disk.writeRun(this.cacheKey, first, pieces);
        else {
          for (let index = 0; index < pieces.length; index++) this.pool.put(first + index, pieces[index]!);
          // The disk cache is written by the fetch worker: a slow disk holds up nobody.
          this.storeInBackground(first, bytes);
        }
        this.counters.add('bytesFetched', byteLength);
        this.counters.add('blocksFetched', count);
        this.counters.add('readAheadBlocks', count);
      } catch {
        this.counters.add('readAheadFailures', 1);
      } finally {
        this.counters.add('requests', counters.requests);
        this.counters.add('retries', counters.retries);
      }
    } finally {
      for (let index = first; index < first + count; index++) this.inFlight.delete(index);
      this.release();
    }
  }

  private slot(): Promise<void> {
    if (this.activeWarms < this.settings.concurrency) {
      this.activeWarms++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.warmQueue.push(resolve));
  }

  private release(): void {
    const next = this.warmQueue.shift();
    if (next !== undefined) next();
    else this.activeWarms--;
  }
}
