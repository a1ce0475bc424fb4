import { defineConfig } from 'tsup';

export default defineConfig({
  // One entry, one output file: the provider's origin (import.meta.url) must be the module that exports s3.
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
