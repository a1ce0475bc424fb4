import { basename, resolve } from 'node:path';
import { TesseraError, type TesseraErrorCode } from '@tessera/core';
import { type BuildProgress, createBuildProgress } from '../build-progress.js';
import type { Command } from '../command.js';
import { type OptionDefinitions, parseCommandLine } from '../command-line.js';
import { EXIT_CODE } from '../exit-code.js';
import { formatByteLength } from '../format-byte-length.js';
import { formatCommandHelp } from '../help-text.js';
import { stringifyJson } from '../json-lines.js';
import { type TextBuildProgress, type TextBuildSummary, importTextPackage } from '../load-text-package.js';
import { OUTPUT_OPTION, chooseOutput } from '../output-argument.js';
import { formatDuration } from '../progress-bar.js';
import { type Shard, SHARD_OPTIONS, describeShard, parsePageSize, parseShard, shardHelp } from '../shard-option.js';
import { TEXT_SHARD_KEY, type TextShardInput, stageTextShard } from '../text-shard-input.js';
import { UsageError } from '../usage-error.js';

const COMMAND = 'build text';
const FORMATS = ['txt-per-file', 'txt-per-line', 'jsonl'];
const FIELDS = ['raw', 'tokens', 'packed', 'hierarchical'];

const OPTIONS = {
  output: { ...OUTPUT_OPTION, description: 'the file to write (or give it as the last argument, ending in .beton)' },
  format: { type: 'string', valueName: 'FORMAT', description: `${FORMATS.join(' | ')} (default: jsonl for .jsonl files, one document per file otherwise)` },
  key: { type: 'string', valueName: 'KEY', description: 'the JSON key holding the text in .jsonl lines (default text)' },
  field: { type: 'string', valueName: 'KIND', description: `${FIELDS.join(' | ')} (default packed with --tokenizer, raw without)` },
  name: { type: 'string', valueName: 'NAME', description: 'the field name in the file (default text)' },
  tokenizer: { type: 'string', valueName: 'PATH', description: 'a local tokenizer.json (or its folder); needed by tokens and packed' },
  window: { type: 'string', valueName: 'T', description: 'packed: tokens per window (default 1024)' },
  separator: { type: 'string', valueName: 'TOKEN', description: "packed: the token after each document (default the tokenizer's eos_token; none for none)" },
  workers: { type: 'string', valueName: 'N', description: 'tokenizer threads (default: cores, at most 4; 0 tokenizes on the main thread)' },
  json: { type: 'boolean', description: 'print the summary as one JSON object' },
  quiet: { type: 'boolean', short: 'q', description: 'no progress on stderr' },
  ...SHARD_OPTIONS,
} as const satisfies OptionDefinitions;

const HELP_OPTION = { type: 'boolean', short: 'h', description: 'show this help' } as const;
const ALL_OPTIONS: OptionDefinitions = { ...OPTIONS, help: HELP_OPTION };

const DESCRIPTION = [
  'tessera build text reads documents from text files — one per file (txt-per-file), one per line',
  '(txt-per-line) or one per JSON line (jsonl, the string under --key) — from files, folders (every',
  'non-hidden file below them) and globs, and writes a .beton file with one text field:',
  '  raw           the UTF-8 text of each document',
  '  tokens        the token ids of each document (tokenized in parallel worker threads)',
  '  packed        language-model pretraining: documents tokenized, joined with the separator token',
  '                into one stream, stored in windows of T tokens (--window)',
  '  hierarchical  documents with their paragraphs and sentences (token ids with --tokenizer)',
  'Tokenizers are local files only (tokenizer.json and the tokenizer_config.json beside it).',
  'The output is -o OUT.beton or the last argument when it ends in .beton (both: they must agree).',
  'Needs the @tessera/text package (npm install @tessera/text).',
  '',
  'Progress goes to stderr; a summary to stdout. Exit codes: 0 written, 1 unreadable input or a',
  'failed write (the output is then not created or changed), 2 bad command line.',
  ...shardHelp(
    'input documents (files, lines or JSON lines, as --format says)',
    'A text shard is cut between documents, never inside a packed window: a packed shard packs its own documents. ' +
      'Every shard reads every input (to count the documents) and tokenizes only its own. A shard left with no documents writes a valid file of 0 samples.',
  ),
].join('\n');

/**
 * `tessera build text INPUT... OUT.beton` or `INPUT... -o OUT.beton` (`tessera build` hands it every argument after
 * `text`). Defined by hand rather than with defineCommand: it takes any number of inputs. Loads
 * @tessera/text only when run.
 */
