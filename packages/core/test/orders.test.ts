import { describe, expect, it } from 'vitest';
import { TesseraError } from '../src/errors.js';
import {
  NO_PAYLOAD_PAGE_SAMPLES,
  type OrderContext,
  type TraversalOrder,
  createOrderContext,
  createRandom,
  createRandomFromState,
  createSampleRandom,
  quasiRandomOrder,
  randomOrder,
  rankOrder,
  resolveOrder,
  sequentialOrder,
} from '../src/loader/orders/index.js';

const pageOf64 = (sampleIndex: number) => sampleIndex >> 6;

function context(numSamples: number, extra: Partial<Omit<OrderContext, 'pageOf'>> & { pageOf?: (sampleIndex: number) => number } = {}) {
  return createOrderContext({ numSamples, pageOf: pageOf64, ...extra });
}

function sorted(values: ArrayLike<number>): number[] {
  return Array.from(values).sort((left, right) => left - right);
}

function expectArgumentError(run: () => unknown, argument: string): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(TesseraError.is(thrown, 'E_ARGUMENT'), String(thrown)).toBe(true);
  expect((thrown as { argument?: string }).argument).toBe(argument);
}

/** Pearson's chi-square statistic of observed counts against a uniform expectation. */
function chiSquare(counts: ArrayLike<number>): number {
  let total = 0;
  for (let index = 0; index < counts.length; index++) total += counts[index]!;
  const expected = total / counts.length;
  let statistic = 0;
  for (let index = 0; index < counts.length; index++) statistic += (counts[index]! - expected) ** 2 / expected;
  return statistic;
}

/** PyTorch DistributedSampler(drop_last=False): pad by repeating the beginning, then rank r takes r, r + W, … */
function pytorchPadded(order: Uint32Array, worldSize: number): number[] {
  const values = Array.from(order);
  const total = Math.ceil(values.length / worldSize) * worldSize;
  const padding = total - values.length;
  if (padding <= values.length) return values.concat(values.slice(0, padding));
  const repeated: number[] = [];
  for (let copy = 0; copy < Math.ceil(padding / values.length); copy++) repeated.push(...values);
  return values.concat(repeated.slice(0, padding));
}

const builtInOrders: Array<[string, () => TraversalOrder]> = [
  ['sequential', () => sequentialOrder()],
  ['sequential (contiguous)', () => sequentialOrder({ distributedSplit: 'contiguous' })],
  ['random', () => randomOrder()],
  ['quasi-random', () => quasiRandomOrder()],
  ['quasi-random (windowPages 1)', () => quasiRandomOrder({ windowPages: 1 })],
];

