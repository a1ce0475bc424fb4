import { defineConfig } from 'vitest/config';
import { sharedTestOptions } from '../../vitest.shared.js';

/**
 * Two projects: every test with the active backend (the native addon when it is built), and the
 * FLAC and MP3 decoding tests again with TESSERA_AUDIO_BACKEND=js (JavaScript FLAC, WebAssembly
 * mpg123), so both decoder paths pass the same assertions on the same bytes.
 */
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    ...sharedTestOptions,
    projects: [
      { extends: true, test: { name: 'active-backend' } },
      {
        extends: true,
        test: {
          name: 'js-backend',
          include: ['test/flac-*.test.ts', 'test/mp3-*.test.ts', 'test/compressed-errors.test.ts', 'test/loader.test.ts'],
          env: { TESSERA_AUDIO_BACKEND: 'js' },
        },
      },
    ],
  },
});
