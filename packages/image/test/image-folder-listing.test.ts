/** listImageFolder: typed errors for folders that are not image folders, and the files it leaves out. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listImageFolder } from '@tessera/image';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let directory: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-image-listing-'));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('listImageFolder', () => {
  it('counts what it leaves out: other extensions, hidden files, files in ROOT, dangling links; hidden folders are not entered', () => {
    const root = join(directory, 'counted');
    mkdirSync(join(root, 'cat', '.git'), { recursive: true });
    mkdirSync(join(root, 'dog'), { recursive: true });
    writeFileSync(join(root, 'cat', '0.jpg'), 'x');
    writeFileSync(join(root, 'cat', 'notes.txt'), 'x');
    writeFileSync(join(root, 'cat', '.git', 'HEAD.jpg'), 'x');
    writeFileSync(join(root, 'dog', '.DS_Store'), 'x');
    writeFileSync(join(root, 'dog', '1.PNG'), 'x');
    writeFileSync(join(root, 'README.md'), 'x');
    symlinkSync(join(root, 'missing.jpg'), join(root, 'dog', 'dangling.jpg'));
    const listing = listImageFolder(root);
    expect(listing.classes).toEqual(['cat', 'dog']);
    expect(listing.entries.map((entry) => entry.path.slice(root.length + 1))).toEqual(['cat/0.jpg', 'dog/1.PNG']);
    expect(listing.ignoredFiles).toBe(4);
    expect(listing.ignoredExamples).toEqual([join(root, 'README.md'), join(root, 'cat', 'notes.txt'), join(root, 'dog', '.DS_Store'), join(root, 'dog', 'dangling.jpg')]);
  });

  it('a missing folder or a file is E_IO; no class subfolders or no images is E_ARGUMENT', () => {
    expect(() => listImageFolder(join(directory, 'nodir'))).toThrow(expect.objectContaining({ code: 'E_IO', message: expect.stringContaining('cannot read the image folder') }));
    const file = join(directory, 'file.jpg');
    writeFileSync(file, 'x');
    expect(() => listImageFolder(file)).toThrow(expect.objectContaining({ code: 'E_IO', message: `${file} is not a folder (a file); give the image folder: ROOT/<class>/<image files>` }));
    const flat = join(directory, 'flat');
    mkdirSync(flat);
    writeFileSync(join(flat, 'a.jpg'), 'x');
    expect(() => listImageFolder(flat)).toThrow(expect.objectContaining({ code: 'E_ARGUMENT', message: expect.stringContaining('has no class subfolders (it holds 1 image file directly)') }));
    const noImages = join(directory, 'no-images');
    mkdirSync(join(noImages, 'cat'), { recursive: true });
    expect(() => listImageFolder(noImages)).toThrow(expect.objectContaining({ code: 'E_ARGUMENT', message: expect.stringContaining('has 1 class subfolder but no image files below them (0 other files skipped)') }));
  });
});