describe('createRandom', () => {
  it('implements xoshiro128** exactly (reference vector of the C code from state 1, 2, 3, 4)', () => {
    const random = createRandomFromState([1, 2, 3, 4]);
    const outputs = Array.from({ length: 8 }, () => random.nextUint32());
    expect(outputs).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
  });

  it('produces the golden sequence (a change here changes every order ever produced for a seed)', () => {
    const random = createRandom(42);
    expect(Array.from({ length: 6 }, () => random.nextUint32())).toEqual(GOLDEN.uint32Seed42);
    const streamed = createRandom(42, 3, 1);
    expect(Array.from({ length: 4 }, () => streamed.nextUint32())).toEqual(GOLDEN.uint32Seed42Streams3And1);
    expect(Array.from({ length: 8 }, () => streamed.nextInt(10))).toEqual(GOLDEN.intBound10);
    expect(streamed.nextFloat()).toBe(GOLDEN.float);
    const small = Uint32Array.from({ length: 10 }, (_, index) => index);
    expect(Array.from(createRandom(7).shuffle(small))).toEqual(GOLDEN.shuffle10);
    const large = Uint32Array.from({ length: 200_000 }, (_, index) => index);
    createRandom(7).shuffle(large);
    expect([...large.subarray(0, 5), checksum(large)]).toEqual(GOLDEN.shuffle200k);
  });

  it('gives different sequences for different seeds, streams and stream counts', () => {
    const first = (random: { nextUint32(): number }) => [random.nextUint32(), random.nextUint32()].join();
    const sequences = new Set([
      first(createRandom(0)),
      first(createRandom(1)),
      first(createRandom(0, 0)),
      first(createRandom(0, 1)),
      first(createRandom(0, 0, 0)),
      first(createRandom(1, 0)),
    ]);
    expect(sequences.size).toBe(6);
  });

  it('reseeds a sample random source in place to exactly the createRandom state', () => {
    const reusable = createSampleRandom();
    expect(reusable.nextUint32()).toBe(createRandom(0).nextUint32());
    for (const words of [[5], [5, 1], [5, 1, 2], [5, 1, 2, 3], [0xffff_ffff, 0, 0xffff_ffff, 9, 4]] as const) {
      const [seed, ...streams] = words;
      reusable.reseed(seed, ...streams);
      const expected = createRandom(seed, ...streams);
      for (let draw = 0; draw < 4; draw++) expect(reusable.nextUint32()).toBe(expected.nextUint32());
    }
    expectArgumentError(() => reusable.reseed(1, undefined, 2), 'streams');
  });

  it('draws in range: nextFloat in [0, 1), nextInt exactly uniform-ish in [0, bound) for small and huge bounds', () => {
    const random = createRandom(3);
    const counts = new Uint32Array(10);
    for (let draw = 0; draw < 20_000; draw++) {
      const value = random.nextFloat();
      expect(value >= 0 && value < 1).toBe(true);
      counts[random.nextInt(10)]!++;
    }
    // 9 degrees of freedom: 40 is far in the tail (p < 1e-5), and the seed is fixed.
    expect(chiSquare(counts)).toBeLessThan(40);
    for (const bound of [1, 2, 2_097_153, 3_000_000_000, 4_294_967_296]) {
      for (let draw = 0; draw < 1000; draw++) {
        const value = random.nextInt(bound);
        expect(Number.isInteger(value) && value >= 0 && value < bound).toBe(true);
      }
    }
  });

  it('rejects bad seeds, streams, bounds and ranges with E_ARGUMENT', () => {
    expectArgumentError(() => createRandom(-1), 'seed');
    expectArgumentError(() => createRandom(2 ** 32), 'seed');
    expectArgumentError(() => createRandom(1.5), 'seed');
    expectArgumentError(() => createRandom(0, 0, Number.NaN), 'streams[1]');
    expectArgumentError(() => createRandom(0).nextInt(0), 'bound');
    expectArgumentError(() => createRandom(0).nextInt(2 ** 32 + 1), 'bound');
    expectArgumentError(() => createRandom(0).shuffle(new Uint32Array(4), 3, 2), 'start, end');
    expectArgumentError(() => createRandomFromState([0, 0, 0, 0]), 'state');
  });

  it('shuffles into permutations, small (Fisher–Yates) and large (bucket split) alike, leaving the rest alone', () => {
    for (const length of [0, 1, 2, 1000, 65_536, 65_537, 300_000]) {
      const array = Uint32Array.from({ length: length + 20 }, (_, index) => index);
      createRandom(length).shuffle(array, 10, 10 + length);
      expect(Array.from(array.subarray(0, 10))).toEqual(Array.from({ length: 10 }, (_, index) => index));
      expect(Array.from(array.subarray(10 + length))).toEqual(Array.from({ length: 10 }, (_, index) => 10 + length + index));
      expect(sorted(array.subarray(10, 10 + length))).toEqual(Array.from({ length }, (_, index) => 10 + index));
    }
  });

  it('mixes large shuffles: origin block × destination block counts are uniform', () => {
    const length = 256_000;
    const array = Uint32Array.from({ length }, (_, index) => index);
    createRandom(11).shuffle(array);
    const blocks = 16;
    const counts = new Uint32Array(blocks * blocks);
    for (let position = 0; position < length; position++) {
      counts[Math.floor((array[position]! * blocks) / length) * blocks + Math.floor((position * blocks) / length)]!++;
    }
    // 255 degrees of freedom (mean 255, sd ≈ 23); a broken shuffle lands in the tens of thousands.
    expect(chiSquare(counts)).toBeLessThan(400);
  });
});

