#!/usr/bin/env node
/**
 * Builds the optional native JPEG backend (native/tessera-jpeg.c → build/Release/tessera_jpeg.node).
 *
 * Runs at install. It needs a C compiler and Node's headers, and nothing from the network: the
 * addon has no library to link — at run time it opens the libjpeg-turbo that the npm package
 * @julusian/jpeg-turbo ships prebuilt. A failure never fails the install: @tessera/image then uses
 * its WebAssembly libjpeg-turbo, and `jpegBackend()` says why.
 *
 * Tries, in order: node-gyp (from the package manager's PATH or node_modules) with Node's own
 * headers when they are installed (npm_config_nodedir, or <prefix>/include/node); then a plain `cc`
 * build against those headers (Linux and macOS).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const verbose = process.argv.includes('--verbose');
const output = join(packageRoot, 'build', 'Release', 'tessera_jpeg.node');
const attempts = [];

if (process.env.TESSERA_IMAGE_SKIP_NATIVE === '1') {
  console.log('@tessera/image: TESSERA_IMAGE_SKIP_NATIVE=1, native JPEG backend not built');
  process.exit(0);
}
if (process.platform === 'win32') {
  console.log('@tessera/image: no native JPEG backend on Windows yet; using WebAssembly libjpeg-turbo');
  process.exit(0);
}

const nodeDirectories = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..')].filter(Boolean);
const nodeDirectory = nodeDirectories.find((directory) => existsSync(join(directory, 'include', 'node', 'node_api.h')));

function run(command, args) {
  const result = spawnSync(command, args, { cwd: packageRoot, encoding: 'utf8', stdio: verbose ? 'inherit' : 'pipe' });
  const ok = result.status === 0;
  if (!ok) attempts.push(`${command} ${args.join(' ')}: ${result.error?.message ?? lastLines(result.stderr || result.stdout)}`);
  return ok;
}

function lastLines(text = '') {
  return text.trim().split('\n').slice(-3).join(' | ');
}

function nodeGyp() {
  const require = createRequire(join(packageRoot, 'package.json'));
  // npm and pnpm name their bundled node-gyp in npm_config_node_gyp while running install scripts
  let script = process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp) ? process.env.npm_config_node_gyp : undefined;
  try {
    script ??= require.resolve('node-gyp/bin/node-gyp.js');
  } catch {}
  const args = ['rebuild', ...(nodeDirectory ? [`--nodedir=${nodeDirectory}`] : [])];
  if (script !== undefined) return run(process.execPath, [script, ...args]);
  return run('node-gyp', args);
}

function plainCompiler() {
  if (nodeDirectory === undefined) {
    attempts.push('cc: Node headers (include/node/node_api.h) not found');
    return false;
  }
  mkdirSync(dirname(output), { recursive: true });
  const flags = ['-O3', '-std=c11', '-D_GNU_SOURCE', '-DNODE_GYP_MODULE_NAME=tessera_jpeg', '-fPIC', '-shared', `-I${join(nodeDirectory, 'include', 'node')}`];
  const platformFlags = process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : ['-ldl', '-lpthread', '-lm'];
  return run(process.env.CC ?? 'cc', [...flags, 'native/tessera-jpeg.c', '-o', output, ...platformFlags]);
}

if (nodeGyp() || plainCompiler()) {
  console.log(`@tessera/image: built the native JPEG backend (${output})`);
} else {
  console.log(`@tessera/image: native JPEG backend not built, using WebAssembly libjpeg-turbo. Tried:\n  ${attempts.join('\n  ')}`);
}
