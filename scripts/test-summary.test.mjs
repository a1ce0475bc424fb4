// node --test scripts/test-summary.test.mjs — the closing line counts failed suites and packages
// without a report, and the exit status says whether anything failed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const script = join(import.meta.dirname, 'test-summary.mjs');

function workspace(reports) {
  const root = mkdtempSync(join(tmpdir(), 'tessera-summary-'));
  for (const [name, report] of Object.entries(reports)) {
    const directory = join(root, 'packages', name);
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, 'package.json'), JSON.stringify({ name, scripts: { test: 'vitest run' } }));
    if (report !== undefined) writeFileSync(join(directory, '.vitest-report.json'), JSON.stringify(report));
  }
  mkdirSync(join(root, 'examples'));
  return root;
}

const passing = { numPassedTests: 5, numFailedTests: 0, numFailedTestSuites: 0, numPendingTests: 1, numTodoTests: 0 };

test('all passed: exit 0', () => {
  const root = workspace({ a: passing, b: passing });
  try {
    const result = spawnSync(process.execPath, [script, root], { encoding: 'utf8' });
    assert.equal(result.stdout, '10 passed, 0 failed, 0 failed suites, 0 packages without a report, 2 skipped\n');
    assert.equal(result.status, 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a suite that failed to load (no failed test) and a package without a report: printed, exit 1', () => {
  const root = workspace({ a: passing, b: { ...passing, numPassedTests: 0, numFailedTestSuites: 1 }, c: undefined });
  try {
    const result = spawnSync(process.execPath, [script, root], { encoding: 'utf8' });
    assert.equal(result.stdout, 'no test report from: packages/c\n5 passed, 0 failed, 1 failed suites, 1 packages without a report, 2 skipped\n');
    assert.equal(result.status, 1);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
