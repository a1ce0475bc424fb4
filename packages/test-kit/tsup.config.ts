import { defineConfig } from 'tsup';

export default defineConfig({
  // The decode worker is its own entry: worker threads load it by file URL.
  entry: ['src/index.ts', 'src/decode-worker.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
