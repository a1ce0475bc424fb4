#!/usr/bin/env node
// `pnpm tessera …` in this repository. The root package depends on this folder's package, so pnpm
// links this file as node_modules/.bin/tessera; with no root script of that name, `pnpm tessera`
// falls back to `pnpm exec tessera`, which runs in the caller's folder (relative paths mean what they
// mean for the installed `tessera`) and prints no `> script` banner (stdout is the CLI's alone).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const cli = join(import.meta.dirname, '..', 'packages', 'cli', 'dist', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write(`tessera: the CLI is not built (no ${cli}); run \`npx -y pnpm@10 build\` in the repository first\n`);
  process.exit(1);
}
await import(pathToFileURL(cli).href);
