// node --test test/errors.test.mjs — the example's mistakes are one line and an exit status, never a stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const example = join(import.meta.dirname, '..', 'index.mjs');
const run = (...options) => spawnSync(process.execPath, [example, ...options], { encoding: 'utf8' });

test('a missing --folder is one E_IO line naming the folder, exit 1', () => {
  const parent = mkdtempSync(join(tmpdir(), 'tessera-example-'));
  try {
    const missing = join(parent, 'no-such-folder');
    const result = run('--folder', missing);
    assert.equal(result.status, 1);
    assert.equal(result.stderr, `${result.stderr.split('\n')[0]}\n`);
    assert.match(result.stderr, /^image-classification: E_IO: cannot read the image folder .*no-such-folder/);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test('a bad --images value and an unknown option print the usage, exit 2', () => {
  const count = run('--images', 'abc');
  assert.equal(count.status, 2);
  assert.match(count.stderr, /^image-classification: --images must be a whole number of at least 1, not "abc"\nusage: /);
  const unknown = run('--bogus');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /^image-classification: Unknown option '--bogus'\nusage: /);
  assert.doesNotMatch(unknown.stderr + count.stderr, /\n\s+at /);
});
