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
 *      it is used only if it has the encoders and decoders the caller requires)
 *   5. `ffmpeg` on PATH
 * Both npm packages are optional dependencies of @tessera/ffmpeg; their absence is normal. A path
 * given explicitly (1 or 2) that is not usable is an error: the rest of the chain is not tried
 * behind the user's back. Used by @tessera/audio (write time) and @tessera/video (its fallback backend).
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
  /**
   * Encoders (`ffmpeg -encoders` names) and decoders the caller needs: @ffmpeg-installer/ffmpeg's old
   * build is skipped when it lacks one (the chain goes on to PATH). Default none.
   */
  requiredEncoders?: readonly string[];
  requiredDecoders?: readonly string[];
  /** What ffmpeg is needed for, in FfmpegNotFoundError's message: 'to decode, resample and encode audio'. */
  purpose?: string;
}

const DEFAULT_PACKAGES = ['ffmpeg-static', '@ffmpeg-installer/ffmpeg'];
const PROBE_TIMEOUT_MS = 15_000;

const resolved = new Map<string, ResolvedFfmpeg>();
const codecLists = new Map<string, readonly string[]>();
const require = createRequire(import.meta.url);

/** Finds a usable ffmpeg (cached per option, TESSERA_FFMPEG and PATH), or throws FfmpegNotFoundError listing every link tried. */
export function resolveFfmpeg(options: ResolveFfmpegOptions = {}): ResolvedFfmpeg {
  const env = options.env ?? process.env;
  const packages = options.packages ?? DEFAULT_PACKAGES;
  const required = { encoders: options.requiredEncoders ?? [], decoders: options.requiredDecoders ?? [] };
  const key = [options.ffmpegPath ?? '', env.TESSERA_FFMPEG ?? '', env.PATH ?? '', ...packages, '|', ...required.encoders, '|', ...required.decoders].join('\0');
  const cached = resolved.get(key);
  if (cached !== undefined) return cached;
  const found = findFfmpeg(options.ffmpegPath, env, packages, required, options.purpose);
  resolved.set(key, found);
  return found;
}

interface Required {
  encoders: readonly string[];
  decoders: readonly string[];
}

function findFfmpeg(ffmpegPath: string | undefined, env: Readonly<Record<string, string | undefined>>, packages: readonly string[], required: Required, purpose: string | undefined): ResolvedFfmpeg {
  const notFound = (note?: string) => new FfmpegNotFoundError(attempts, note, purpose);
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
    throw notFound(`${link} is set, so the rest of the chain was not tried; fix or unset it`);
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
      const decoders = listDecoders(path);
      const missing = [
        ...required.encoders.filter((encoder) => !encoders.includes(encoder)).map((encoder) => `the ${encoder} encoder`),
        ...required.decoders.filter((decoder) => !decoders.includes(decoder)).map((decoder) => `the ${decoder} decoder`),
      ];
      if (missing.length > 0) {
        attempts.push({ link: name, path, reason: `its build (${probe.version}) lacks ${missing.join(', ')}` });
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
  throw notFound();
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

/** The encoders a binary has (`ffmpeg -encoders` names: 'flac', 'libopus', 'libx264', …), cached per path. */
export function listEncoders(path: string): readonly string[] {
  return listCodecs(path, 'encoders');
}

/** The decoders a binary has (`ffmpeg -decoders` names: 'h264', 'hevc', 'vp9', 'libdav1d', …), cached per path. */
export function listDecoders(path: string): readonly string[] {
  return listCodecs(path, 'decoders');
}

function listCodecs(path: string, kind: 'encoders' | 'decoders'): readonly string[] {
  const key = `${kind}\0${path}`;
  const cached = codecLists.get(key);
  if (cached !== undefined) return cached;
  const result = spawnSync(path, ['-hide_banner', `-${kind}`], { encoding: 'latin1', timeout: PROBE_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
  const codecs: string[] = [];
  if (result.status === 0) {
    for (const line of result.stdout.split('\n')) {
      const match = /^ [VAS][A-Z.]{5} (\S+)/.exec(line);
      if (match !== null) codecs.push(match[1]!);
    }
  }
  codecLists.set(key, codecs);
  return codecs;
}

/** Command-line spellings that changed across the ffmpeg versions the chain can give. */
export interface FfmpegOptionSpellings {
  /**
   * Passing every decoded frame through unchanged: `-fps_mode passthrough` (ffmpeg ≥ 5.1) or
   * `-vsync 0` (older builds, e.g. @ffmpeg-installer/ffmpeg's 2018 one). Without it, rawvideo output
   * duplicates or drops frames to a constant rate — silently, often with the right count.
   */
  passthrough: readonly string[];
}

const spellings = new Map<string, FfmpegOptionSpellings>();

/** Which spellings `path` takes, detected once per binary from `ffmpeg -h long`. */
export function ffmpegOptionSpellings(path: string): FfmpegOptionSpellings {
  const cached = spellings.get(path);
  if (cached !== undefined) return cached;
  const result = spawnSync(path, ['-hide_banner', '-h', 'long'], { encoding: 'latin1', timeout: PROBE_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
  const help = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  const found: FfmpegOptionSpellings = { passthrough: /^-fps_mode\b/m.test(help) ? ['-fps_mode', 'passthrough'] : ['-vsync', '0'] };
  spellings.set(path, found);
  return found;
}
