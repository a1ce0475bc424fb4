import { availableParallelism } from 'node:os';

/**
 * Test settings every package shares. The suite must hold on a loaded 2-core machine: turbo runs at
 * most two packages at once (scripts/run-tests.mjs), so each package gets half the cores for its test
 * processes (one on 2 cores: more only makes every test slower and vitest's 60 s RPC with its
 * workers time out), and teardown gets time under load.
 */
const testProcesses = Math.max(1, Math.floor(availableParallelism() / 2));

export const sharedTestOptions = {
  pool: 'forks',
  poolOptions: { forks: { minForks: 1, maxForks: testProcesses } },
  teardownTimeout: 60_000,
} as const;
