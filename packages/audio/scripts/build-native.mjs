#!/usr/bin/env node
/**
 * Builds the optional native audio backend (native/tessera-audio.c → build/Release/tessera_audio.node):
 * FLAC decoding (the package's own C decoder) and MP3 decoding (minimp3, public domain, compiled from
 * the header that the npm package `minimp3`, an optional dependency, ships).
 *
 * Runs at install and needs a C compiler and Node's headers, nothing from the network. A failure never
 * fails the install: @tessera/audio then decodes FLAC in JavaScript and MP3 with mpg123 in WebAssembly,
 * and `audioBackend()` says why. Without the `minimp3` package the addon is built for FLAC only.
 *
 * Tries, in order: node-gyp (from the package manager's PATH or node_modules) with Node's own headers
 * when they are installed (npm_config_nodedir, or <prefix>/include/node); then a plain `cc` build
 * against those headers (Linux and macOS). TESSERA_AUDIO_SKIP_NATIVE=1 skips the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const verbose = process.argv.includes('--verbose');
const output = join(packageRoot, 'build', 'Release', 'tessera_audio.node');
const attempts = [];

if (process.env.TESSERA_AUDIO_SKIP_NATIVE === '1') {
  console.log('@tessera/audio: TESSERA_AUDIO_SKIP_NATIVE=1, native audio backend not built');
  process.exit(0);
}
if (process.platform === 'win32') {
  console.log('@tessera/audio: no native audio backend on Windows yet; using the JavaScript FLAC and WebAssembly MP3 decoders');
  process.exit(0);
}

const nodeDirectories = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..')].filter(Boolean);
const nodeDirectory = nodeDirectories.find((directory) => existsSync(join(directory, 'include', 'node', 'node_api.h')));
const require = createRequire(join(packageRoot, 'package.json'));

/**
 * minimp3's header as the npm package ships it includes <iostream> (its wrapper is C++); the decoder
 * itself is C. A copy without that line goes to native/minimp3/, which the C file finds by __has_include.
 */
function prepareMinimp3() {
  const target = join(packageRoot, 'native', 'minimp3');
  rmSync(target, { recursive: true, force: true });
  let header;
  try {
    header = join(dirname(require.resolve('minimp3/package.json')), 'lib', 'minimp3.h');
  } catch {
    return 'the optional package minimp3 is not installed: MP3 stays on WebAssembly mpg123';
  }
  if (!existsSync(header)) return `${header} is missing: MP3 stays on WebAssembly mpg123`;
  const text = readFileSync(header, 'utf8').replace(/^#include <iostream>\s*$/m, '#include <stdint.h>');
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, 'minimp3.h'), text);
  return `MP3 from minimp3 (${header})`;
}

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
  const flags = ['-O3', '-std=gnu11', '-fwrapv', '-DNODE_GYP_MODULE_NAME=tessera_audio', '-fPIC', '-shared', `-I${join(nodeDirectory, 'include', 'node')}`, `-I${join(packageRoot, 'native', 'minimp3')}`];
  const platformFlags = process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : ['-lm'];
  return run(process.env.CC ?? 'cc', [...flags, 'native/tessera-audio.c', '-o', output, ...platformFlags]);
}

const mp3 = prepareMinimp3();
if (nodeGyp() || plainCompiler()) {
  console.log(`@tessera/audio: built the native audio backend (${output}); FLAC in C, ${mp3}`);
} else {
  console.log(`@tessera/audio: native audio backend not built, using the JavaScript FLAC and WebAssembly MP3 decoders. Tried:\n  ${attempts.join('\n  ')}`);
}
