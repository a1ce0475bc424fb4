import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TesseraError } from '../errors.js';

/**
 * The URL of a worker script built next to the bundle (`dist/<folder>/<name>.js`). Works from the
 * bundle (index.js or a shared chunk in dist/) and from TypeScript sources in tests (src/<folder>/),
 * where it points at the built copy.
 */
export function resolveWorkerUrl(folder: string, name: string, from: string): URL {
  const candidates = [
    new URL(`./${folder}/${name}.js`, from),
    new URL(`./${name}.js`, from),
    new URL(`../../dist/${folder}/${name}.js`, from),
  ];
  for (const candidate of candidates) if (existsSync(fileURLToPath(candidate))) return candidate;
  throw new TesseraError(
    'E_WORKER',
    `the worker script ${folder}/${name}.js is missing (looked for ${candidates.map((url) => url.pathname).join(', ')}); build @tessera/core first`,
  );
}
