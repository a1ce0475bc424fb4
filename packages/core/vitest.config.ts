import { defineConfig } from 'vitest/config';
import { sharedTestOptions } from '../../vitest.shared.js';

export default defineConfig({
  test: { testTimeout: 180_000, hookTimeout: 180_000, ...sharedTestOptions, poolOptions: { forks: { ...sharedTestOptions.poolOptions.forks, execArgv: ['--expose-gc'] } } },
});
