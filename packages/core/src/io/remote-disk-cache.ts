/**
 * The disk cache of remote datasets: blocks of remote objects as files in one folder, shared by
 * every thread and process of the machine that uses the folder, under one hard byte limit.
 *
 * Layout (`<folder>/v1/`):
 * - `objects/<key>/<block>`: one file per cached block; `<key>` hashes the URL, the object's
 *   identity (ETag / Last-Modified, size) and the block size, so a changed object never reads
 *   another object's blocks.
 * - `journal`: append-only lines `A key block bytes` (added), `U key block` (used), `D key block`
 *   (deleted). Replaying it gives every process the same picture: which blocks exist, their bytes,
 *   and their order of last use (LRU).
 * - `lock`: an exclusive lock file (created with O_EXCL, holding the owner's pid; one left by a dead
 *   process is taken over).
 *
 * The limit holds because space is reserved before a block is written: under the lock, a process
 * replays what others appended, evicts least recently used blocks until the new one fits, appends
 * its `A` line and only then writes the block (to a temporary file of its own, renamed under the lock
 * once complete and only if the reservation was not evicted meanwhile). So the blocks in the folder
 * never add up to more than `maxBytes` (plus the journal and the temporary files being written),
 * whatever the number of writers. A block whose writer died keeps its reservation until it is evicted like any other.
 *
 * Readers take no lock: a block file exists only once complete (rename), and a block evicted while
 * being read stays readable through the open descriptor (unlink semantics). A missing block is a
 * miss. Use order is approximate across processes: `U` lines are buffered and appended with the
 * next reservation (a process that only reads does not write the journal).
 */
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { TesseraError } from '../errors.js';
import type { RemoteObjectIdentity } from './byte-source.js';

export interface DiskCacheStats {
  /** blocks found on disk */
  diskHits: number;
  /** blocks written */
  blocksWritten: number;
  /** blocks this process evicted (of any process) */
  evictions: number;
}

const LOCK_WAIT_MS = 1;
const LOCK_STALE_CHECK_EVERY = 200;
const LOCK_GIVE_UP_MS = 60_000;
/** The journal is rewritten (compacted) when it is this many times longer than the live lines. */
const COMPACT_RATIO = 4;
const COMPACT_MIN_BYTES = 1 << 20;
/** Makes each writer's temporary file names unique within its thread. */
let temporaryCounter = 0;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

export class RemoteDiskCache {
  readonly root: string;
  private readonly objectsFolder: string;
  private readonly journalPath: string;
  private readonly lockPath: string;
  /** `key/block` → bytes, in order of last use (Map keeps insertion order; a use re-inserts). */
  private readonly entries = new Map<string, number>();
  private usedBytes = 0;
  private journalOffset = 0;
  private journalInode = -1;
  private pendingUses = new Set<string>();
  private readonly counters: DiskCacheStats = { diskHits: 0, blocksWritten: 0, evictions: 0 };

  constructor(
    folder: string,
    readonly maxBytes: number,
  ) {
    this.root = join(folder, 'v1');
    this.objectsFolder = join(this.root, 'objects');
    this.journalPath = join(this.root, 'journal');
    this.lockPath = join(this.root, 'lock');
    try {
      mkdirSync(this.objectsFolder, { recursive: true });
    } catch (error) {
      throw new TesseraError('E_IO', `cannot create the remote cache folder ${this.objectsFolder}: ${messageOf(error)} (set remote.cacheDirectory)`, { cause: error });
    }
  }

  /** The key of an object's blocks. */
  static keyOf(url: string, identity: RemoteObjectIdentity, blockByteLength: number): string {
    const validator = identity.etag ?? identity.lastModified ?? '';
    return createHash('sha256').update(`${url}\n${validator}\n${identity.byteLength}\n${blockByteLength}`).digest('hex').slice(0, 32);
  }

  stats(): DiskCacheStats {
    return { ...this.counters };
  }

