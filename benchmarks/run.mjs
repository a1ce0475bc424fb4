#!/usr/bin/env node
/**
 * `pnpm bench <name> [options]` runs benchmarks/<name>/index.mjs in a fresh Node process, forwarding
 * the options; with no name it lists the benchmarks. The exit code is the benchmark's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = import.meta.dirname;
const available = readdirSync(here, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'lib' && existsSync(join(here, entry.name, 'index.mjs')))
  .map((entry) => entry.name)
  .sort();

const [name, ...forwarded] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === '-h') {
  console.log('usage: pnpm bench <name> [--quick] [--repeats N] [other options of the benchmark]\n');
  console.log(`benchmarks: ${available.join(', ') || '(none)'}`);
  process.exit(0);
}
if (!available.includes(name)) {
  console.error(`unknown benchmark "${name}"; available: ${available.join(', ')}`);
  process.exit(2);
}

// Benchmarks import the built @tessera/core; say how to build it rather than fail on a missing module.
try {
  const entry = fileURLToPath(import.meta.resolve('@tessera/core'));
  if (!existsSync(entry)) throw new Error(`${entry} is missing`);
} catch (error) {
  console.error(`@tessera/core is not built (${error instanceof Error ? error.message.split('\n')[0] : error}); run \`npx -y pnpm@10 build\` first`);
  process.exit(2);
}

const result = spawnSync(process.execPath, [join(here, name, 'index.mjs'), ...forwarded], { stdio: 'inherit' });
if (result.error) {
  console.error(`could not start benchmark ${name}: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? (result.signal ? 1 : 0));
