import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { type FfmpegAttempt, FfmpegNotFoundError } from './ffmpeg-not-found-error.js';

/**
 * The one place that finds ffmpeg. The chain, first usable binary wins:
 *   1. the `ffmpegPath` option        2. env TESSERA_FFMPEG
 *   3. `ffmpeg-static` (its path, when its install script downloaded the binary: npm runs it,
 *      pnpm 10 does not unless the package is in onlyBuiltDependencies)
 *   4. `@ffmpeg-installer/ffmpeg` (the binary ships inside the npm package; an old 2018 build, so
 *      it is used only if it has the flac, libopus and libmp3lame encoders)
 *   5. `ffmpeg` on PATH
 * Both npm packages are optional dependencies; their absence is normal. A path given explicitly
 * (1 or 2) that is not usable is an error: the rest of the chain is not tried behind the user's back.
 */
export type FfmpegSource = 'option' | 'env' | 'ffmpeg-static' | '@ffmpeg-installer/ffmpeg' | 'PATH';

export interface ResolvedFfmpeg {
  path: string;
  source: FfmpegSource;
  /** From `ffmpeg -version`: '5.1.6-0+deb12u1', 'N-47683-g0e8eb07980-static', … */
  version: string;
}

export interface ResolveFfmpegOptions {
  ffmpegPath?: string;
  /** The environment read for TESSERA_FFMPEG and PATH. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The optional npm packages looked at, in order. Default ['ffmpeg-static', '@ffmpeg-installer/ffmpeg'] (tests replace them). */
  packages?: readonly string[];
}

const DEFAULT_PACKAGES = ['ffmpeg-static', '@ffmpeg-installer/ffmpeg'];
/** The installer's build is checked for these (write-time encoders Tessera uses). */
export const REQUIRED_ENCODERS = ['flac', 'libopus', 'libmp3lame'];
const PROBE_TIMEOUT_MS = 15_000;

const resolved = new Map<string, ResolvedFfmpeg>();
const encoderLists = new Map<string, readonly string[]>();
const require = createRequire(import.meta.url);

/** Finds a usable ffmpeg (cached per option, TESSERA_FFMPEG and PATH), or throws FfmpegNotFoundError listing every link tried. */
export function resolveFfmpeg(options: ResolveFfmpegOptions = {}): ResolvedFfmpeg {
  const env = options.env ?? process.env;
  const packages = options.packages ?? DEFAULT_PACKAGES;
  const key = [options.ffmpegPath ?? '', env.TESSERA_FFMPEG ?? '', env.PATH ?? '', ...packages].join('\0');
  const cached = resolved.get(key);
  if (cached !== undefined) return cached;
  const found = findFfmpeg(options.ffmpegPath, env, packages);
  resolved.set(key, found);
  return found;
}

