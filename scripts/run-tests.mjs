// The README's test command: build, typecheck, lint and test every package through turbo (at most
// two tasks at once: the suite must hold on a loaded 2-core machine; --continue, so every package
// reports even when one fails), then print one closing line
// from the packages' vitest reports — also when a package failed — and exit non-zero if anything did.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { testPackages } from './test-summary.mjs';

const root = join(import.meta.dirname, '..');
// A report left by an earlier run must not count for a package that fails to run now
// (turbo restores the report of a cached, unchanged package).
for (const directory of testPackages(root)) rmSync(join(directory, '.vitest-report.json'), { force: true });

// The viewer's browser tests drive Debian's Chromium (no browser download): install it when it is
// missing and apt-get can (as root); otherwise those tests skip and say so.
if (!existsSync('/usr/bin/chromium') && process.platform === 'linux' && process.getuid?.() === 0) {
  const install = (args) => spawnSync('apt-get', args, { stdio: 'ignore' }).status === 0;
  if (!install(['install', '-y', 'chromium']) && !(install(['update']) && install(['install', '-y', 'chromium']))) {
    console.log('could not install chromium with apt-get: the viewer\'s browser tests will skip');
  }
}

// The remote-reading suite runs against a real nginx as well as the Node static server: install
// Debian's nginx when it is missing and apt-get can; otherwise those tests skip and say so.
if (!existsSync('/usr/sbin/nginx') && process.platform === 'linux' && process.getuid?.() === 0) {
  const install = (args) => spawnSync('apt-get', args, { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  if (!install(['install', '-y', 'nginx']) && !(install(['update']) && install(['install', '-y', 'nginx']))) {
    console.log("could not install nginx with apt-get: the remote suite's nginx tests will skip");
  }
}

// @tessera/bullmq's queue tests start a real redis-server: install Debian's when it is missing and
// apt-get can; otherwise those tests skip and say so.
if (!existsSync('/usr/bin/redis-server') && process.platform === 'linux' && process.getuid?.() === 0) {
  const install = (args) => spawnSync('apt-get', args, { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  if (!install(['install', '-y', 'redis-server']) && !(install(['update']) && install(['install', '-y', 'redis-server']))) {
    console.log("could not install redis-server with apt-get: @tessera/bullmq's queue tests will skip");
  }
}

// The scripts' own tests (node:test), then the path check itself.
const scriptTests = ['check-repo-paths.test.mjs', 'test-summary.test.mjs'].map((name) => join(import.meta.dirname, name));
const paths = spawnSync(process.execPath, ['--test', ...scriptTests], { cwd: root, stdio: 'inherit' });
const pathCheck = spawnSync(process.execPath, [join(import.meta.dirname, 'check-repo-paths.mjs')], { cwd: root, stdio: 'inherit' });
const turbo = spawnSync('turbo', ['run', 'build', 'typecheck', 'lint', 'test', '--concurrency=2', '--continue', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
const summary = spawnSync(process.execPath, [join(import.meta.dirname, 'test-summary.mjs')], { cwd: root, stdio: 'inherit' });
const failed = [paths, pathCheck, turbo, summary].some((result) => result.status !== 0);
if (turbo.status !== 0) console.log(`turbo exited with ${turbo.status ?? turbo.signal}`);
process.exit(failed ? 1 : 0);
