import { defineConfig } from 'tsup';

export default defineConfig({
  // The verify worker is its own file: the server starts it with new URL('./verify-worker.js', import.meta.url).
  entry: ['src/index.ts', 'src/verify-worker.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
