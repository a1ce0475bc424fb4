import { rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PluginError } from '@tessera/core';
import { ioError } from '@tessera/core/internals';
import type { TextPackage } from './load-text-package.js';
import { type Shard, shardRange } from './shard-option.js';

/**
 * The documents of one shard of a `tessera build text`, staged for @tessera/text's
 * buildTextDataset, which reads its inputs itself and takes no slice of them.
 *
 * The unit of a text shard is the input document (a file, a line or a JSON line, as the format
 * says; never a packed window): the documents are enumerated exactly as an unsharded build reads
 * them (the package's own listInputFiles then readDocuments, empty documents skipped), shard I keeps
 * the slice of shard-option.ts, and those documents are written, in order, as JSON lines
 * `{"text": …}` to a temporary file beside the output, which buildTextDataset then reads with
 * format jsonl. A document is stored as a JSON string, so it comes back byte for byte (line breaks,
 * `\r`, any Unicode) and every raw, tokens or hierarchical sample equals the unsharded build's; a
 * packed shard packs its own documents into windows (windows never span two shards).
 *
 * Costs: every shard reads every document twice (once to count them, once to copy its slice), and
 * writes its own slice once more; nothing is tokenized twice.
 */
export interface TextShardInput {
  /** The temporary JSON Lines file to give buildTextDataset (format jsonl, key `text`). */
  readonly path: string;
  /** The real input files, all of them (every shard enumerates them all). */
  readonly inputFiles: number;
  /** Documents in all the inputs, and the shard's slice of them: [firstDocument, firstDocument + documents). */
  readonly totalDocuments: number;
  readonly firstDocument: number;
  readonly documents: number;
  /** Removes the temporary file (idempotent). */
  remove(): void;
}

/** Staged lines are written in batches of about this many UTF-16 code units. */
const FLUSH_LENGTH = 1 << 20;

/** The JSON key the staged lines hold the text under. */
export const TEXT_SHARD_KEY = 'text';

export async function stageTextShard(
  text: TextPackage,
  options: { inputs: readonly string[]; output: string; format?: string; jsonKey?: string; cwd: string; shard: Shard },
): Promise<TextShardInput> {
  const { listInputFiles, readDocuments } = text;
  if (typeof listInputFiles !== 'function' || typeof readDocuments !== 'function') {
    throw new PluginError('E_PLUGIN', '@tessera/text has no listInputFiles/readDocuments, which --shard needs; install a matching version: npm install @tessera/text', {
      plugin: '@tessera/text',
    });
  }
  const files = listInputFiles(options.inputs, { format: options.format, cwd: options.cwd });
  let totalDocuments = 0;
  for await (const _document of readDocuments(files, { jsonKey: options.jsonKey })) totalDocuments++;
  const { start, end } = shardRange(totalDocuments, options.shard);

  // Beside the output (same file system as the builder's own temporaries), named after it, the process and the shard.
  const path = join(dirname(options.output), `.${basename(options.output)}.${process.pid}.shard-${options.shard.index}-of-${options.shard.count}.jsonl`);
  const remove = () => rmSync(path, { force: true });
  // Reading errors (a bad line, a vanished file) pass through as they are; writing errors are E_IO on the staged file.
  const write = async <T>(operation: Promise<T>): Promise<T> => operation.catch((error: unknown) => Promise.reject(ioError(error, 'write the shard\'s documents to', path)));
  try {
    const handle = await write(open(path, 'w'));
    try {
      let pending = '';
      let index = 0;
      for await (const document of readDocuments(files, { jsonKey: options.jsonKey })) {
        if (index >= end) break;
        if (index++ < start) continue;
        pending += `${JSON.stringify({ [TEXT_SHARD_KEY]: document })}\n`;
        if (pending.length >= FLUSH_LENGTH) {
          await write(handle.write(pending));
          pending = '';
        }
      }
      if (pending.length > 0) await write(handle.write(pending));
    } finally {
      await handle.close();
    }
  } catch (error) {
    remove();
    throw error;
  }
  return { path, inputFiles: files.length, totalDocuments, firstDocument: start, documents: end - start, remove };
}
