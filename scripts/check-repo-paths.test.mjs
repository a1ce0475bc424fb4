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
    mkdirSync(join(root, 'packages', 'core', 'test', 'fixtures'), { recursive: true });
    mkdirSync(join(root, 'examples', 'demo'), { recursive: true });
    mkdirSync(join(root, 'benchmarks', 'image'), { recursive: true });
    writeFileSync(
      join(root, 'packages', 'core', 'test', 'a.test.ts'),
      [
        "const inside = new URL('./fixtures/x.json', import.meta.url);",
        // (split so that this file does not itself contain the patterns it plants)
        ['const outside = new URL(', "'../../../../sha", "red/fixtures/ffcv/'", ', import.meta.url);'].join(''),
        "const fine = resolve(import.meta.dirname, '../fixtures');",
        "import { x } from '../src/index.js';",
      ].join('\n'),
    );
    writeFileSync(join(root, 'examples', 'demo', 'index.mjs'), ['const source = join(import.meta', ".dirname, '..', '..', '..', 'images');\n"].join(''));
    // A name bound to the file's folder, then joined; and a bare '../' literal (no URL, no join).
    writeFileSync(
      join(root, 'benchmarks', 'image', 'index.mjs'),
      [
        ['const here = dirname(fileURLToPath(import.meta', '.url));'].join(''),
        "const images = join(here, '..', '..', '..', 'bench-images');",
        "const cache = join(here, '..', '.bench-data');",
        "spawnSync('ls', ['../../../elsewhere']);",
      ].join('\n'),
    );
    writeFileSync(join(root, 'packages', 'core', 'test', 'fixtures', 'helper.mjs'), ['export const path = "/wo', 'rk/main/x";\n'].join(''));
    const problems = findPathsOutside(root);
    assert.equal(problems.length, 6, problems.join('\n'));
    assert.match(problems[0], /^examples\/demo\/index\.mjs:1: join\(import\.meta\.dirname/);
    assert.match(problems[1], /^benchmarks\/image\/index\.mjs:2: join\(here, '\.\.', '\.\.', '\.\.', 'bench-images'\)/);
    assert.match(problems[2], /^benchmarks\/image\/index\.mjs:4: '\.\.\/\.\.\/\.\.\/elsewhere' leaves the repository/);
    assert.match(problems[3], /^packages\/core\/test\/a\.test\.ts:2: names "\.\.\/\.\.\/\.\.\/\.\.\/shared\/fixtures\/ffcv\/"/);
    assert.match(problems[4], /^packages\/core\/test\/a\.test\.ts:2: new URL/);
    assert.match(problems[5], /^packages\/core\/test\/fixtures\/helper\.mjs:1: names "\/work\/main\/x"/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  assert.deepEqual(findPathsOutside(resolve(import.meta.dirname, '..')), []);
});
