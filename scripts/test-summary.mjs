// Prints one closing line for the whole workspace, "N passed, N failed, N failed suites, N skipped",
// from the JSON reports vitest wrote in every package (see each package's `test` script). A package
// without a report (it did not run, or crashed before writing one) counts as a failure.
//   node scripts/test-summary.mjs [ROOT]      (ROOT defaults to the repository; exit 1 if anything failed)
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Folders of the packages and examples whose `test` script runs vitest. */
export function testPackages(root) {
  const directories = [];
  for (const group of ['packages', 'examples']) {
    for (const name of readdirSync(join(root, group))) {
      const directory = join(root, group, name);
      const manifest = join(directory, 'package.json');
      if (!existsSync(manifest)) continue;
      const scripts = JSON.parse(readFileSync(manifest, 'utf8')).scripts ?? {};
      if (scripts.test?.includes('vitest')) directories.push(directory);
    }
  }
  return directories;
}

/** Totals over every package's report; `missing` lists the packages without one. */
export function summarize(root) {
  const totals = { passed: 0, failed: 0, failedSuites: 0, skipped: 0 };
  const missing = [];
  for (const directory of testPackages(root)) {
    const report = join(directory, '.vitest-report.json');
    if (!existsSync(report)) {
      missing.push(directory.slice(root.length + 1));
      continue;
    }
    const result = JSON.parse(readFileSync(report, 'utf8'));
    totals.passed += result.numPassedTests;
    totals.failed += result.numFailedTests;
    totals.failedSuites += result.numFailedTestSuites ?? 0;
    totals.skipped += result.numPendingTests + (result.numTodoTests ?? 0);
  }
  return { ...totals, missing };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const summary = summarize(process.argv[2] ?? resolve(import.meta.dirname, '..'));
  if (summary.missing.length > 0) console.log(`no test report from: ${summary.missing.join(', ')}`);
  console.log(`${summary.passed} passed, ${summary.failed} failed, ${summary.failedSuites} failed suites, ${summary.missing.length} packages without a report, ${summary.skipped} skipped`);
  process.exit(summary.failed + summary.failedSuites + summary.missing.length > 0 ? 1 : 0);
}
