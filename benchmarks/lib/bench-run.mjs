/**
 * The frame of one benchmark run: the metrics object, started with the run's own facts and the
 * machine's, and the closing lines every benchmark prints (elapsed time, load average at start and
 * end, then the JSON result as the last stdout line).
 */
import { emitResult, environmentMetrics, roundMetrics } from './report.mjs';

/**
 * Starts the clock and `metrics` (`fields` first, then node version, cores and load average); the
 * benchmark adds its sections to `metrics`, then calls `finish()` last.
 */
export function createBenchRun(bench, fields) {
  const metrics = { ...fields, ...environmentMetrics() };
  const startedMs = performance.now();
  return {
    metrics,
    /** Records elapsed time and the load average now, prints them, then the JSON result. */
    finish() {
      metrics.elapsedSeconds = (performance.now() - startedMs) / 1000;
      metrics.loadAverage1mAtEnd = environmentMetrics().loadAverage1m;
      console.log(`\nelapsed ${metrics.elapsedSeconds.toFixed(0)} s; load average ${metrics.loadAverage1m} at start, ${metrics.loadAverage1mAtEnd} at end (${metrics.cores} cores)`);
      emitResult(bench, roundMetrics(metrics));
    },
  };
}
