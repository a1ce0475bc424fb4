/**
 * Blocks a loader fetched ahead, in memory shared with its decode workers: the loader's thread puts
 * each block it fetches here, and the workers copy from here instead of waiting for the disk cache
 * (a slow disk — a cloud volume at 125 MB/s — would otherwise cap the network). The disk cache is
 * still written, in the background, for the next open and the other processes.
 *
 * Slots are reused oldest first (read-ahead puts blocks in the order batches need them, and stops at
 * half the pool, so a block is replaced only well after its batch). A lookup scans the slots' block
 * numbers (a few dozen to a few hundred Int32 comparisons). One thread writes (the loader's);
 * readers check a per-slot generation before and after copying (odd while a slot is being
 * rewritten), so a block replaced under a reader is a miss, never torn bytes. A miss falls back to
 * the disk cache, then to the network.
 */
export interface BlockPoolMemory {
  /** slotCount × blockBytes */
  data: SharedArrayBuffer;
  /** Int32 per slot: [block index (-1: empty), generation, byte length] */
  slots: SharedArrayBuffer;
  blockBytes: number;
}

const BLOCK = 0;
const GENERATION = 1;
const LENGTH = 2;
const FIELDS = 3;

export function createBlockPoolMemory(poolBytes: number, blockBytes: number): BlockPoolMemory {
  const slotCount = Math.max(8, Math.floor(poolBytes / blockBytes));
  const slots = new SharedArrayBuffer(slotCount * FIELDS * 4);
  const view = new Int32Array(slots);
  for (let slot = 0; slot < slotCount; slot++) view[slot * FIELDS + BLOCK] = -1;
  return { data: new SharedArrayBuffer(slotCount * blockBytes), slots, blockBytes };
}

export class BlockPool {
  readonly slotCount: number;
  readonly byteLength: number;
  private readonly data: Uint8Array;
  private readonly slots: Int32Array;
  private readonly blockBytes: number;
  /** the writer's next slot (only the loader's thread puts) */
  private nextSlot = 0;

  constructor(memory: BlockPoolMemory) {
    this.blockBytes = memory.blockBytes;
    this.data = new Uint8Array(memory.data);
    this.slots = new Int32Array(memory.slots);
    this.slotCount = this.slots.length / FIELDS;
    this.byteLength = memory.data.byteLength;
  }

  /** The slot holding `block` now, or -1 (it may be replaced right after). */
  private find(block: number): number {
    const slots = this.slots;
    for (let base = 0; base < slots.length; base += FIELDS) {
      if (slots[base + BLOCK] === block && (Atomics.load(slots, base + GENERATION) & 1) === 0 && Atomics.load(slots, base + BLOCK) === block) return base / FIELDS;
    }
    return -1;
  }

  has(block: number): boolean {
    return this.find(block) !== -1;
  }

  /** Stores a block (the loader's thread only) in the oldest slot. */
  put(block: number, bytes: Uint8Array): void {
    if (this.find(block) !== -1) return;
    const slot = this.nextSlot;
    this.nextSlot = (slot + 1) % this.slotCount;
    const base = slot * FIELDS;
    Atomics.add(this.slots, base + GENERATION, 1);
    Atomics.store(this.slots, base + BLOCK, block);
    this.data.set(bytes, slot * this.blockBytes);
    Atomics.store(this.slots, base + LENGTH, bytes.length);
    Atomics.add(this.slots, base + GENERATION, 1);
  }

  /**
   * Copies bytes [start, start + byteLength) of `block` into target: true when the block was there
   * for the whole copy, false otherwise (target's bytes are then unspecified: read them elsewhere).
   */
  copy(block: number, start: number, byteLength: number, target: Uint8Array, targetOffset: number): boolean {
    const slot = this.find(block);
    if (slot === -1) return false;
    const base = slot * FIELDS;
    const before = Atomics.load(this.slots, base + GENERATION);
    if ((before & 1) !== 0 || Atomics.load(this.slots, base + BLOCK) !== block) return false;
    if (start + byteLength > Atomics.load(this.slots, base + LENGTH)) return false;
    const from = slot * this.blockBytes + start;
    target.set(this.data.subarray(from, from + byteLength), targetOffset);
    return Atomics.load(this.slots, base + GENERATION) === before;
  }
}
