import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/internals.ts', 'src/writer/encode-worker.ts', 'src/loader/decode-worker.ts', 'src/io/remote-fetch-worker.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/internals.ts'] },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