describe('traversal orders', () => {
  it.each(builtInOrders)('%s is a permutation of indices for sizes 0, 1, 7, 1000', (_, makeOrder) => {
    const order = makeOrder();
    for (const numSamples of [0, 1, 7, 1000]) {
      const result = order.epochOrder(context(numSamples, { seed: 5, epoch: 2 }));
      expect(result).toBeInstanceOf(Uint32Array);
      expect(sorted(result)).toEqual(Array.from({ length: numSamples }, (_, index) => index));
    }
  });

  it.each(builtInOrders)('%s permutes a user subset of indices (with a duplicate) without leaving it', (_, makeOrder) => {
    const indices = [900, 3, 3, 512, 77, 78, 79, 640, 0, 999, 250];
    const eligible = context(1000, { indices: Uint32Array.from(indices), seed: 9, epoch: 1 });
    const result = makeOrder().epochOrder(eligible);
    expect(sorted(result)).toEqual(sorted(indices));
    expect(Array.from(eligible.indices)).toEqual(indices);
  });

  it('sequential keeps the user order of indices', () => {
    const indices = [5, 1, 4, 1, 3];
    expect(Array.from(sequentialOrder().epochOrder(context(6, { indices: Uint32Array.from(indices) })))).toEqual(indices);
  });

  it.each([
    ['random', () => randomOrder()],
    ['quasi-random', () => quasiRandomOrder()],
  ] as const)('%s is deterministic per (seed, epoch) and changes with either', (_, makeOrder) => {
    const order = makeOrder();
    const epochOrder = (seed: number, epoch: number) => Array.from(order.epochOrder(context(5000, { seed, epoch })));
    expect(epochOrder(1, 0)).toEqual(Array.from(makeOrder().epochOrder(context(5000, { seed: 1, epoch: 0 }))));
    expect(epochOrder(1, 0)).not.toEqual(epochOrder(1, 1));
    expect(epochOrder(1, 0)).not.toEqual(epochOrder(2, 0));
    expect(epochOrder(1, 0)).not.toEqual(Array.from({ length: 5000 }, (_, index) => index));
  });

  it('pins the golden orders of random and quasi-random', () => {
    const random = randomOrder().epochOrder(context(12, { seed: 0, epoch: 0 }));
    expect(Array.from(random)).toEqual(GOLDEN.randomOrder12);
    const quasi = quasiRandomOrder({ windowPages: 2 }).epochOrder(context(12, { seed: 0, epoch: 0, pageOf: (sampleIndex) => sampleIndex >> 2 }));
    expect(Array.from(quasi)).toEqual(GOLDEN.quasiRandomOrder12);
  });

  it('random order: where sample 0 lands over 2000 fixed seeds is uniform', () => {
    const numSamples = 10;
    const first = new Uint32Array(numSamples);
    const last = new Uint32Array(numSamples);
    const order = randomOrder();
    for (let seed = 0; seed < 2000; seed++) {
      const result = order.epochOrder(context(numSamples, { seed, epoch: 3 }));
      first[result.indexOf(0)]!++;
      last[result.indexOf(numSamples - 1)]!++;
    }
    // 9 degrees of freedom: 40 is far in the tail (p < 1e-5); the seeds are fixed, so this never flakes.
    expect(chiSquare(first)).toBeLessThan(40);
    expect(chiSquare(last)).toBeLessThan(40);
  });

  it('rejects contexts with a bad seed or epoch', () => {
    expectArgumentError(() => randomOrder().epochOrder({ ...context(3), seed: -1 }), 'seed');
    expectArgumentError(() => quasiRandomOrder().epochOrder({ ...context(3), epoch: 0.5 }), 'epoch');
    expectArgumentError(() => createOrderContext({ numSamples: 3, indices: [0, 3] }), 'indices');
    expectArgumentError(() => createOrderContext({ numSamples: -1 }), 'numSamples');
  });
});

