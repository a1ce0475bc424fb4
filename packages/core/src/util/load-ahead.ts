/** The outcome of one load: its value, or what it threw (never a rejected promise left unobserved). */
export type Loaded<T, R> = { item: T; index: number; value: R; error?: undefined } | { item: T; index: number; value?: undefined; error: unknown };

/**
 * Yields `load(item)` for every item in order, with up to `concurrency` loads running ahead (ffmpeg
 * child processes run in parallel, WAV reads are quick). Each outcome is a settled record, so a
 * consumer that stops early (an aborted write) leaves no unhandled rejection behind.
 */
export async function* loadAhead<T, R>(items: readonly T[], concurrency: number, load: (item: T) => Promise<R>): AsyncGenerator<Loaded<T, R>> {
  const pending: Promise<Loaded<T, R>>[] = [];
  let next = 0;
  const start = () => {
    const index = next++;
    const item = items[index]!;
    pending.push(
      load(item).then(
        (value): Loaded<T, R> => ({ item, index, value }),
        (error: unknown): Loaded<T, R> => ({ item, index, error }),
      ),
    );
  };
  while (next < items.length && pending.length < concurrency) start();
  while (pending.length > 0) {
    const outcome = await pending.shift()!;
    if (next < items.length) start();
    yield outcome;
  }
}
