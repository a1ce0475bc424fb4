/**
 * measureInterleaved (benchmarks/lib/timing.mjs) for contenders that may time themselves: when
 * `run()` resolves with a number, that is the round's milliseconds (the Python peers report the time
 * spent around their pools, without the pipe's round trip); otherwise the wall time of `run()`.
 * Contenders run round-robin, `warmup` untimed rounds first. Returns Map<id, { bestMs, medianMs, timesMs }>.
 */
import { nowMs, summarize } from '../lib/index.mjs';

export async function measureRounds(contenders, { warmup = 1, repeats = 5, onRound } = {}) {
  const times = new Map(contenders.map((contender) => [contender.id, []]));
  for (let round = 0; round < warmup + repeats; round++) {
    for (const contender of contenders) {
      const started = nowMs();
      const reported = await contender.run();
      const elapsedMs = typeof reported === 'number' ? reported : nowMs() - started;
      if (round >= warmup) times.get(contender.id).push(elapsedMs);
    }
    onRound?.(round < warmup ? `warmup ${round + 1}/${warmup}` : `repeat ${round - warmup + 1}/${repeats}`);
  }
  return new Map([...times].map(([id, list]) => [id, summarize(list)]));
}
