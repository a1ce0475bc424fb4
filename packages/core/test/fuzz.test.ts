import { expect, it } from 'vitest';
// @ts-expect-error: a plain ESM helper shared with other packages' fuzz tests (no types)
import { runFuzzInChild } from './fuzz/run-fuzz-child.mjs';

/**
 * The seeded fuzz suite (issue 9): 2,880 mutants of small Tessera and FFCV files, run in a child
 * process so a crash or a hang is caught and named. See test/fuzz/fuzz-runner.mjs for the classes
 * and how to reproduce one mutant (`--only ID`).
 */
it('classifies every mutant as a typed error, identical data, or damage verify reports', async () => {
  const { summary, crash } = await runFuzzInChild();
  expect(crash).toBeUndefined();
  console.log(`fuzz outcomes: ${JSON.stringify(summary.counts)}`);
  expect(summary.failures).toEqual([]);
  // Each accepted class must occur: a fuzzer whose mutants all fail at the header tests nothing.
  for (const outcome of ['typed-error', 'identical', 'flagged-by-verify']) expect(summary.counts[outcome]).toBeGreaterThan(50);
}, 300_000);
