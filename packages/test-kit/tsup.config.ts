import { defineConfig } from 'tsup';

export default defineConfig({
  // The decode worker and the server worker are their own entries: worker threads load them by
  // file URL, next to index.js in dist/ (object form: dist/server-worker.js, not dist/remote/…).
  entry: { index: 'src/index.ts', servers: 'src/servers.ts', 'decode-worker': 'src/decode-worker.ts', 'server-worker': 'src/remote/server-worker.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts', servers: 'src/servers.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
