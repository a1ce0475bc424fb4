// node --test scripts/check-repo-paths.test.mjs — the path check finds what it must and only that.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { findPathsOutside } from './check-repo-paths.mjs';

test('reports paths that climb out of the repository, and accepts the repository itself', () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-paths-'));
  try {
    mkdirSync(join(root, 'packages', 'core', 'test'), { recursive: true });
    mkdirSync(join(root, 'examples', 'demo'), { recursive: true });
    writeFileSync(
      join(root, 'packages', 'core', 'test', 'a.test.ts'),
      [
        "const inside = new URL('./fixtures/x.json', import.meta.url);",
        // (split so that this file does not itself contain the patterns it plants)
        ['const outside = new URL(', "'../../../../sha", "red/fixtures/ffcv/'", ', import.meta.url);'].join(''),
        "const fine = resolve(import.meta.dirname, '../fixtures');",
      ].join('\n'),
    );
    writeFileSync(join(root, 'examples', 'demo', 'index.mjs'), ['const source = join(import.meta', ".dirname, '..', '..', '..', 'images');\n"].join(''));
    const problems = findPathsOutside(root);
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(problems[0], /^examples\/demo\/index\.mjs:1: join\(import\.meta\.dirname/);
    assert.match(problems[1], /^packages\/core\/test\/a\.test\.ts:2: names "\.\.\/\.\.\/\.\.\/\.\.\/shared\/fixtures\/ffcv\/"/);
    assert.match(problems[2], /^packages\/core\/test\/a\.test\.ts:2: new URL/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  assert.deepEqual(findPathsOutside(resolve(import.meta.dirname, '..')), []);
});
