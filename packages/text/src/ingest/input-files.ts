import { readdirSync, realpathSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ArgumentError } from '@tessera/core';
import { ioError } from '@tessera/core/internals';

/** How documents are read from a file. */
export type TextInputFormat = 'txt-per-file' | 'txt-per-line' | 'jsonl';
export const TEXT_INPUT_FORMATS: readonly TextInputFormat[] = ['txt-per-file', 'txt-per-line', 'jsonl'];

export interface InputFile {
  path: string;
  byteLength: number;
  format: TextInputFormat;
}

const GLOB_CHARACTERS = /[*?[]/;

/** The format of a file: the one given, else jsonl for `.jsonl`/`.ndjson` and one document per file otherwise. */
export function formatOf(path: string, format: TextInputFormat | undefined): TextInputFormat {
  if (format !== undefined) return format;
  const extension = extname(path).toLowerCase();
  return extension === '.jsonl' || extension === '.ndjson' ? 'jsonl' : 'txt-per-file';
}

/**
 * Expands inputs — files, folders (every non-hidden file below them, recursively) and globs (`*`,
 * `?`, `**`, `[abc]`) — into a deterministic list: inputs in the order given, each expansion sorted
 * by path, every real file once (symbolic links to a file already listed are skipped).
 */
export function listInputFiles(inputs: string | readonly string[], options: { format?: TextInputFormat; cwd?: string } = {}): InputFile[] {
  const list = typeof inputs === 'string' ? [inputs] : inputs;
  if (!Array.isArray(list) || list.length === 0) throw new ArgumentError('inputs', 'give at least one file, folder or glob');
  if (options.format !== undefined && !TEXT_INPUT_FORMATS.includes(options.format)) {
    throw new ArgumentError('format', `must be one of ${TEXT_INPUT_FORMATS.join(', ')}, got ${JSON.stringify(options.format)}`);
  }
  const cwd = options.cwd ?? process.cwd();
  const seen = new Set<string>();
  const files: InputFile[] = [];
  const add = (path: string) => {
    const real = realpathSync(path);
    if (seen.has(real)) return;
    seen.add(real);
    files.push({ path, byteLength: statSync(real).size, format: formatOf(path, options.format) });
  };
  for (const input of list) {
    if (typeof input !== 'string' || input.length === 0) throw new ArgumentError('inputs', `each input must be a path or glob, got ${JSON.stringify(input)}`);
    const absolute = resolve(cwd, input);
    if (GLOB_CHARACTERS.test(input)) {
      const matches = expandGlob(absolute);
      if (matches.length === 0) throw new ArgumentError('inputs', `${input} matches no file`, 'E_IO');
      for (const match of matches) add(match);
      continue;
    }
    let stats: ReturnType<typeof statSync>;
    try {
      // stat, never open: opening a FIFO blocks until a writer appears.
      stats = statSync(absolute);
    } catch (error) {
      throw ioError(error, 'read the input', absolute);
    }
    if (stats.isDirectory()) {
      const found = walk(absolute);
      if (found.length === 0) throw new ArgumentError('inputs', `${absolute} holds no files`, 'E_IO');
      for (const file of found) add(file);
    } else if (stats.isFile()) {
      add(absolute);
    } else {
      throw new ArgumentError('inputs', `${absolute} is not a regular file (${stats.isFIFO() ? 'a FIFO' : stats.isSocket() ? 'a socket' : 'a device'}); give text files, folders or globs`, 'E_IO');
    }
  }
  return files;
}

/** Every non-hidden regular file below `directory` (links followed), sorted. */
function walk(directory: string): string[] {
  const files: string[] = [];
  const visit = (folder: string) => {
    const entries = readdirSync(folder).sort();
    for (const name of entries) {
      if (name.startsWith('.')) continue;
      const path = join(folder, name);
      let stats: ReturnType<typeof statSync>;
      try {
        stats = statSync(path);
      } catch {
        continue; // a dangling link
      }
      if (stats.isDirectory()) visit(path);
      else if (stats.isFile()) files.push(path);
    }
  };
  visit(directory);
  return files;
}

function expandGlob(pattern: string): string[] {
  const segments = pattern.split(sep);
  const firstGlob = segments.findIndex((segment) => GLOB_CHARACTERS.test(segment));
  const base = segments.slice(0, firstGlob).join(sep) || sep;
  const matcher = globToRegExp(segments.slice(firstGlob).join('/'));
  let candidates: string[];
  try {
    candidates = walk(base);
  } catch {
    return [];
  }
  return candidates.filter((file) => {
    const rest = relative(base, file).split(sep).join('/');
    return !isAbsolute(rest) && matcher.test(rest);
  });
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let index = 0; index < glob.length; index++) {
    const character = glob[index]!;
    if (character === '*') {
      if (glob[index + 1] === '*') {
        index++;
        if (glob[index + 1] === '/') {
          index++;
          source += '(?:[^/]*/)*';
        } else {
          source += '.*';
        }
      } else {
        source += '[^/]*';
      }
    } else if (character === '?') {
      source += '[^/]';
    } else if (character === '[') {
      const close = glob.indexOf(']', index + 1);
      if (close < 0) {
        source += '\\[';
      } else {
        const body = glob.slice(index + 1, close).replace(/\\/g, '\\\\');
        source += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        index = close;
      }
    } else {
      source += character.replace(/[.+^${}()|\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}
