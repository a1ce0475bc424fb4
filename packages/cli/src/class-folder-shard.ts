import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { TesseraError } from '@tessera/core';
import { ioError } from '@tessera/core/internals';
import { type Shard, describeShard, shardRange } from './shard-option.js';

/**
 * One shard of a class folder (ROOT/<class>/**\/<file>: `tessera build image-folder`), staged for a
 * plugin builder that lists the folder itself and takes no slice of it (@tessera/image's
 * buildImageFolderDataset).
 *
 * The plugin's own listing (its listImageFolder: classes sorted, files by class then path, as an
 * unsharded build orders them) is sliced as shard-option.ts says, and a staging folder beside the
 * output mirrors ROOT with symbolic links to the shard's files only, at the same relative paths, plus
 * every class folder, even those left empty in this shard. Listed again by the builder, the staging
 * folder gives the same classes, the same labels and the shard's files in the same order, so each
 * sample is the one the unsharded build writes at that position (the builder stores pixels and labels,
 * never paths). Paths in errors and summaries are mapped back to ROOT with `toSourcePath`.
 *
 * A shard left without files cannot be staged (the builder refuses a folder without files): it is
 * an E_ARGUMENT saying how many files there are, so the job array can be given a smaller N.
 */
export interface ClassFolderShard {
  /** The staging folder, to give the builder in place of ROOT. */
  readonly root: string;
  /** The shard's slice of the listing's files: [firstFile, firstFile + files) of totalFiles. */
  readonly firstFile: number;
  readonly files: number;
  readonly totalFiles: number;
  /** A path under the staging folder (or a message naming some) with ROOT in its place. */
  toSourcePath(text: string): string;
  /** Removes the staging folder and its links (never what they point to); idempotent. */
  remove(): void;
}

export interface ClassFolderListing {
  /** The class folder names, sorted (label = index). */
  readonly classes: readonly string[];
  /** Every file in canonical order, as paths below ROOT. */
  readonly entries: ReadonlyArray<{ readonly path: string }>;
}

export function stageClassFolderShard(options: { root: string; listing: ClassFolderListing; output: string; shard: Shard; what: string }): ClassFolderShard {
  const { root, listing, output, shard } = options;
  const { start, end } = shardRange(listing.entries.length, shard);
  if (start === end) {
    throw new TesseraError(
      'E_ARGUMENT',
      `${describeShard(shard)} of ${root} holds no ${options.what}: the folder has ${listing.entries.length}, fewer than the ${shard.count} shards; build it with --of ${Math.max(1, listing.entries.length)} or fewer`,
    );
  }
  const staged = join(dirname(output), `.${basename(output)}.${process.pid}.shard-${shard.index}-of-${shard.count}`);
  const remove = () => rmSync(staged, { recursive: true, force: true });
  remove();
  try {
    for (const name of listing.classes) mkdirSync(join(staged, name), { recursive: true });
    for (const entry of listing.entries.slice(start, end)) {
      const path = relative(root, entry.path);
      if (path.startsWith(`..${sep}`) || isAbsolute(path)) throw new TesseraError('E_INTERNAL', `internal: ${entry.path} is not below ${root}`);
      const link = join(staged, path);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(entry.path, link);
    }
  } catch (error) {
    remove();
    if (error instanceof TesseraError) throw error;
    throw ioError(error, 'stage the shard (symbolic links to its files) in', staged);
  }
  return {
    root: staged,
    firstFile: start,
    files: end - start,
    totalFiles: listing.entries.length,
    toSourcePath: (text) => text.replaceAll(staged, root),
    remove,
  };
}
