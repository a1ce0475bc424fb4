import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where nginx lives on common systems (Debian/Ubuntu first), looked at before `PATH`. */
const NGINX_LOCATIONS = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/bin/nginx', '/opt/homebrew/bin/nginx'];

/** Every place nginxAvailable() looks, in order: the usual locations, then each `PATH` folder. */
export function nginxCandidates(): string[] {
  const fromPath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((folder) => folder !== '')
    .map((folder) => join(folder, 'nginx'));
  return [...new Set([...NGINX_LOCATIONS, ...fromPath])];
}

/**
 * The path of an executable nginx on this machine, or `undefined` when there is none: the one
 * place the test-kit looks for it. Tests that need startNginx use it to skip with a reason:
 * `describe.skipIf(!nginxAvailable())('against nginx', …)`.
 */
export function nginxAvailable(): string | undefined {
  for (const candidate of nginxCandidates()) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
