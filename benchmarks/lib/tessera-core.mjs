/**
 * The @tessera/core the benchmarks measure: the workspace build by default, or the module named by
 * TESSERA_BENCH_CORE (a path to another build's dist/index.js), to A/B a patch without touching the
 * workspace: copy packages/core elsewhere, change it, build it, point this variable at it.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const override = process.env.TESSERA_BENCH_CORE;
const specifier = override === undefined || override === '' ? '@tessera/core' : pathToFileURL(isAbsolute(override) ? override : resolve(override)).href;

/** The module namespace of @tessera/core (or of the override). */
export const core = await import(specifier);
/** Its `@tessera/core/internals` (order contexts and other helpers the docs do not promise), from the same build. */
export const coreInternals = await import(override === undefined || override === '' ? '@tessera/core/internals' : new URL('internals.js', specifier).href);
/** Where it came from, for the report. */
export const coreSource = override === undefined || override === '' ? '@tessera/core (workspace)' : specifier;
