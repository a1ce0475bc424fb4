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
 * its `A` line and only then writes the block (to a temporary file of its own, renamed into place
 * once complete; a block whose reservation was evicted meanwhile is removed again: evictions append
 * their `D` lines before deleting, and a writer reads the journal after its rename). So the blocks in the folder
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
/** how long an opener waits for another process opening the same object, and how often it looks */
const OPEN_WAIT_MS = 120_000;
const OPEN_POLL_MS = 5;
const OPEN_STALE_CHECK_EVERY = 20;
/** The journal is rewritten (compacted) when it is this many times longer than the live lines. */
const COMPACT_RATIO = 4;
const COMPACT_MIN_BYTES = 1 << 20;
interface ReservedBlock {
  name: string;
  block: number;
  bytes: Uint8Array;
  path: string;
  temporary: string;
}
type WrittenBlock = ReservedBlock;

/** Block files a cache keeps open (per thread): enough for the blocks a few batches touch. */
const OPEN_BLOCK_FILES = 64;
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
  /** open block files, least recently opened first */
  private readonly descriptors = new Map<string, number>();
  /** object folders known to exist */
  private readonly keyFolders = new Set<string>();
  /** the journal, open for appending (reopened when a compaction replaced it) */
  private journalFd = -1;
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
   * Reads bytes [start, start + byteLength) of a cached block (whose file holds `blockLength` bytes)
   * into target: true on a hit, false when the block is not on disk (a file of another size is not
   * used). Block files stay open in a small LRU of descriptors, so a hit is one pread; a block
   * evicted meanwhile still reads its (immutable) bytes through the open descriptor.
   */
  readRange(key: string, block: number, blockLength: number, start: number, target: Uint8Array, targetOffset: number, byteLength: number): boolean {
    const name = `${key}/${block}`;
    let fd = this.descriptors.get(name);
    if (fd === undefined) {
      try {
        fd = openSync(this.blockPath(key, block), 'r');
      } catch {
        return false;
      }
      try {
        if (fstatSync(fd).size !== blockLength) {
          closeSync(fd);
          return false;
        }
      } catch {
        closeSync(fd);
        return false;
      }
      this.descriptors.set(name, fd);
      if (this.descriptors.size > OPEN_BLOCK_FILES) {
        const [oldest, oldestFd] = this.descriptors.entries().next().value as [string, number];
        this.descriptors.delete(oldest);
        closeSync(oldestFd);
      }
    }
    try {
      let done = 0;
      while (done < byteLength) {
        const count = readSync(fd, target, targetOffset + done, byteLength - done, start + done);
        if (count === 0) return false;
        done += count;
      }
    } catch {
      this.descriptors.delete(name);
      closeSync(fd);
      return false;
    }
    this.counters.diskHits++;
    this.pendingUses.add(name);
    return true;
  }

  /** Closes the block files this cache holds open. */
  close(): void {
    for (const fd of this.descriptors.values()) closeSync(fd);
    this.descriptors.clear();
    if (this.journalFd !== -1) closeSync(this.journalFd);
    this.journalFd = -1;
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
    return this.writeRun(key, block, [bytes]) === 1;
  }

  /**
   * Stores consecutive blocks `first`, `first + 1`, … (one lock to reserve them all; published
   * without one); returns how many were stored. Blocks already cached are skipped.
   */
  writeRun(key: string, first: number, pieces: readonly Uint8Array[]): number {
    const reserved = this.reserve(key, first, pieces);
    const written: WrittenBlock[] = [];
    const failed: ReservedBlock[] = [];
    for (const entry of reserved) {
      try {
        this.writeFile(key, entry.temporary, entry.bytes);
        written.push(entry);
      } catch {
        rmSync(entry.temporary, { force: true });
        failed.push(entry);
      }
    }
    return this.publish(key, written, failed);
  }

  /** Reserves the blocks' bytes under the lock, evicting least recently used blocks (journal first, then files). */
  private reserve(key: string, first: number, pieces: readonly Uint8Array[]): ReservedBlock[] {
    const wanted: ReservedBlock[] = [];
    const victims: string[] = [];
    this.locked(() => {
      this.replay();
      const lines: string[] = [];
      for (const used of this.pendingUses) {
        if (this.entries.has(used)) lines.push(`U ${used.replace('/', ' ')}`);
      }
      this.pendingUses.clear();
      pieces.forEach((bytes, index) => {
        const block = first + index;
        const name = `${key}/${block}`;
        if (bytes.length > this.maxBytes || this.entries.has(name)) return;
        for (const [victim, victimBytes] of this.entries) {
          if (this.usedBytes + bytes.length <= this.maxBytes) break;
          this.entries.delete(victim);
          this.usedBytes -= victimBytes;
          const [victimKey, victimBlock] = victim.split('/');
          victims.push(this.blockPath(victimKey!, Number(victimBlock)));
          lines.push(`D ${victimKey} ${victimBlock}`);
          this.counters.evictions++;
        }
        lines.push(`A ${key} ${block} ${bytes.length}`);
        this.entries.set(name, bytes.length);
        this.usedBytes += bytes.length;
        // A name of this writer's own: another process may evict the reservation and reserve the
        // block again while this write runs.
        const path = this.blockPath(key, block);
        wanted.push({ name, block, bytes, path, temporary: `${path}.${process.pid}-${threadId}-${++temporaryCounter}.tmp` });
      });
      this.append(lines);
      // Deleted only once the D lines are in the journal: a writer that renames its block into place
      // after this deletion then sees the D line when it checks (publish) and removes its file.
      for (const victim of victims) rmSync(victim, { force: true });
    });
    return wanted;
  }

  /**
   * Renames the written blocks into place without the lock, then reads the journal again: a block
   * whose reservation was evicted meanwhile (its D line is there, see reserve) is removed again. So
   * the folder never holds more than the journal accounts for, beyond blocks being written.
   */
  private publish(key: string, written: readonly WrittenBlock[], failed: readonly ReservedBlock[]): number {
    let stored = 0;
    const placed: WrittenBlock[] = [];
    for (const entry of written) {
      try {
        renameSync(entry.temporary, entry.path);
        placed.push(entry);
        stored++;
      } catch {
        rmSync(entry.temporary, { force: true });
      }
    }
    if (failed.length > 0) {
      this.locked(() => {
        this.replay();
        const lines: string[] = [];
        for (const entry of failed) {
          if (this.entries.delete(entry.name)) {
            this.usedBytes -= entry.bytes.length;
            lines.push(`D ${key} ${entry.block}`);
          }
        }
        this.append(lines);
      });
    }
    if (placed.length > 0) {
      this.replay();
      for (const entry of placed) {
        if (this.entries.get(entry.name) === entry.bytes.length) continue;
        rmSync(entry.path, { force: true });
        stored--;
      }
    }
    this.counters.blocksWritten += stored;
    return stored;
  }

  /** Writes a temporary block file, creating the object's folder on first use. */
  private writeFile(key: string, path: string, bytes: Uint8Array): void {
    if (!this.keyFolders.has(key)) {
      mkdirSync(join(this.objectsFolder, key), { recursive: true });
      this.keyFolders.add(key);
    }
    try {
      writeFileSync(path, bytes);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // The folder was removed meanwhile (the cache cleared by hand): once more.
      mkdirSync(join(this.objectsFolder, key), { recursive: true });
      writeFileSync(path, bytes);
    }
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
      if (this.journalFd !== -1) closeSync(this.journalFd);
      this.journalFd = -1;
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
    const text = `${lines.join('\n')}\n`;
    if (this.journalFd === -1) {
      this.journalFd = openSync(this.journalPath, 'a');
      // The inode this descriptor appends to: a compaction by anyone replaces it (see replay).
      if (this.journalInode === -1) this.journalInode = fstatSync(this.journalFd).ino;
    }
    writeSync(this.journalFd, text);
    this.journalOffset += Buffer.byteLength(text, 'latin1');
    if (this.journalOffset > COMPACT_MIN_BYTES && this.journalOffset > COMPACT_RATIO * this.entries.size * 48) this.compact();
  }

  /** Rewrites the journal as one `A` line per live block, in LRU order (under the lock). */
  private compact(): void {
    const text = [...this.entries].map(([name, byteLength]) => `A ${name.replace('/', ' ')} ${byteLength}\n`).join('');
    const temporary = `${this.journalPath}.${process.pid}.tmp`;
    writeFileSync(temporary, text);
    renameSync(temporary, this.journalPath);
    if (this.journalFd !== -1) closeSync(this.journalFd);
    this.journalFd = openSync(this.journalPath, 'a');
    const stats = fstatSync(this.journalFd);
    this.journalInode = stats.ino;
    this.journalOffset = stats.size;
  }

  /**
   * One opener of an object per machine at a time (issue 15: one index read per machine, not per
   * rank): while a live process holds `opening-<key>`, others sleep until it is gone (its tables
   * are then on disk, read as hits), a dead holder's file is removed, and after OPEN_WAIT_MS a
   * waiter goes on by itself (slower, never stuck). Returns the release.
   */
  holdOpening(key: string): () => void {
    const path = join(this.root, `opening-${key}`);
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      let fd: number;
      try {
        fd = openSync(path, 'wx');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return () => {};
        if (attempt % OPEN_STALE_CHECK_EVERY === 0) this.breakStaleLock(path);
        if (Date.now() - started > OPEN_WAIT_MS) return () => {};
        Atomics.wait(sleeper, 0, 0, OPEN_POLL_MS);
        continue;
      }
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      return () => rmSync(path, { force: true });
    }
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
  private breakStaleLock(lockPath = this.lockPath): void {
    let owner: number;
    try {
      owner = Number(readFileSync(lockPath, 'latin1'));
    } catch {
      return;
    }
    if (!Number.isSafeInteger(owner) || owner <= 0 || owner === process.pid) return;
    try {
      process.kill(owner, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') rmSync(lockPath, { force: true });
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
