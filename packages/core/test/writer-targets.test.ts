import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bytes, int64, openDataset, writeDataset } from '../src/index.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-writer-targets-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const schema = { id: int64(), data: bytes() };
const samples = Array.from({ length: 20 }, (_, index) => ({ id: index, data: `value ${index}` }));
const DIST_INDEX = pathToFileURL(resolve(import.meta.dirname, '../dist/index.js')).href;

const temporaryFiles = (folder: string) => readdirSync(folder).filter((name) => name.endsWith('.tmp'));

function readIds(path: string): number[] {
  const dataset = openDataset(path);
  try {
    return Array.from({ length: dataset.numSamples }, (_, index) => dataset.read(index, 'id') as number);
  } finally {
    dataset.close();
  }
}

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return promise.then(
    () => {
      throw new Error('expected the write to fail');
    },
    (error: Error & { code?: string }) => error,
  );
}

describe('writer targets that are not regular files', () => {
  it('refuses a FIFO and leaves it a FIFO, for workers 0 and 2', async () => {
    const fifo = join(directory, 'pipe.beton');
    execFileSync('mkfifo', [fifo]);
    for (const workers of [0, 2]) {
      const error = await failure(writeDataset(fifo, schema, samples, { workers }));
      expect(error.code).toBe('E_IO');
      expect(error.message).toContain(fifo);
      expect(error.message).toContain('a FIFO');
      expect(lstatSync(fifo).isFIFO()).toBe(true);
    }
    expect(temporaryFiles(directory)).toEqual([]);
  });

  it('refuses a folder', async () => {
    const folder = join(directory, 'folder.beton');
    mkdirSync(folder);
    const error = await failure(writeDataset(folder, schema, samples));
    expect(error.code).toBe('E_IO');
    expect(error.message).toContain('a folder');
    expect(statSync(folder).isDirectory()).toBe(true);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('refuses /dev/null, directly and through a symbolic link, and leaves the device alone', async () => {
    const before = statSync('/dev/null');
    const link = join(directory, 'null-link.beton');
    symlinkSync('/dev/null', link);
    for (const target of ['/dev/null', link]) {
      const error = await failure(writeDataset(target, schema, samples, { workers: 2 }));
      expect(error.code).toBe('E_IO');
      expect(error.message).toContain('/dev/null');
      expect(error.message).toContain('a character device');
    }
    const after = statSync('/dev/null');
    expect(after.isCharacterDevice()).toBe(true);
    expect(after.rdev).toBe(before.rdev);
    expect(after.ino).toBe(before.ino);
    expect(readlinkSync(link)).toBe('/dev/null');
    expect(temporaryFiles(directory)).toEqual([]);
  });

  it('writes through a symbolic link: the link stays, the file it names is replaced with its mode kept', async () => {
    const real = join(directory, 'real.beton');
    const link = join(directory, 'link.beton');
    await writeDataset(real, schema, samples.slice(0, 3));
    chmodSync(real, 0o600);
    symlinkSync('real.beton', link);
    await writeDataset(link, schema, samples, { workers: 0 });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('real.beton');
    expect(statSync(real).mode & 0o777).toBe(0o600);
    expect(readIds(real)).toEqual(samples.map((sample) => sample.id));
    expect(temporaryFiles(directory)).toEqual([]);
  });

  it('writes through a dangling symbolic link to the file it names', async () => {
    const link = join(directory, 'dangling.beton');
    symlinkSync('dangling-target.beton', link);
    await writeDataset(link, schema, samples);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readIds(join(directory, 'dangling-target.beton'))).toHaveLength(samples.length);
  });

  it('gives a new file 0o666 minus the umask and keeps the mode of a replaced one', async () => {
    const path = join(directory, 'modes.beton');
    await writeDataset(path, schema, samples);
    const umask = process.umask();
    expect(statSync(path).mode & 0o777).toBe(0o666 & ~umask);
    chmodSync(path, 0o640);
    await writeDataset(path, schema, samples.slice(0, 2));
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readIds(path)).toEqual([0, 1]);
  });
});

