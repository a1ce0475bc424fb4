// Fails if a test, example, benchmark or script names a path outside the repository: a clone with
// nothing beside it must run everything. Checks, in every source file under packages/*/test,
// packages/*/scripts, examples, benchmarks and scripts:
//   - `new URL('…', import.meta.url)` and `join|resolve(import.meta.dirname | __dirname, '…', …)`:
//     the path they build from literal segments must stay inside the repository;
//   - literal absolute paths of this workspace (`/work/`) and its neighbour folder (`shared/…`).
//   node scripts/check-repo-paths.mjs [ROOT]      (ROOT defaults to the repository)
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SOURCE = /\.(?:[cm]?[jt]s|json)$/;
const SELF = fileURLToPath(import.meta.url);
const SKIP = new Set(['node_modules', 'dist', '.output', '.turbo', '.bench-data', 'fixtures']);
const LITERAL = /(['"`])((?:(?!\1)[^\\\n]|\\.)*)\1/g;
const BANNED = [/^\/work\//, /(?:^|\/)shared\/(?:fixtures|bench-images)\b/];

/** Every problem as `file:line: message`. */
export function findPathsOutside(root) {
  const problems = [];
  const top = resolve(root);
  const scanRoots = ['examples', 'benchmarks', 'scripts'].map((name) => join(top, name));
  for (const name of safeList(join(top, 'packages'))) {
    for (const folder of ['test', 'scripts']) scanRoots.push(join(top, 'packages', name, folder));
  }
  for (const scanRoot of scanRoots) for (const file of walk(scanRoot)) problems.push(...checkFile(top, file));
  return problems;
}

function checkFile(top, file) {
  const problems = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, index) => {
    const where = `${relative(top, file)}:${index + 1}`;
    for (const match of line.matchAll(LITERAL)) {
      if (BANNED.some((pattern) => pattern.test(match[2]))) problems.push(`${where}: names ${JSON.stringify(match[2])}, outside the repository`);
    }
    for (const match of line.matchAll(/new URL\(\s*(['"`])([^'"`$]+)\1\s*,\s*import\.meta\.url\s*\)/g)) {
      checkTarget(fileURLToPath(new URL(match[2], pathToFileURL(file))), match[0]);
    }
    for (const match of line.matchAll(/\b(?:join|resolve)\(\s*(?:import\.meta\.dirname|__dirname)\s*,([^)]*)\)/g)) {
      const segments = [];
      for (const argument of match[1].split(',')) {
        const literal = /^\s*(['"`])([^'"`$]*)\1\s*$/.exec(argument);
        if (literal === null) break; // a computed segment: only the literal prefix is checked
        segments.push(literal[2]);
      }
      checkTarget(resolve(dirname(file), ...segments), match[0]);
    }
    function checkTarget(target, expression) {
      if (target !== top && !target.startsWith(top + sep)) problems.push(`${where}: ${expression} leaves the repository (${target})`);
    }
  });
  return problems;
}

function* walk(directory) {
  for (const name of safeList(directory)) {
    if (SKIP.has(name)) continue;
    const path = join(directory, name);
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats?.isDirectory()) yield* walk(path);
    else if (stats?.isFile() && SOURCE.test(name) && !name.startsWith('.') && path !== SELF) yield path;
  }
}

function safeList(directory) {
  try {
    return readdirSync(directory).sort();
  } catch {
    return [];
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = process.argv[2] ?? resolve(import.meta.dirname, '..');
  const problems = findPathsOutside(root);
  for (const problem of problems) console.error(`check-repo-paths: ${problem}`);
  if (problems.length > 0) {
    console.error(`check-repo-paths: ${problems.length} path(s) leave the repository; copy the data into it or generate it`);
    process.exit(1);
  }
  console.log('check-repo-paths: every test, example and benchmark path stays inside the repository');
}
