/**
 * Timing with warmup and repeats. Contenders are run round-robin (A B C, A B C, ...) so that a noisy
 * neighbour or a frequency change hits all of them alike; each reports best and median.
 */

/** Milliseconds, sub-microsecond resolution. */
export const nowMs = () => performance.now();

/** { bestMs, medianMs, timesMs } of a list of run times. */
export function summarize(timesMs) {
  const sorted = [...timesMs].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const medianMs = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { bestMs: sorted[0], medianMs, timesMs: [...timesMs] };
}

/**
 * Runs every contender's `run()` `warmup` times then `repeats` times, interleaved, and returns
 * `Map<id, { bestMs, medianMs, timesMs }>`. `run` may be async (awaited, and the await is timed).
 * A contender with `timesItself: true` resolves `run()` with its own milliseconds instead (a peer
 * process timing its work, without the pipe's round trip); that number is the round's time.
 */
export async function measureInterleaved(contenders, { warmup = 1, repeats = 5, onRound } = {}) {
  const times = new Map(contenders.map((contender) => [contender.id, []]));
  for (let round = 0; round < warmup + repeats; round++) {
    for (const contender of contenders) {
      const started = nowMs();
      const reported = await contender.run();
      const elapsedMs = contender.timesItself === true ? reported : nowMs() - started;
      if (!Number.isFinite(elapsedMs)) throw new TypeError(`contender ${contender.id} times itself but run() resolved with ${reported}`);
      if (round >= warmup) times.get(contender.id).push(elapsedMs);
    }
    onRound?.(round < warmup ? `warmup ${round + 1}/${warmup}` : `repeat ${round - warmup + 1}/${repeats}`);
  }
  return new Map([...times].map(([id, list]) => [id, summarize(list)]));
}

/** One function, `warmup` untimed runs then `repeats` timed ones. */
export async function measure(run, options = {}) {
  const result = await measureInterleaved([{ id: 'only', run }], options);
  return result.get('only');
}