describe('writer I/O failures', () => {
  it('a missing folder is E_IO naming the path, and the process exits (workers 2, built core)', () => {
    const target = join(directory, 'no-such-folder', 'out.beton');
    const script = `
      import { writeDataset, int64 } from ${JSON.stringify(DIST_INDEX)};
      try {
        await writeDataset(${JSON.stringify(target)}, { id: int64() }, [{ id: 1 }, { id: 2 }], { workers: 2 });
        console.log('WROTE');
      } catch (error) {
        console.log(JSON.stringify({ code: error.code, message: error.message }));
      }
    `;
    const started = Date.now();
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000, encoding: 'utf8' });
    expect(Date.now() - started).toBeLessThan(10_000);
    const result = JSON.parse(output.trim()) as { code: string; message: string };
    expect(result.code).toBe('E_IO');
    expect(result.message).toContain(target);
    expect(result.message).toContain('no such file or folder');
  });

  it('a path through a regular file (ENOTDIR) and a folder as target (EISDIR via a link) leave no temporary file and the old file intact', async () => {
    const plain = join(directory, 'plain-file');
    writeFileSync(plain, 'not a folder');
    const error = await failure(writeDataset(join(plain, 'out.beton'), schema, samples, { workers: 2 }));
    expect(error.code).toBe('E_IO');
    expect(error.message).toContain('a part of the path is not a folder');
    expect(readFileSync(plain, 'utf8')).toBe('not a folder');

    const existing = join(directory, 'kept.beton');
    await writeDataset(existing, schema, samples);
    const before = readFileSync(existing);
    const folderLink = join(directory, 'folder-link.beton');
    mkdirSync(join(directory, 'a-folder'));
    symlinkSync('a-folder', folderLink);
    const throughLink = await failure(writeDataset(folderLink, schema, samples));
    expect(throughLink.code).toBe('E_IO');
    expect(throughLink.message).toContain('a folder');
    expect(throughLink.message).toContain('symbolic link');
    expect(readFileSync(existing).equals(before)).toBe(true);
    expect(temporaryFiles(directory)).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)('a folder without write permission is E_IO (EACCES)', async () => {
    const locked = join(directory, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    try {
      const error = await failure(writeDataset(join(locked, 'out.beton'), schema, samples));
      expect(error.code).toBe('E_IO');
      expect(error.message).toContain('permission denied');
      expect(readdirSync(locked)).toEqual([]);
    } finally {
      chmodSync(locked, 0o700);
    }
  });
});

describe('temporary files of killed writers', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('the next write to the same target removes the temporary file of a writer killed with SIGKILL, not one of a live process', async () => {
    const folder = mkdtempSync(join(directory, 'killed-'));
    const target = join(folder, 'big.beton');
    // A writer that never finishes: its source yields 64 KiB samples slowly.
    const script = `
      import { writeDataset, int64, bytes } from ${JSON.stringify(DIST_INDEX)};
      async function* slow() {
        for (let id = 0; ; id++) {
          yield { id, data: new Uint8Array(65536).fill(id & 255) };
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      await writeDataset(${JSON.stringify(target)}, { id: int64(), data: bytes() }, slow(), { workers: 0, chunkSize: 4 });
    `;
    const writer = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    children.push(writer);
    const deadline = Date.now() + 20_000;
    while (temporaryFiles(folder).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    // Let it write some pages, then kill it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exited = new Promise((resolve) => writer.once('exit', resolve));
    writer.kill('SIGKILL');
    await exited;
    const stale = temporaryFiles(folder);
    expect(stale.length).toBeGreaterThan(0);
    for (const name of stale) expect(name).toMatch(new RegExp(`^\\.big\\.beton\\.${writer.pid}\\.[0-9a-f]{8}\\.(pages\\.)?tmp$`));

    // A live process (sleeping) owns another temporary file; another target's stale file is not ours either.
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    children.push(sleeper);
    const live = `.big.beton.${sleeper.pid}.0123abcd.tmp`;
    const otherTarget = `.other.beton.${writer.pid}.0123abcd.tmp`;
    const notOurPattern = `.big.beton.${writer.pid}.tmp`;
    for (const name of [live, otherTarget, notOurPattern]) writeFileSync(join(folder, name), 'x');

    await writeDataset(target, schema, samples, { workers: 0 });
    expect(readIds(target)).toEqual(samples.map((sample) => sample.id));
    const left = temporaryFiles(folder).sort();
    expect(left).toEqual([live, notOurPattern, otherTarget].sort());
    sleeper.kill('SIGKILL');
  }, 40_000);
});

describe('existence checks', () => {
  it('the scratch spool of an unknown-length source sits next to the resolved target and is removed', async () => {
    const real = join(directory, 'spool-real.beton');
    const link = join(directory, 'spool-link.beton');
    symlinkSync('spool-real.beton', link);
    await writeDataset(
      link,
      schema,
      (function* () {
        yield* samples;
      })(),
    );
    expect(existsSync(real)).toBe(true);
    expect(temporaryFiles(directory)).toEqual([]);
  });
});
