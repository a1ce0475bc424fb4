/**
 * Test settings every package shares. The suite must hold on a loaded 2-core machine: turbo runs at
 * most two packages at once (scripts/run-tests.mjs), each with at most two test processes, and
 * vitest's RPC with its workers gets time to answer under load.
 */
export const sharedTestOptions = {
  pool: 'forks',
  poolOptions: { forks: { minForks: 1, maxForks: 2 } },
  teardownTimeout: 60_000,
} as const;
