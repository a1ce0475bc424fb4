// Fails if a test, example, benchmark or script names a path outside the repository: a clone with
// nothing beside it must run everything. Checks, in every source file under packages/*/test,
// packages/*/scripts, examples, benchmarks and scripts:
//   - every string literal starting with `../`, resolved against the file's folder (relative
//     imports, `new URL('../…', import.meta.url)`, `createRequire(…)('../…')`);
//   - `new URL('…', import.meta.url)` and `join|resolve(BASE, '…', …)`, where BASE is
//     `import.meta.dirname`, `__dirname`, `dirname(fileURLToPath(import.meta.url))` or a name the
//     file binds to one of them (`const here = import.meta.dirname`): the path built from the literal
//     segments must stay inside the repository;
//   - literal absolute paths of this workspace (`/work/`) and its neighbour folder (`shared/…`).
//   node scripts/check-repo-paths.mjs [ROOT]      (ROOT defaults to the repository)
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SOURCE = /\.(?:[cm]?[jt]s|json)$/;
const SELF = fileURLToPath(import.meta.url);
const SKIP = new Set(['node_modules', 'dist', '.output', '.turbo', '.bench-data', '.cache']);
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

const FOLDER_OF_FILE = String.raw`(?:import\.meta\.dirname|__dirname|dirname\(\s*fileURLToPath\(\s*import\.meta\.url\s*\)\s*\))`;

function checkFile(top, file) {
  const problems = [];
  const text = readFileSync(file, 'utf8');
  const folder = dirname(file);
  // Names bound to the file's folder, possibly joined with literal segments: `const here = …`.
  const bases = new Map();
  const binding = new RegExp(String.raw`\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:${FOLDER_OF_FILE}|(?:join|resolve)\(\s*${FOLDER_OF_FILE}\s*,([^)]*)\))`, 'g');
  for (const match of text.matchAll(binding)) bases.set(match[1], resolve(folder, ...literalPrefix(match[2] ?? '')));
  const names = [...bases.keys()].map((name) => name.replace(/\$/g, '\\$')).join('|');
  const base = names === '' ? FOLDER_OF_FILE : `(?:${FOLDER_OF_FILE}|\\b(?:${names})\\b)`;
  const joined = new RegExp(String.raw`\b(?:join|resolve)\(\s*(${base})\s*,([^)]*)\)`, 'g');
  text.split('\n').forEach((line, index) => {
    const where = `${relative(top, file)}:${index + 1}`;
    const reported = new Set(); // one problem per target and line (`new URL('../…')` matches two rules)
    for (const match of line.matchAll(LITERAL)) {
      if (BANNED.some((pattern) => pattern.test(match[2]))) problems.push(`${where}: names ${JSON.stringify(match[2])}, outside the repository`);
      else if (match[2].startsWith('../') && !match[2].includes('${')) checkTarget(resolve(folder, match[2]), match[0]);
    }
    for (const match of line.matchAll(/new URL\(\s*(['"`])([^'"`$]+)\1\s*,\s*import\.meta\.url\s*\)/g)) {
      checkTarget(fileURLToPath(new URL(match[2], pathToFileURL(file))), match[0]);
    }
    for (const match of line.matchAll(joined)) {
      checkTarget(resolve(bases.get(match[1]) ?? folder, ...literalPrefix(match[2])), match[0]);
    }
    function checkTarget(target, expression) {
      if (target === top || target.startsWith(top + sep) || reported.has(target)) return;
      reported.add(target);
      problems.push(`${where}: ${expression} leaves the repository (${target})`);
    }
  });
  return problems;
}

/** The literal segments at the start of an argument list (a computed segment ends the check there). */
function literalPrefix(argumentList) {
  const segments = [];
  for (const argument of argumentList.split(',')) {
    const literal = /^\s*(['"`])([^'"`$]*)\1\s*$/.exec(argument);
    if (literal === null) break;
    segments.push(literal[2]);
  }
  return segments;
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
