import { defineConfig } from 'vitest/config';
import { sharedTestOptions } from '../../vitest.shared.js';

export default defineConfig({
  test: { testTimeout: 60_000, hookTimeout: 60_000, ...sharedTestOptions },
});
