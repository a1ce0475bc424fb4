import { defineConfig } from 'vitest/config';
import { sharedTestOptions } from '../../vitest.shared.js';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    ...sharedTestOptions,
  },
});
