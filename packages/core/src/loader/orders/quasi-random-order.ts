import { ArgumentError } from '../../errors.js';
import { checkKnownOptions } from '../../util/check-options.js';
import { checkOrderContext } from './order-context.js';
import { groupByPage } from './page-groups.js';
import { createRandom } from './random.js';
import { ORDER_RANDOM_STREAM, type OrderContext, type TraversalOrder } from './traversal-order.js';

export interface QuasiRandomOrderOptions {
  /**
   * Pages whose samples are shuffled together (default 8). Larger mixes better; smaller keeps
   * reads on fewer pages at a time (the reader's working set is about `windowPages` pages).
   */
  windowPages?: number;
}

const DEFAULT_WINDOW_PAGES = 8;

/**
 * FFCV's `OrderOption.QUASI_RANDOM`, made deterministic and usable in distributed mode. Per epoch:
 * 1. group the eligible samples by `context.pageOf` (samples without payload form pseudo-pages of
 *    64, see `groupByPage`);
 * 2. shuffle the order of the pages;
 * 3. walk the shuffled pages `windowPages` at a time, emitting the samples of each window
 *    shuffled together.
 * Each window's stretch of the output touches at most `windowPages` pages, so reads stay
 * near-sequential while every epoch is a different, well-mixed order. Distributed mode
 * splits contiguously, so each rank reads its own pages. One random source
 * (`createRandom(seed, epoch, ORDER_RANDOM_STREAM.quasiRandom)`) drives both shuffles.
 */
export function quasiRandomOrder(options: QuasiRandomOrderOptions = {}): TraversalOrder {
  checkKnownOptions('quasiRandomOrder options', options, ['windowPages'], { window: 'windowPages', window_pages: 'windowPages', pages: 'windowPages' });
  const { windowPages = DEFAULT_WINDOW_PAGES } = options;
  if (!(Number.isSafeInteger(windowPages) && windowPages >= 1)) {
    throw new ArgumentError('windowPages', `expected an integer ≥ 1, got ${windowPages}`);
  }
  return {
    name: 'quasi-random',
    distributedSplit: 'contiguous',
    options: { windowPages },
    epochOrder(context: OrderContext): Uint32Array {
      checkOrderContext(context);
      return quasiRandomEpochOrder(context, windowPages);
    },
  };
}

function quasiRandomEpochOrder(context: OrderContext, windowPages: number): Uint32Array {
  const { indices } = context;
  const count = indices.length;
  const order = new Uint32Array(count);
  if (count === 0) return order;
  const { groupOf, groupCount } = groupByPage(indices, (sampleIndex) => context.pageOf(sampleIndex));
  const random = createRandom(context.seed, context.epoch, ORDER_RANDOM_STREAM.quasiRandom);

  const pageOrder = new Uint32Array(groupCount);
  for (let rank = 0; rank < groupCount; rank++) pageOrder[rank] = rank;
  random.shuffle(pageOrder);

  // Window w holds the pages at ranks [w · windowPages, (w + 1) · windowPages) of the page order.
  // Samples are scattered (stably) straight into their window, which is then shuffled as a whole.
  const windowCount = Math.ceil(groupCount / windowPages);
  const windowOfGroup = new Uint32Array(groupCount);
  for (let rank = 0; rank < groupCount; rank++) windowOfGroup[pageOrder[rank]!] = Math.floor(rank / windowPages);
  const windowStart = new Uint32Array(windowCount + 1);
  const windowOf = groupOf; // reused in place: group id → window id
  for (let position = 0; position < count; position++) {
    const window = windowOfGroup[windowOf[position]!]!;
    windowOf[position] = window;
    windowStart[window + 1]!++;
  }
  for (let window = 0; window < windowCount; window++) windowStart[window + 1]! += windowStart[window]!;
  const windowCursor = windowStart.slice(0, windowCount);
  for (let position = 0; position < count; position++) order[windowCursor[windowOf[position]!]!++] = indices[position]!;
  for (let window = 0; window < windowCount; window++) random.shuffle(order, windowStart[window]!, windowStart[window + 1]!);
  return order;
}
