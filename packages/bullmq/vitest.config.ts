import { defineConfig } from 'vitest/config';
import { sharedTestOptions } from '../../vitest.shared.js';

// The queue tests start a redis-server and worker processes, and wait for BullMQ's stalled check.
export default defineConfig({
  test: { testTimeout: 180_000, hookTimeout: 120_000, ...sharedTestOptions },
});
