import { ArgumentError } from '../../errors.js';

/** Samples without payload (`pageOf` → −1) are grouped into pseudo-pages of this many eligible samples. */
export const NO_PAYLOAD_PAGE_SAMPLES = 64;

/** Page ids are integers in [0, MAX_PAGE_ID]; 2^32 − 1 stands for "no payload" while grouping. */
export const MAX_PAGE_ID = 0xffff_fffe;

const NO_PAGE = 0xffff_ffff;
/** A direct page → group table is used when the page ids span at most max(n, this) values. */
const DIRECT_TABLE_MIN_LENGTH = 1 << 20;

/** The eligible samples grouped by page: `groupOf[position]` is the group of `indices[position]`. */
export interface PageGroups {
  /** Group id of each position of `indices`, in [0, groupCount). */
  readonly groupOf: Uint32Array;
  readonly groupCount: number;
}

/**
 * Groups the positions of `indices` by the page `pageOf` reports, calling it once per position.
 * Group ids are dense and numbered by first appearance in `indices`, so the result depends only on
 * `indices` and the pages, never on how the lookup is done. Samples with page −1 form pseudo-pages:
 * the 1st–64th such samples (in `indices` order) are one group, the 65th–128th the next, and so on.
 *
 * Two O(n) passes: the first only calls `pageOf` (its lookups, random for shuffled indices, do
 * not wait on each other); the second numbers the pages through a direct table over the page-id
 * range, or an open-addressing hash table when the ids are too sparse for one.
 */
export function groupByPage(indices: Uint32Array, pageOf: (sampleIndex: number) => number): PageGroups {
  const count = indices.length;
  const groupOf = new Uint32Array(count);
  let minPage = NO_PAGE;
  let maxPage = -1;
  let lastPage = Number.NaN; // equal to nothing, so the first page (and any NaN) is validated
  for (let position = 0; position < count; position++) {
    const page = pageOf(indices[position]!);
    if (page !== lastPage) {
      if (page !== -1) {
        if (!(Number.isInteger(page) && page >= 0 && page <= MAX_PAGE_ID)) {
          throw new ArgumentError(
            'pageOf',
            `returned ${page} for sample ${indices[position]}; expected a page id (an integer in [0, ${MAX_PAGE_ID}]) or −1 for a sample without payload`,
          );
        }
        if (page < minPage) minPage = page;
        if (page > maxPage) maxPage = page;
      }
      lastPage = page;
    }
    groupOf[position] = page; // −1 becomes NO_PAGE
  }

  const pageRange = maxPage < 0 ? 0 : maxPage - minPage + 1;
  const table = pageRange <= Math.max(count, DIRECT_TABLE_MIN_LENGTH) ? new DirectPageTable(minPage, pageRange) : new HashPageTable();
  let groupCount = 0;
  let noPayloadSamples = 0;
  let noPayloadGroup = 0;
  lastPage = -2;
  let lastGroup = 0;
  for (let position = 0; position < count; position++) {
    const page = groupOf[position]!;
    if (page === NO_PAGE) {
      if (noPayloadSamples % NO_PAYLOAD_PAGE_SAMPLES === 0) noPayloadGroup = groupCount++;
      noPayloadSamples++;
      groupOf[position] = noPayloadGroup;
      continue;
    }
    if (page !== lastPage) {
      lastGroup = table.get(page);
      if (lastGroup === -1) table.set(page, (lastGroup = groupCount++));
      lastPage = page;
    }
    groupOf[position] = lastGroup;
  }
  return { groupOf, groupCount };
}

interface PageTable {
  /** The group of `page`, or −1. */
  get(page: number): number;
  /** Records the group of a page known to be absent. */
  set(page: number, group: number): void;
}

/** One slot per page id in [minPage, minPage + range): group + 1, 0 when unseen. */
class DirectPageTable implements PageTable {
  private readonly groupPlusOne: Uint32Array;

  constructor(
    private readonly minPage: number,
    range: number,
  ) {
    this.groupPlusOne = new Uint32Array(range);
  }

  get(page: number): number {
    return this.groupPlusOne[page - this.minPage]! - 1;
  }

  set(page: number, group: number): void {
    this.groupPlusOne[page - this.minPage] = group + 1;
  }
}

const INITIAL_CAPACITY_BITS = 10;

/** Open addressing with linear probing and Fibonacci hashing; grows at half load. */
class HashPageTable implements PageTable {
  private capacityBits = INITIAL_CAPACITY_BITS;
  private keys = new Uint32Array(1 << INITIAL_CAPACITY_BITS);
  /** Group + 1; 0 marks an empty slot. */
  private values = new Uint32Array(1 << INITIAL_CAPACITY_BITS);
  private size = 0;

  get(page: number): number {
    const mask = this.keys.length - 1;
    for (let slot = this.slotOf(page); ; slot = (slot + 1) & mask) {
      const value = this.values[slot]!;
      if (value === 0) return -1;
      if (this.keys[slot] === page) return value - 1;
    }
  }

  set(page: number, group: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    this.insert(page, group + 1);
    this.size++;
  }

  private insert(page: number, value: number): void {
    const mask = this.keys.length - 1;
    let slot = this.slotOf(page);
    while (this.values[slot] !== 0) slot = (slot + 1) & mask;
    this.keys[slot] = page;
    this.values[slot] = value;
  }

  private slotOf(page: number): number {
    return Math.imul(page, 0x9e3779b1) >>> (32 - this.capacityBits);
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    this.capacityBits++;
    this.keys = new Uint32Array(1 << this.capacityBits);
    this.values = new Uint32Array(1 << this.capacityBits);
    for (let slot = 0; slot < keys.length; slot++) {
      if (values[slot] !== 0) this.insert(keys[slot]!, values[slot]!);
    }
  }
}