  /**
   * Reads a cached block into target (exactly `byteLength` bytes): true on a hit, false when the
   * block is not on disk (or its file has another size: then it is dropped).
   */
  read(key: string, block: number, target: Uint8Array, targetOffset: number, byteLength: number): boolean {
    const path = this.blockPath(key, block);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return false;
    }
    try {
      if (fstatSync(fd).size !== byteLength) return false;
      let done = 0;
      while (done < byteLength) {
        const count = readSync(fd, target, targetOffset + done, byteLength - done, done);
        if (count === 0) return false;
        done += count;
      }
    } catch {
      return false;
    } finally {
      closeSync(fd);
    }
    this.counters.diskHits++;
    this.pendingUses.add(`${key}/${block}`);
    return true;
  }

  /** Whether the block's file exists (one stat). */
  has(key: string, block: number): boolean {
    try {
      statSync(this.blockPath(key, block));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Stores a block: reserves its bytes under the lock (evicting LRU blocks), then writes it. False
   * when it was not stored: already cached by someone, larger than the whole cache, or the write failed.
   */
  write(key: string, block: number, bytes: Uint8Array): boolean {
    const name = `${key}/${block}`;
    if (bytes.length > this.maxBytes) return false;
    const reserved = this.locked(() => {
      this.replay();
      if (this.entries.has(name)) return false;
      const lines: string[] = [];
      for (const [victim, victimBytes] of this.entries) {
        if (this.usedBytes + bytes.length <= this.maxBytes) break;
        this.entries.delete(victim);
        this.usedBytes -= victimBytes;
        const [victimKey, victimBlock] = victim.split('/');
        const victimPath = this.blockPath(victimKey!, Number(victimBlock));
        rmSync(victimPath, { force: true });
        lines.push(`D ${victimKey} ${victimBlock}`);
        this.counters.evictions++;
      }
      for (const used of this.pendingUses) {
        if (this.entries.has(used)) lines.push(`U ${used.replace('/', ' ')}`);
      }
      this.pendingUses.clear();
      lines.push(`A ${key} ${block} ${bytes.length}`);
      this.entries.set(name, bytes.length);
      this.usedBytes += bytes.length;
      this.append(lines);
      return true;
    });
    if (!reserved) return false;
    const path = this.blockPath(key, block);
    // A name of this writer's own: another process may evict the reservation and reserve the block
    // again while this write runs.
    const temporary = `${path}.${process.pid}-${threadId}-${++temporaryCounter}.tmp`;
    try {
      mkdirSync(join(this.objectsFolder, key), { recursive: true });
      writeFileSync(temporary, bytes);
    } catch {
      rmSync(temporary, { force: true });
      this.locked(() => {
        this.replay();
        if (this.entries.delete(name)) {
          this.usedBytes -= bytes.length;
          this.append([`D ${key} ${block}`]);
        }
      });
      return false;
    }
    // Published under the lock, and only if the reservation still stands: a block evicted while it
    // was being written is dropped, so the folder never holds more than the journal accounts for.
    const published = this.locked(() => {
      this.replay();
      if (this.entries.get(name) !== bytes.length) return false;
      try {
        renameSync(temporary, path);
        return true;
      } catch {
        return false;
      }
    });
    if (!published) {
      rmSync(temporary, { force: true });
      return false;
    }
    this.counters.blocksWritten++;
    return true;
  }

  /** Bytes the journal says are cached (after replaying what other processes appended). */
  usedByteLength(): number {
    return this.locked(() => {
      this.replay();
      return this.usedBytes;
    });
  }

  private blockPath(key: string, block: number): string {
    return join(this.objectsFolder, key, String(block));
  }

  /** Applies the journal lines appended since the last replay (all of them after a compaction). */
  private replay(): void {
    let inode: number;
    let size: number;
    try {
      const stats = statSync(this.journalPath);
      inode = stats.ino;
      size = stats.size;
    } catch {
      inode = -1;
      size = 0;
    }
    if (inode !== this.journalInode) {
      this.entries.clear();
      this.usedBytes = 0;
      this.journalOffset = 0;
      this.journalInode = inode;
    }
    if (size <= this.journalOffset) return;
    const fd = openSync(this.journalPath, 'r');
    let text: string;
    try {
      const bytes = Buffer.allocUnsafe(size - this.journalOffset);
      let done = 0;
      while (done < bytes.length) {
        const count = readSync(fd, bytes, done, bytes.length - done, this.journalOffset + done);
        if (count === 0) break;
        done += count;
      }
      // Only whole lines: a line being appended by a crashed writer is ignored.
      const end = bytes.lastIndexOf(10, done - 1) + 1;
      text = bytes.toString('latin1', 0, end);
      this.journalOffset += end;
    } finally {
      closeSync(fd);
    }
    for (const line of text.split('\n')) {
      const [kind, key, block, byteLength] = line.split(' ');
      if (key === undefined || block === undefined) continue;
      const name = `${key}/${block}`;
      const existing = this.entries.get(name);
      if (kind === 'A' && byteLength !== undefined) {
        if (existing !== undefined) this.usedBytes -= existing;
        this.entries.delete(name);
        this.entries.set(name, Number(byteLength));
        this.usedBytes += Number(byteLength);
      } else if (kind === 'U' && existing !== undefined) {
        this.entries.delete(name);
        this.entries.set(name, existing);
      } else if (kind === 'D' && existing !== undefined) {
        this.entries.delete(name);
        this.usedBytes -= existing;
      }
    }
  }

  private append(lines: string[]): void {
    if (lines.length === 0) return;
    appendFileSync(this.journalPath, `${lines.join('\n')}\n`);
    this.journalOffset += Buffer.byteLength(`${lines.join('\n')}\n`, 'latin1');
    if (this.journalInode === -1) this.journalInode = statSync(this.journalPath).ino;
    if (this.journalOffset > COMPACT_MIN_BYTES && this.journalOffset > COMPACT_RATIO * this.entries.size * 48) this.compact();
  }

  /** Rewrites the journal as one `A` line per live block, in LRU order (under the lock). */
  private compact(): void {
    const text = [...this.entries].map(([name, byteLength]) => `A ${name.replace('/', ' ')} ${byteLength}\n`).join('');
    const temporary = `${this.journalPath}.${process.pid}.tmp`;
    writeFileSync(temporary, text);
    renameSync(temporary, this.journalPath);
    const stats = statSync(this.journalPath);
    this.journalInode = stats.ino;
    this.journalOffset = stats.size;
  }

  /** Runs `action` holding the folder's lock (a sleeping spin: the lock is held for microseconds). */
  private locked<T>(action: () => T): T {
    const started = Date.now();
    let fd = -1;
    for (let attempt = 0; fd === -1; attempt++) {
      try {
        fd = openSync(this.lockPath, 'wx');
        writeSync(fd, String(process.pid));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new TesseraError('E_IO', `cannot lock the remote cache ${this.lockPath}: ${messageOf(error)}`, { cause: error });
        }
        if (attempt % LOCK_STALE_CHECK_EVERY === LOCK_STALE_CHECK_EVERY - 1) this.breakStaleLock();
        if (Date.now() - started > LOCK_GIVE_UP_MS) {
          throw new TesseraError('E_IO', `the remote cache ${this.root} stayed locked for ${LOCK_GIVE_UP_MS} ms (remove ${this.lockPath} if no process uses the cache)`);
        }
        Atomics.wait(sleeper, 0, 0, LOCK_WAIT_MS);
      }
    }
    try {
      return action();
    } finally {
      closeSync(fd);
      unlinkSync(this.lockPath);
    }
  }

  /** Removes a lock whose owner process no longer exists. */
  private breakStaleLock(): void {
    let owner: number;
    try {
      owner = Number(readFileSync(this.lockPath, 'latin1'));
    } catch {
      return;
    }
    if (!Number.isSafeInteger(owner) || owner <= 0 || owner === process.pid) return;
    try {
      process.kill(owner, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') rmSync(this.lockPath, { force: true });
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
