import { defineConfig } from 'tsup';

export default defineConfig({
  // One entry, one output file: the plugin's origin (import.meta.url) must be the module that exports multimodalPlugin.
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
