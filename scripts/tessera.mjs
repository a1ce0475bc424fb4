// `pnpm tessera …` in this repository: the built CLI, run from the folder the command was typed in
// (pnpm runs root scripts in the repository root and passes the caller's folder as INIT_CWD), so
// relative paths mean what they mean for the installed `tessera`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const cli = join(import.meta.dirname, '..', 'packages', 'cli', 'dist', 'cli.js');
// biome-ignore lint/suspicious/noUndeclaredEnvVars: pnpm sets INIT_CWD; this script is run by pnpm, never by a turbo task
const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { cwd: process.env.INIT_CWD ?? process.cwd(), stdio: 'inherit' });
process.exit(result.status ?? 1);
