// `pnpm tessera …` in this repository: the built CLI, run from the folder the command was typed in
// (pnpm runs root scripts in the repository root and passes the caller's folder as INIT_CWD), so
// relative paths mean what they mean for the installed `tessera`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const cli = join(import.meta.dirname, '..', 'packages', 'cli', 'dist', 'cli.js');
const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { cwd: process.env.INIT_CWD ?? process.cwd(), stdio: 'inherit' });
process.exit(result.status ?? 1);
