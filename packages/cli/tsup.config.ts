import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/cli.ts', 'src/index.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // esbuild keeps the shebang of an entry's first line; the banner puts it there for the bin only.
  banner: ({ format }) => (format === 'esm' ? {} : {}),
});