function findFfmpeg(ffmpegPath: string | undefined, env: Readonly<Record<string, string | undefined>>, packages: readonly string[]): ResolvedFfmpeg {
  const attempts: FfmpegAttempt[] = [];
  const explicit: [FfmpegSource, string, string | undefined][] = [
    ['option', 'ffmpegPath option', ffmpegPath],
    ['env', 'TESSERA_FFMPEG', env.TESSERA_FFMPEG === '' ? undefined : env.TESSERA_FFMPEG],
  ];
  for (const [source, link, path] of explicit) {
    if (path === undefined) {
      attempts.push({ link, reason: source === 'option' ? 'not given' : 'not set' });
      continue;
    }
    const problem = usableProblem(path);
    if (problem === undefined) {
      const probe = probeVersion(path);
      if (typeof probe === 'object') return { path, source, version: probe.version };
      attempts.push({ link, path, reason: probe });
    } else {
      attempts.push({ link, path, reason: problem });
    }
    throw new FfmpegNotFoundError(attempts, `${link} is set, so the rest of the chain was not tried; fix or unset it`);
  }
  for (const name of packages) {
    const path = packagePath(name);
    if (typeof path === 'object') {
      attempts.push({ link: name, reason: path.problem });
      continue;
    }
    const problem = usableProblem(path);
    if (problem !== undefined) {
      attempts.push({ link: name, path, reason: name === 'ffmpeg-static' ? `${problem} (its install script downloads the binary; pnpm does not run it, npm does when online)` : problem });
      continue;
    }
    const probe = probeVersion(path);
    if (typeof probe === 'string') {
      attempts.push({ link: name, path, reason: probe });
      continue;
    }
    if (name === '@ffmpeg-installer/ffmpeg') {
      const encoders = listEncoders(path);
      const missing = REQUIRED_ENCODERS.filter((encoder) => !encoders.includes(encoder));
      if (missing.length > 0) {
        attempts.push({ link: name, path, reason: `its build lacks the ${missing.join(', ')} encoder(s)` });
        continue;
      }
    }
    return { path, source: name === 'ffmpeg-static' ? 'ffmpeg-static' : '@ffmpeg-installer/ffmpeg', version: probe.version };
  }
  const onPath = searchPath(env.PATH ?? '');
  if (onPath === undefined) {
    attempts.push({ link: 'PATH', reason: env.PATH === undefined || env.PATH === '' ? 'PATH is empty' : `no executable ffmpeg in ${env.PATH}` });
  } else {
    const probe = probeVersion(onPath);
    if (typeof probe === 'object') return { path: onPath, source: 'PATH', version: probe.version };
    attempts.push({ link: 'PATH', path: onPath, reason: probe });
  }
  throw new FfmpegNotFoundError(attempts);
}

function packagePath(name: string): string | { problem: string } {
  let exported: unknown;
  try {
    exported = require(name);
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { problem: code === 'MODULE_NOT_FOUND' ? 'not installed (optional dependency)' : `cannot be loaded: ${(error as Error).message}` };
  }
  const path = typeof exported === 'string' ? exported : (exported as { path?: unknown } | null)?.path;
  if (typeof path !== 'string' || path.length === 0) return { problem: 'installed, but gives no binary for this platform' };
  return path;
}

function usableProblem(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return 'not a file';
  } catch {
    return 'no such file';
  }
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return 'not executable';
  }
  return undefined;
}

function searchPath(pathVariable: string): string | undefined {
  const names = process.platform === 'win32' ? ['ffmpeg.exe', 'ffmpeg'] : ['ffmpeg'];
  for (const folder of pathVariable.split(delimiter)) {
    if (folder.length === 0) continue;
    for (const name of names) {
      const candidate = join(folder, name);
      if (usableProblem(candidate) === undefined) return candidate;
    }
  }
  return undefined;
}

function probeVersion(path: string): { version: string } | string {
  const result = spawnSync(path, ['-hide_banner', '-version'], { encoding: 'latin1', timeout: PROBE_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error !== undefined) return `cannot be run: ${result.error.message}`;
  if (result.status !== 0) return `\`ffmpeg -version\` exited with ${result.status ?? result.signal}`;
  const match = /ffmpeg version (\S+)/.exec(result.stdout);
  if (match === null) return 'is not ffmpeg (`-version` does not say "ffmpeg version")';
  return { version: match[1]! };
}

/** The audio and video encoders a binary has (`ffmpeg -encoders`), cached per path. */
export function listEncoders(path: string): readonly string[] {
  const cached = encoderLists.get(path);
  if (cached !== undefined) return cached;
  const result = spawnSync(path, ['-hide_banner', '-encoders'], { encoding: 'latin1', timeout: PROBE_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
  const encoders: string[] = [];
  if (result.status === 0) {
    for (const line of result.stdout.split('\n')) {
      const match = /^ [VAS][A-Z.]{5} (\S+)/.exec(line);
      if (match !== null) encoders.push(match[1]!);
    }
  }
  encoderLists.set(path, encoders);
  return encoders;
}
