/**
 * Where benchmark data lives: `.bench-data/` at the repository root (gitignored). Files are created on
 * first use and reused; names carry a content tag (sizes, seed, a version) so a change of recipe never
 * reads stale data.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** `.bench-data/<name>` (created). */
export function benchDataPath(name) {
  const directory = join(repositoryRoot, '.bench-data');
  mkdirSync(directory, { recursive: true });
  return join(directory, name);
}

/** Removes a file or directory tree, ignoring a missing one. */
export function removePath(path) {
  rmSync(path, { recursive: true, force: true });
}
