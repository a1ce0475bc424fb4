/**
 * `tessera build image-folder` on the folders users actually have: missing, flat, empty, a FIFO,
 * with notes and .DS_Store files and a corrupt JPEG. Runs the built CLI in its own process (see
 * build-image-folder.test.ts for why); images are made with sharp in a temp dir.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDuration } from '../src/progress-bar.js';
import { ONE_LINE_ERROR } from './helpers/run-captured.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
/** sharp is @tessera/image's dependency; resolved from there. */
const sharp = createRequire(new URL('../../image/package.json', import.meta.url))('sharp') as (
  input: Buffer,
  options: { raw: { width: number; height: number; channels: 3 } },
) => { jpeg(options: { quality: number }): { toBuffer(): Promise<Buffer> } };

let directory: string;
/** a/0.jpg a/1.jpg a/notes.txt b/.DS_Store b/0.jpg b/1.jpg b/broken.jpg */
let root: string;
let broken: string;

async function jpeg(seed: number): Promise<Buffer> {
  const width = 48;
  const height = 32;
  const pixels = Buffer.alloc(width * height * 3);
  for (let index = 0; index < pixels.length; index++) pixels[index] = (index * (seed + 3) + seed * 17) & 0xff;
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs the built CLI; a run still going after 10 s is killed and reported as timed out. */
function runCli(args: readonly string[], cwd = directory): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, TESSERA_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, 10_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, timedOut });
    });
  });
}

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-image-input-'));
  root = join(directory, 'images');
  let seed = 0;
  for (const name of ['a', 'b']) {
    mkdirSync(join(root, name), { recursive: true });
    for (let index = 0; index < 2; index++) writeFileSync(join(root, name, `${index}.jpg`), await jpeg(seed++));
  }
  writeFileSync(join(root, 'a', 'notes.txt'), 'not an image');
  writeFileSync(join(root, 'b', '.DS_Store'), 'Finder metadata');
  const valid = await jpeg(9);
  broken = join(root, 'b', 'broken.jpg');
  writeFileSync(broken, valid.subarray(0, valid.length >> 1));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('tessera build image-folder: folders that are not image folders', () => {
  it('a missing folder is E_IO with the operation, the path and a fix (not E_INTERNAL)', async () => {
    const run = await runCli(['build', 'image-folder', 'nodir', 'x.beton', '-q']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(ONE_LINE_ERROR);
    expect(run.stderr).toBe(
      `tessera: E_IO: cannot read the image folder ${join(directory, 'nodir')}: ENOENT: no such file or directory, stat '${join(directory, 'nodir')}' (no such file or folder: check the path)\n`,
    );
  });

  it('a flat folder, an empty folder and class folders without images are E_ARGUMENT saying which layout is expected', async () => {
    const flat = join(directory, 'flat');
    mkdirSync(flat);
    writeFileSync(join(flat, '0.jpg'), await jpeg(1));
    writeFileSync(join(flat, '1.jpg'), await jpeg(2));
    const empty = join(directory, 'empty');
    mkdirSync(empty);
    const textOnly = join(directory, 'text-only');
    mkdirSync(join(textOnly, 'docs'), { recursive: true });
    writeFileSync(join(textOnly, 'docs', 'a.txt'), 'text');
    const expected: Array<[string, string]> = [
      [flat, `${flat} has no class subfolders (it holds 2 image files directly); expected ROOT/<class>/<image files>`],
      [empty, `${empty} has no class subfolders (it is empty); expected ROOT/<class>/<image files>`],
      [textOnly, `${textOnly} has 1 class subfolder but no image files below them (1 other file skipped, e.g. ${join(textOnly, 'docs', 'a.txt')}); images are files ending in .jpg`],
    ];
    for (const [folder, message] of expected) {
      const run = await runCli(['build', 'image-folder', folder, join(directory, 'x.beton'), '-q']);
      expect(run.status, folder).toBe(1);
      expect(run.stderr).toMatch(ONE_LINE_ERROR);
      expect(run.stderr.startsWith(`tessera: E_ARGUMENT: ${message}`), run.stderr).toBe(true);
    }
    expect((await runCli(['build', 'image-folder', flat, join(directory, 'x.beton'), '-q'])).stderr).toContain(`move the images into subfolders, e.g. ${join(flat, 'all')}/`);
  });

  it('a FIFO as the folder is E_IO at once, without blocking', async () => {
    const fifo = join(directory, 'images.fifo');
    const made = await new Promise<number | null>((resolve) => spawn('mkfifo', [fifo]).on('close', resolve));
    expect(made).toBe(0);
    const run = await runCli(['build', 'image-folder', fifo, join(directory, 'x.beton'), '-q']);
    expect(run.timedOut).toBe(false);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`tessera: E_IO: ${fifo} is not a folder (a FIFO); give the image folder: ROOT/<class>/<image files>\n`);
  });
});