describe('quasi-random order', () => {
  it.each([1, 3, 8])('keeps every window of windowPages = %i pages on at most that many pages', (windowPages) => {
    const numSamples = 64 * 50;
    const result = quasiRandomOrder({ windowPages }).epochOrder(context(numSamples, { seed: 4, epoch: 1 }));
    const windowLength = 64 * windowPages;
    for (let start = 0; start < numSamples; start += windowLength) {
      const pages = new Set(Array.from(result.subarray(start, start + windowLength), pageOf64));
      expect(pages.size).toBeLessThanOrEqual(windowPages);
    }
    expect(Array.from(result)).not.toEqual(Array.from({ length: numSamples }, (_, index) => index));
  });

  it('mixes within windows and across the page order', () => {
    const result = quasiRandomOrder().epochOrder(context(64 * 40, { seed: 1 }));
    const firstWindowPages = new Set(Array.from(result.subarray(0, 512), pageOf64));
    expect([...firstWindowPages]).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // Inside a window, consecutive outputs mostly come from different pages.
    let samePage = 0;
    for (let position = 1; position < 512; position++) if (pageOf64(result[position]!) === pageOf64(result[position - 1]!)) samePage++;
    expect(samePage).toBeLessThan(200);
  });

  it('keeps each page inside one window for irregular pages, no-payload samples and a shuffled subset', () => {
    const pageOfIrregular = (sampleIndex: number) => (sampleIndex % 7 === 0 ? -1 : Math.floor(Math.sqrt(sampleIndex) * 3));
    const subset = createRandom(99).shuffle(Uint32Array.from({ length: 4000 }, (_, index) => index * 2));
    for (const windowPages of [1, 2, 5]) {
      const eligible = context(8000, { indices: subset, pageOf: pageOfIrregular, seed: 2, epoch: 7 });
      const result = quasiRandomOrder({ windowPages }).epochOrder(eligible);
      expect(sorted(result)).toEqual(sorted(subset));
      // Group the output the way the order does (pseudo-pages: 64 no-payload samples in indices order).
      const group = new Map<number, string>();
      let noPayload = 0;
      for (const sampleIndex of subset) {
        const page = pageOfIrregular(sampleIndex);
        group.set(sampleIndex, page === -1 ? `none-${Math.floor(noPayload++ / NO_PAYLOAD_PAGE_SAMPLES)}` : `page-${page}`);
      }
      const firstAt = new Map<string, number>();
      const lastAt = new Map<string, number>();
      result.forEach((sampleIndex, position) => {
        const name = group.get(sampleIndex)!;
        if (!firstAt.has(name)) firstAt.set(name, position);
        lastAt.set(name, position);
      });
      // All of a page's samples lie in one window, so the span they cover holds at most windowPages pages.
      for (const [name, first] of firstAt) {
        const span = new Set(Array.from(result.subarray(first, lastAt.get(name)! + 1), (sampleIndex) => group.get(sampleIndex)));
        expect(span.size).toBeLessThanOrEqual(windowPages);
      }
    }
  });

  it('calls pageOf once per eligible sample and validates what it returns', () => {
    let calls = 0;
    const counted = context(1000, {
      pageOf: (sampleIndex) => {
        calls++;
        return sampleIndex >> 5;
      },
    });
    quasiRandomOrder().epochOrder(counted);
    expect(calls).toBe(1000);
    for (const bad of [-2, 1.5, Number.NaN, 2 ** 32]) {
      expectArgumentError(() => quasiRandomOrder().epochOrder(context(10, { pageOf: () => bad })), 'pageOf');
    }
  });

  it('gives the same order whatever the page ids are, as long as they group alike (dense, sparse, offset)', () => {
    const dense = quasiRandomOrder().epochOrder(context(3000, { pageOf: (sampleIndex) => sampleIndex >> 6, seed: 8 }));
    const sparse = quasiRandomOrder().epochOrder(context(3000, { pageOf: (sampleIndex) => (sampleIndex >> 6) * 50_000_017, seed: 8 }));
    const offset = quasiRandomOrder().epochOrder(context(3000, { pageOf: (sampleIndex) => (sampleIndex >> 6) + 1_000_000, seed: 8 }));
    expect(Array.from(sparse)).toEqual(Array.from(dense));
    expect(Array.from(offset)).toEqual(Array.from(dense));
  });

  it('rejects windowPages below 1 or fractional', () => {
    expectArgumentError(() => quasiRandomOrder({ windowPages: 0 }), 'windowPages');
    expectArgumentError(() => quasiRandomOrder({ windowPages: 2.5 }), 'windowPages');
  });

  it('keeps ranks on their own pages in distributed mode (contiguous split)', () => {
    const numSamples = 64 * 200;
    const worldSize = 4;
    const eligible = context(numSamples, { seed: 3, epoch: 5 });
    const pagesOfRank = Array.from({ length: worldSize }, (_, rank) => new Set(Array.from(rankOrder(quasiRandomOrder(), eligible, { rank, worldSize }), pageOf64)));
    for (let rank = 0; rank < worldSize; rank++) {
      // 200 pages over 4 ranks: ~50 each, plus at most the straddling window's 8 pages at each end.
      expect(pagesOfRank[rank]!.size).toBeLessThanOrEqual(50 + 2 * 8);
    }
  });
});