export const buildTextCommand: Command = {
  name: 'build text',
  summary: 'text files (.txt, .jsonl) into raw, tokenized, packed or hierarchical text',
  positionalNames: ['INPUT...', '[OUT.beton]'],
  description: DESCRIPTION,
  options: ALL_OPTIONS,
  async execute(argv, context) {
    const helpIndex = argv.findIndex((argument) => argument === '--help' || argument === '-h' || argument === '--');
    if (helpIndex >= 0 && argv[helpIndex] !== '--') {
      context.stdout.write(formatCommandHelp(buildTextCommand));
      return EXIT_CODE.SUCCESS;
    }
    const { options, positionals } = parseCommandLine(argv, OPTIONS, COMMAND);
    // The output may be the last argument, like every build command; for text it must end in
    // .beton, so that `tessera build text a.txt b.txt` can never overwrite an input.
    const last = positionals.at(-1);
    const positionalOutput = last !== undefined && positionals.length > 1 && last.toLowerCase().endsWith('.beton') ? last : undefined;
    const inputs = positionalOutput === undefined ? positionals : positionals.slice(0, -1);
    if (inputs.length === 0) throw new UsageError('tessera build text needs at least one INPUT (a file, folder or glob)', COMMAND);
    const output = chooseOutput({
      positional: positionalOutput,
      option: options.output,
      cwd: context.cwd,
      command: COMMAND,
      inputs: 'INPUT...',
      positionalHint: 'a last argument is the output only when it ends in .beton',
    });
    const format = choice(options.format, FORMATS, 'format');
    const field = choice(options.field, FIELDS, 'field') ?? (options.tokenizer === undefined ? 'raw' : 'packed');
    if ((field === 'tokens' || field === 'packed') && options.tokenizer === undefined) {
      throw new UsageError(`--field ${field} needs --tokenizer PATH (a local tokenizer.json)`, COMMAND);
    }
    const windowLength = integer(options.window, 'window', 1);
    const workers = integer(options.workers, 'workers', 0);
    const shard = parseShard(options, COMMAND);
    const pageSize = parsePageSize(options['page-size'], COMMAND);
    const separator = options.separator === undefined ? undefined : options.separator === 'none' ? null : /^\d+$/.test(options.separator) ? Number(options.separator) : options.separator;

    const text = await importTextPackage(context.cwd);
    const progress = createBuildProgress({ target: basename(output), quiet: options.quiet, context });
    let summary: TextBuildSummary;
    let staged: TextShardInput | undefined;
    try {
      if (shard !== undefined) {
        progress.update('sharding', { done: 0, total: undefined, unit: 'documents' });
        staged = await stageTextShard(text, { inputs, output: resolve(context.cwd, output), format, jsonKey: options.key, cwd: context.cwd, shard });
      }
      summary = await text.buildTextDataset({
        inputs: staged === undefined ? inputs : [staged.path],
        output,
        format: staged === undefined ? format : 'jsonl',
        jsonKey: staged === undefined ? options.key : TEXT_SHARD_KEY,
        field,
        fieldName: options.name,
        tokenizer: options.tokenizer,
        windowLength,
        separator,
        workers,
        ...(pageSize === undefined ? {} : { pageSize }),
        cwd: context.cwd,
        onProgress: (event) => reportProgress(progress, event),
      });
    } catch (error) {
      progress.fail();
      throw fromTextPackage(error);
    } finally {
      staged?.remove();
    }
    progress.finish();
    // One clock: the summary's time is the one the progress lines were measured with.
    summary = { ...summary, elapsedMs: progress.elapsedMs(), phaseElapsedMs: progress.phaseElapsedMs() };
    if (staged !== undefined) summary = { ...summary, inputFiles: staged.inputFiles, shard: shardSummary(shard!, staged) };
    context.stdout.write(options.json ? `${stringifyJson(summary)}\n` : formatSummary(summary));
    return EXIT_CODE.SUCCESS;
  },
};

/** What a shard's summary says about its slice; `inputBytes` is then the byte length of the slice as staged JSON lines. */
function shardSummary(shard: Shard, staged: TextShardInput): NonNullable<TextBuildSummary['shard']> {
  return { index: shard.index, count: shard.count, firstDocument: staged.firstDocument, documents: staged.documents, totalDocuments: staged.totalDocuments };
}

/**
 * @tessera/text may be installed with its own copy of @tessera/core (the user's project's), whose
 * TesseraError is another class: keep such errors' code instead of reporting them as E_INTERNAL.
 */
function fromTextPackage(error: unknown): unknown {
  if (error instanceof TesseraError || !(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^E_[A-Z_]+$/.test(code)) return error;
  return new TesseraError(code as TesseraErrorCode, error.message, { cause: error });
}

function choice(value: string | undefined, choices: readonly string[], name: string): string | undefined {
  if (value === undefined) return undefined;
  if (!choices.includes(value)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`, COMMAND);
  return value;
}

function integer(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`, COMMAND);
  return number;
}

/** One bar per phase: input KiB while reading/tokenizing, windows while packing. */
function reportProgress(progress: BuildProgress, event: TextBuildProgress): void {
  if (event.phase === 'packing') progress.update(event.phase, { done: event.samplesWritten, total: event.totalSamples, unit: 'windows' });
  else progress.update(event.phase, { done: Math.ceil(event.inputBytes / 1024), total: Math.ceil(event.totalInputBytes / 1024), unit: 'KiB', byteLength: event.inputBytes });
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

function formatSummary(summary: TextBuildSummary): string {
  const tokens = summary.tokens === undefined ? '' : `, ${summary.tokens} tokens`;
  const phaseList = Object.entries(summary.phaseElapsedMs ?? {}).map(([phase, durationMs]) => `${phase} ${formatDuration(durationMs)}`);
  const phases = phaseList.length === 0 ? '' : ` (${phaseList.join(', ')})`;
  const shard = summary.shard;
  const slice =
    shard === undefined
      ? ''
      : `${describeShard(shard)}: documents [${shard.firstDocument}, ${shard.firstDocument + shard.documents}) of ${shard.totalDocuments}, `;
  return (
    `wrote ${summary.output}: ${slice}${plural(summary.numSamples, 'sample')}, field "${summary.fieldName}" (${summary.field}), ` +
    `${plural(summary.documents, 'document')} from ${plural(summary.inputFiles, 'file')}${tokens}, ` +
    `${formatByteLength(summary.inputBytes)} in, ${formatByteLength(summary.fileByteLength)} out, ${formatDuration(summary.elapsedMs)}${phases}\n`
  );
}