describe('tessera build image-folder: a corrupt image and files that are not images', () => {
  it('fails with E_ENCODE suggesting --skip-invalid; the progress says "stopped at", never "done"', async () => {
    const output = join(directory, 'strict.beton');
    const run = await runCli(['build', 'image-folder', root, output, '--workers', '0']);
    expect(run.status).toBe(1);
    const lines = run.stderr.trimEnd().split('\n');
    const errorLine = lines.at(-1)!;
    expect(`${errorLine}\n`).toMatch(ONE_LINE_ERROR);
    expect(errorLine).toMatch(/^tessera: E_ENCODE: plugin @tessera\/image, encode\(\) of field "image" sample 4: cannot decode .*broken\.jpg/);
    expect(errorLine).toMatch(/; to leave unreadable images out \(and list them\), run again with --skip-invalid$/);
    const progress = lines.slice(0, -1);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.some((line) => line.includes('done'))).toBe(false);
    expect(progress.at(-1)).toMatch(/^writing strict\.beton: stopped at [0-4]\/5 images, .* after .*, 2 non-image files skipped$/);
    expect(run.stdout).toBe('');
  });

  it('--skip-invalid already given: no hint; the skipped image and the 2 non-image files are reported', async () => {
    const output = join(directory, 'lenient.beton');
    const run = await runCli(['build', 'image-folder', root, '-o', output, '--skip-invalid', '--workers', '0', '--json']);
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({
      numSamples: 4,
      numImages: 5,
      classes: ['a', 'b'],
      skipped: [{ path: broken, label: 1 }],
      ignoredFiles: 2,
      ignoredExamples: [join(root, 'a', 'notes.txt'), join(root, 'b', '.DS_Store')],
    });
    // One clock: the summary's phase times are the ones the progress lines print.
    expect(Object.keys(summary.phaseElapsedMs)).toEqual(['validating', 'writing']);
    expect(summary.elapsedMs).toBeGreaterThanOrEqual(summary.phaseElapsedMs.validating + summary.phaseElapsedMs.writing);
    const stderr = run.stderr.split('\n');
    expect(stderr).toContain(`validating lenient.beton: done, 5/5 images in ${formatDuration(summary.phaseElapsedMs.validating)}, 2 non-image files skipped`);
    expect(stderr.some((line) => line.startsWith(`writing lenient.beton: done, 4/4 images, `) && line.endsWith(` in ${formatDuration(summary.phaseElapsedMs.writing)}, 2 non-image files skipped`))).toBe(
      true,
    );

    const text = await runCli(['build', 'image-folder', root, output, '--skip-invalid', '--workers', '0', '-q']);
    expect(text.status).toBe(0);
    expect(text.stderr).toBe('');
    const [first, ...rest] = text.stdout.trimEnd().split('\n');
    expect(first).toMatch(/^wrote .*lenient\.beton: 4 images in 2 classes, .* \(validating .*, writing .*; \d+ images\/s, JPEG backend (native|wasm)\); 1 unreadable image skipped, 2 non-image files skipped$/);
    expect(rest).toEqual([expect.stringMatching(/^skipped .*broken\.jpg: /), `not images (left out): ${join(root, 'a', 'notes.txt')}, ${join(root, 'b', '.DS_Store')}`]);
  });
});

describe('tessera build image-folder: the output argument', () => {
  it('accepts OUT.beton or -o OUT.beton, both when they agree; refuses two different files or none (exit 2)', async () => {
    const folder = join(directory, 'valid');
    mkdirSync(join(folder, 'only'), { recursive: true });
    writeFileSync(join(folder, 'only', '0.jpg'), await jpeg(5));
    const byOption = await runCli(['build', 'image-folder', folder, '-o', 'by-option.beton', '-q']);
    expect(byOption.stderr).toBe('');
    expect(byOption.status).toBe(0);
    expect(byOption.stdout).toMatch(/^wrote .*by-option\.beton: 1 images in 1 classes/);
    const both = await runCli(['build', 'image-folder', folder, 'same.beton', '--output', './same.beton', '-q']);
    expect(both.status).toBe(0);
    const differ = await runCli(['build', 'image-folder', folder, 'a.beton', '-o', 'b.beton', '-q']);
    expect(differ.status).toBe(2);
    expect(differ.stderr).toMatch(ONE_LINE_ERROR);
    expect(differ.stderr).toContain('E_USAGE: the output is given twice, as "a.beton" and as -o "b.beton"; give it once');
    const none = await runCli(['build', 'image-folder', folder, '-q']);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain(
      'E_USAGE: tessera build image-folder needs an output file: tessera build image-folder DIR OUT.beton, or DIR -o OUT.beton; run `tessera build image-folder --help` for usage',
    );
    const help = await runCli(['build', 'image-folder', '--help']);
    expect(help.stdout).toMatch(/^Usage: tessera build image-folder DIR \[OUT\.beton\] \[options\]$/m);
    expect(help.stdout).toMatch(/^ {2}-o, --output OUT\.beton +the file to write \(or give it as the last argument\)$/m);
  });
});
