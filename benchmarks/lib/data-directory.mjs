/**
 * Where benchmark data lives: `.bench-data/` at the repository root (gitignored). Files are created on
 * first use and reused; names carry a content tag (sizes, seed, a version) so a change of recipe never
 * reads stale data. Files written only to be timed go to a scratch folder instead (chooseWriteDirectory).
 */
import { existsSync, mkdirSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/**
 * Where a benchmark writes files it times: `requested` (a --write-dir option) when given, else tmpfs
 * (/dev/shm) when it has 1.5 × `neededByteLength` free, so the figure is the writer's and not the
 * disk's, else the OS temporary folder.
 */
export function chooseWriteDirectory(requested, neededByteLength) {
  if (requested !== undefined) return requested;
  if (existsSync('/dev/shm')) {
    const stats = statfsSync('/dev/shm');
    if (stats.bavail * stats.bsize > neededByteLength * 1.5) return '/dev/shm';
  }
  return tmpdir();
}
