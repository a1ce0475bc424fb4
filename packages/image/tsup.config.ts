import { defineConfig } from 'tsup';

export default defineConfig({
  // One entry, one output file: origins (import.meta.url) of the plugin and of every operation must be
  // the module that exports their factories.
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