describe('rankOrder', () => {
  const worldSizes = [1, 2, 3, 4, 7];
  const sizes = [0, 1, 10, 101, 1000];

  it.each(builtInOrders)('%s: equal shares that cover every index, duplicates only from padding, PyTorch layout', (_, makeOrder) => {
    const order = makeOrder();
    for (const worldSize of worldSizes) {
      for (const numSamples of sizes) {
        const eligible = context(numSamples, { seed: 12, epoch: 4 });
        const padded = pytorchPadded(order.epochOrder(eligible), worldSize);
        const perRank = Math.ceil(numSamples / worldSize);
        const shares = Array.from({ length: worldSize }, (_, rank) => rankOrder(order, eligible, { rank, worldSize }));
        const seen = new Map<number, number>();
        shares.forEach((share, rank) => {
          expect(share.length).toBe(perRank);
          const expected =
            order.distributedSplit === 'interleave'
              ? padded.filter((_, position) => position % worldSize === rank)
              : padded.slice(rank * perRank, (rank + 1) * perRank);
          expect(Array.from(share)).toEqual(expected);
          for (const sampleIndex of share) seen.set(sampleIndex, (seen.get(sampleIndex) ?? 0) + 1);
        });
        expect(sorted([...seen.keys()])).toEqual(Array.from({ length: numSamples }, (_, index) => index));
        let duplicates = 0;
        for (const count of seen.values()) duplicates += count - 1;
        expect(duplicates).toBe(perRank * worldSize - numSamples);
      }
    }
  });

  it('is the epoch order itself without distributed options', () => {
    const eligible = context(100, { seed: 1 });
    expect(Array.from(rankOrder(randomOrder(), eligible))).toEqual(Array.from(randomOrder().epochOrder(eligible)));
  });

  it('reshuffles the shares of each rank every epoch', () => {
    const shareOf = (epoch: number) => sorted(rankOrder(randomOrder(), context(1000, { seed: 6, epoch }), { rank: 1, worldSize: 4 }));
    expect(shareOf(0)).toEqual(shareOf(0));
    expect(shareOf(0)).not.toEqual(shareOf(1));
  });

  it('rejects a bad rank or worldSize with E_ARGUMENT naming it', () => {
    const eligible = context(10);
    expectArgumentError(() => rankOrder(randomOrder(), eligible, { rank: 2, worldSize: 2 }), 'rank');
    expectArgumentError(() => rankOrder(randomOrder(), eligible, { rank: -1, worldSize: 2 }), 'rank');
    expectArgumentError(() => rankOrder(randomOrder(), eligible, { rank: 0.5, worldSize: 2 }), 'rank');
    expectArgumentError(() => rankOrder(randomOrder(), eligible, { rank: 0, worldSize: 0 }), 'worldSize');
    expectArgumentError(() => rankOrder(randomOrder(), eligible, { rank: 0, worldSize: 1.5 }), 'worldSize');
    try {
      rankOrder(randomOrder(), eligible, { rank: 5, worldSize: 3 });
    } catch (error) {
      expect((error as Error).message).toMatch(/rank.*\[0, 3\).*5/);
    }
  });

  it('runs a custom order object, through resolveOrder too, and checks what it returns', () => {
    const reversed: TraversalOrder = {
      name: 'reversed',
      distributedSplit: 'contiguous',
      epochOrder: (eligible) => eligible.indices.slice().reverse(),
    };
    expect(resolveOrder(reversed)).toBe(reversed);
    expect(Array.from(rankOrder(resolveOrder(reversed), context(10), { rank: 1, worldSize: 3 }))).toEqual([5, 4, 3, 2]);
    expect(Array.from(rankOrder(reversed, context(10), { rank: 2, worldSize: 3 }))).toEqual([1, 0, 9, 8]);
    const broken: TraversalOrder = { name: 'broken', distributedSplit: 'interleave', epochOrder: () => new Uint32Array(1) };
    expectArgumentError(() => rankOrder(broken, context(10)), 'order');
    const badSplit = { ...reversed, distributedSplit: 'diagonal' } as unknown as TraversalOrder;
    expectArgumentError(() => resolveOrder(badSplit), 'order.distributedSplit');
    expectArgumentError(() => rankOrder(badSplit, context(10)), 'order.distributedSplit');
  });

  it('resolves order names and rejects anything else', () => {
    expect(resolveOrder('sequential').name).toBe('sequential');
    expect(resolveOrder('random').name).toBe('random');
    expect(resolveOrder('quasi-random').name).toBe('quasi-random');
    expect(resolveOrder('quasi-random').distributedSplit).toBe('contiguous');
    expect(resolveOrder('random').distributedSplit).toBe('interleave');
    expectArgumentError(() => resolveOrder('shuffled' as 'random'), 'order');
    expectArgumentError(() => resolveOrder(null as unknown as 'random'), 'order');
    expectArgumentError(() => sequentialOrder({ distributedSplit: 'blocks' as 'contiguous' }), 'distributedSplit');
  });

  it('rejects unknown order options with the nearest name, and exposes the options that decide the order', () => {
    expectArgumentError(() => quasiRandomOrder({ windowpages: 4 } as never), 'quasiRandomOrder options.windowpages');
    expect(() => quasiRandomOrder({ window_pages: 4 } as never)).toThrow(/did you mean windowPages\?/);
    expectArgumentError(() => sequentialOrder({ split: 'contiguous' } as never), 'sequentialOrder options.split');
    expect(() => sequentialOrder({ split: 'contiguous' } as never)).toThrow(/did you mean distributedSplit\?/);
    expect(quasiRandomOrder({ windowPages: 4 }).options).toEqual({ windowPages: 4 });
    expect(quasiRandomOrder().options).toEqual({ windowPages: 8 });
    expect(sequentialOrder().options).toEqual({ distributedSplit: 'interleave' });
    expect(resolveOrder('random').options).toEqual({});
  });
});

/** FNV-1a over the uint32 values: pins a large array in one number. */
function checksum(values: Uint32Array): number {
  let hash = 0x811c9dc5;
  for (const value of values) hash = Math.imul(hash ^ value, 0x01000193) >>> 0;
  return hash;
}

const GOLDEN = {
  uint32Seed42: [2443268049, 82192673, 2942719388, 1837011312, 2040688153, 692457851],
  uint32Seed42Streams3And1: [589014286, 2268686722, 3735358422, 2050389330],
  intBound10: [1, 8, 1, 9, 6, 2, 5, 2],
  float: 0.429888964577148,
  shuffle10: [1, 2, 8, 4, 6, 3, 7, 5, 9, 0],
  shuffle200k: [197451, 121808, 199081, 104578, 43019, 1982940607],
  randomOrder12: [0, 7, 3, 4, 9, 11, 2, 8, 6, 10, 1, 5],
  quasiRandomOrder12: [0, 10, 8, 1, 9, 3, 11, 2, 6, 4, 7, 5],
};
