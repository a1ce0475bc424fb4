import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The conditions an `import()` from Node matches in a package's `exports`, in Node's order of
 * preference as a package lists them (the first listed key that is one of these wins).
 */
const IMPORT_CONDITIONS = new Set(['node', 'import', 'module-sync', 'default']);

/** Where a package specifier (`pkg`, `@scope/pkg`, `pkg/sub`) was found and the file `import()` would load. */
export interface ResolvedPackage {
  /** The package's folder (node_modules/<name>). */
  directory: string;
  /** The ESM entry file for the specifier, with the "import" conditions applied to `exports`. */
  entryPath: string;
}

/**
 * Resolves a bare package specifier the way `import()` from a module in `fromDirectory` would:
 * node_modules/<name> in that folder or any folder above it, then the entry named by `exports`
 * (the "node"/"import"/"default" conditions, never "require"), `main` or index.js. Unlike
 * `createRequire().resolve`, this finds ESM-only packages (`exports: { ".": { types, import } }`).
 *
 * Returns undefined when no such package is installed there; throws nothing for a missing package.
 * A package that is installed but whose manifest names no usable entry for the specifier gives
 * `{ problem }` instead, so callers can say what is wrong with it.
 */
export function resolvePackage(specifier: string, fromDirectory: string): ResolvedPackage | { problem: string } | undefined {
  const { name, subpath } = splitSpecifier(specifier);
  if (name === undefined) return undefined;
  for (let directory = fromDirectory; ; directory = dirname(directory)) {
    const packageDirectory = join(directory, 'node_modules', ...name.split('/'));
    const manifestPath = join(packageDirectory, 'package.json');
    if (isFile(manifestPath)) {
      let manifest: PackageManifest;
      try {
        manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as PackageManifest;
      } catch (error) {
        return { problem: `${manifestPath} is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
      }
      const entry = entryOf(manifest, subpath);
      if (entry === undefined) {
        return { problem: `${manifestPath} exports no "${subpath}" entry for import (conditions ${[...IMPORT_CONDITIONS].join(', ')})` };
      }
      return { directory: packageDirectory, entryPath: join(packageDirectory, entry) };
    }
    if (dirname(directory) === directory) return undefined;
  }
}

interface PackageManifest {
  exports?: unknown;
  main?: unknown;
}

/** `@scope/name/sub/path` → name `@scope/name`, subpath `./sub/path`; a relative or absolute path has no name. */
function splitSpecifier(specifier: string): { name: string | undefined; subpath: string } {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.includes('\\') || specifier.includes(':')) {
    return { name: undefined, subpath: '.' };
  }
  const parts = specifier.split('/');
  const nameLength = specifier.startsWith('@') ? 2 : 1;
  if (parts.length < nameLength || parts.slice(0, nameLength).some((part) => part === '')) return { name: undefined, subpath: '.' };
  const rest = parts.slice(nameLength);
  return { name: parts.slice(0, nameLength).join('/'), subpath: rest.length === 0 ? '.' : `./${rest.join('/')}` };
}

/** The relative entry file for `subpath` ('.' or './x'), or undefined when the manifest exports none. */
function entryOf(manifest: PackageManifest, subpath: string): string | undefined {
  const { exports } = manifest;
  if (exports === undefined || exports === null) {
    if (subpath !== '.') return subpath;
    return typeof manifest.main === 'string' ? manifest.main : 'index.js';
  }
  // `exports: "./x.js"`, `exports: [...]` or `exports: { import: ... }` (conditions, no subpaths) describe "." only.
  const hasSubpathKeys = typeof exports === 'object' && !Array.isArray(exports) && Object.keys(exports).some((key) => key.startsWith('.'));
  if (!hasSubpathKeys) return subpath === '.' ? applyConditions(exports) : undefined;
  const map = exports as Record<string, unknown>;
  if (Object.hasOwn(map, subpath)) return applyConditions(map[subpath]);
  // One `*` pattern such as "./codecs/*": the longest matching prefix wins, as in Node.
  let best: { key: string; prefixLength: number } | undefined;
  for (const key of Object.keys(map)) {
    const star = key.indexOf('*');
    if (star < 0) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1 && (best === undefined || prefix.length > best.prefixLength)) {
      best = { key, prefixLength: prefix.length };
    }
  }
  if (best === undefined) return undefined;
  const star = best.key.indexOf('*');
  const matched = subpath.slice(star, subpath.length - (best.key.length - star - 1));
  return applyConditions(map[best.key])?.replaceAll('*', matched);
}

/** Picks the target of an `exports` value for `import()`: a string, the first usable item of an array, or the first matching condition. */
function applyConditions(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const item of target) {
      const resolved = applyConditions(item);
      if (resolved !== undefined) return resolved;
    }
    return undefined;
  }
  if (target === null || typeof target !== 'object') return undefined;
  for (const [condition, value] of Object.entries(target)) {
    if (!IMPORT_CONDITIONS.has(condition)) continue;
    const resolved = applyConditions(value);
    if (resolved !== undefined) return resolved;
  }
  return undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** This CLI's own folder: packages installed beside it (a global install with its plugins) are found from here. */
const CLI_DIRECTORY = dirname(fileURLToPath(import.meta.url));

/** Entry files to `import()` for a bare specifier, and why the other places did not work. */
export interface PackageCandidates {
  /** file: URLs, the user's project (`cwd` and above) first, then this CLI's installation; no duplicates. */
  urls: string[];
  /** One line per place where the package was found but is unusable (a bad manifest). */
  problems: string[];
}

/**
 * Where `import(specifier)` should load a package from for a command run in `cwd`: the user's
 * project first, then the CLI's own installation. The one resolver for optional modality packages
 * (`tessera build text` → @tessera/text), `--plugin NAME` and the plugins a file names.
 */
export function findPackageCandidates(specifier: string, cwd: string): PackageCandidates {
  const urls: string[] = [];
  const problems: string[] = [];
  for (const directory of [cwd, CLI_DIRECTORY]) {
    const resolved = resolvePackage(specifier, directory);
    if (resolved === undefined) continue;
    if ('problem' in resolved) {
      if (!problems.includes(resolved.problem)) problems.push(resolved.problem);
      continue;
    }
    const url = pathToFileURL(resolved.entryPath).href;
    if (!urls.includes(url)) urls.push(url);
  }
  return { urls, problems };
}
