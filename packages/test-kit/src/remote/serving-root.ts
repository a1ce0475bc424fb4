import { realpath, stat } from 'node:fs/promises';
import { ArgumentError } from '@tessera/core';

/**
 * Resolves the `root` option of startStaticServer / startNginx to the real path of an existing
 * folder (symbolic links resolved, so "inside root" checks compare real paths), or throws an
 * ArgumentError naming `root` and the fix.
 */
export async function resolveServingRoot(root: unknown): Promise<string> {
  if (typeof root !== 'string' || root === '') throw new ArgumentError('root', `${JSON.stringify(root)} is not a folder path; pass the folder that holds the files to serve`);
  let resolved: string;
  try {
    resolved = await realpath(root);
  } catch (error) {
    throw new ArgumentError('root', `${root} does not exist or cannot be read (${(error as Error).message}); pass an existing folder`);
  }
  if (!(await stat(resolved)).isDirectory()) throw new ArgumentError('root', `${root} is not a folder; pass the folder that holds the files to serve`);
  return resolved;
}
