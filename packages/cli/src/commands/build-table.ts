import { basename, dirname, resolve } from 'node:path';
import { type FieldSpec, TesseraError, int64, writeDataset } from '@tessera/core';
import { createBuildProgress } from '../build-progress.js';
import { defineCommand } from '../command.js';
import { EXIT_CODE } from '../exit-code.js';
import { formatByteLength } from '../format-byte-length.js';
import { importOptionalPackage } from '../import-optional-package.js';
import { stringifyJson } from '../json-lines.js';
import { OUTPUT_OPTION, chooseOutput } from '../output-argument.js';
import { formatDuration } from '../progress-bar.js';
import { TABLE_FIELD_KINDS, type TableFieldMapping, type TableFieldPackages, convertCell, packageOfKind, parseTableField, tableFieldSpec } from '../table-field.js';
import { SHARD_OPTIONS, describeShard, parsePageSize, parseShard, shardHelp, shardRange } from '../shard-option.js';
import { readTable } from '../table-readers/read-table.js';
import { UsageError } from '../usage-error.js';

const COMMAND = 'build table';
const DEFAULT_ROW_FIELD = 'source_row';

/**
 * `tessera build table FILE [OUT.beton] [-o OUT.beton] --field COLUMN=KIND[:OPTION] ...`: a JSON
 * Lines, CSV or Parquet table into a .beton file, one sample per row, one field per `--field`, plus
 * the row's index (`source_row`, int64) so every sample traces back to its input row.
 */
export const buildTableCommand = defineCommand({
  name: COMMAND,
  summary: 'a table (.jsonl, .csv, .parquet) into a .beton file, one sample per row',
  positionalNames: ['FILE', '[OUT.beton]'],
  description: [
    'tessera build table reads FILE (.jsonl/.ndjson: one JSON object per line; .csv: a header row,',
    'then one row per sample; .parquet: top-level columns) and writes one sample per row. Each',
    '--field COLUMN=KIND[:OPTION] stores a column as a field of the same name:',
    '  int64, float64     a number (CSV: decimal text)',
    '  json               any JSON value (CSV: the cell parsed as JSON)',
    '  text               a string, stored as UTF-8 (@tessera/text rawText)',
    '  tokens:TOKENIZER   a string, tokenized with a local tokenizer.json (@tessera/text tokens)',
    '  image[:path]       a path to an image file (@tessera/image rgbImage, default codec)',
    '  image:bytes        an encoded image: a Parquet binary column, or base64 text',
    '  gray-image[:path|:bytes]  the same, stored with one channel (grayImage)',
    '  bytes[:path]       a path to a file whose bytes are stored (core bytes)',
    '  bytes:base64       base64 text, or a Parquet binary column',
    'Paths in the table resolve against the folder of FILE. The 0-based row index is stored as an',
    `int64 field named ${DEFAULT_ROW_FIELD} (--row-field NAME to rename it, --no-row-field to leave it out).`,
    'The output is the last argument or -o OUT.beton.',
    '',
    'Progress goes to stderr; a summary to stdout. Exit codes: 0 written, 1 an unreadable table or',
    'file (E_IO), a bad table (E_ARGUMENT), a cell that does not fit its field (E_FIELD_VALUE) or a',
    'failed write (the output is then not created or changed), 2 bad command line (an unknown kind',
    'or a column the table lacks).',
    ...shardHelp('table rows', "source_row keeps each row's index in the whole table. A shard left with no rows writes a valid file of 0 samples."),
  ].join('\n'),
  options: {
    output: OUTPUT_OPTION,
    field: { type: 'string', multiple: true, valueName: 'COLUMN=KIND[:OPTION]', description: `store a column as a field: ${TABLE_FIELD_KINDS.join(' | ')}` },
    'row-field': { type: 'string', valueName: 'NAME', description: `the int64 field holding the source row index (default ${DEFAULT_ROW_FIELD})` },
    'no-row-field': { type: 'boolean', description: 'do not store the source row index' },
    workers: { type: 'string', valueName: 'N', description: 'encoder threads (default: cores, at most 4; 0 encodes on the main thread)' },
    json: { type: 'boolean', description: 'print the summary as one JSON object' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress on stderr' },
    ...SHARD_OPTIONS,
  },
  async run({ options, positionals }, context) {
    const [input, positionalOutput] = positionals as [string, string | undefined];
    const output = chooseOutput({ positional: positionalOutput, option: options.output, cwd: context.cwd, command: COMMAND, inputs: 'FILE' });
    if (options.field.length === 0) throw new UsageError('tessera build table needs at least one --field COLUMN=KIND (e.g. --field label=int64)', COMMAND);
    const mappings = options.field.map((text) => parseTableField(text, COMMAND));
    const seen = new Set<string>();
    for (const mapping of mappings) {
      if (seen.has(mapping.column)) throw new UsageError(`--field ${mapping.text}: column "${mapping.column}" is mapped twice`, COMMAND);
      seen.add(mapping.column);
    }
    if (options['no-row-field'] && options['row-field'] !== undefined) throw new UsageError('give --row-field NAME or --no-row-field, not both', COMMAND);
    const rowField = options['no-row-field'] ? undefined : (options['row-field'] ?? DEFAULT_ROW_FIELD);
    if (rowField === '') throw new UsageError('--row-field needs a name', COMMAND);
    if (rowField !== undefined && seen.has(rowField)) {
      throw new UsageError(`the row field "${rowField}" is also a --field column; rename it with --row-field NAME or leave it out with --no-row-field`, COMMAND);
    }
    const workers = integer(options.workers, 'workers');
    const shard = parseShard(options, COMMAND);
    const pageSize = parsePageSize(options['page-size'], COMMAND);

    const inputPath = resolve(context.cwd, input);
    const table = await readTable(inputPath);
    const missing = mappings.filter((mapping) => !table.columns.includes(mapping.column));
    if (missing.length > 0) {
      throw new UsageError(
        `${input} has no column ${missing.map((mapping) => `"${mapping.column}"`).join(', ')}; its columns are ${table.columns.map((name) => JSON.stringify(name)).join(', ') || '(none)'}`,
        COMMAND,
      );
    }
    const packages = await loadPackages(mappings, context.cwd);
    const schema: Record<string, FieldSpec> = {};
    for (const mapping of mappings) schema[mapping.column] = tableFieldSpec(mapping, packages, context.cwd);
    if (rowField !== undefined) schema[rowField] = int64();

    // Cells are converted (and paths checked) as the writer asks for rows, so the first bad row stops the build.
    const baseFolder = dirname(inputPath);
    const fromCsv = table.format === 'csv';
    // A shard keeps a contiguous slice of the rows; `rowIndex` stays the row's index in the whole table.
    const { start, end } = shard === undefined ? { start: 0, end: table.rows.length } : shardRange(table.rows.length, shard);
    const source = {
      length: end - start,
      get(index: number): Record<string, unknown> {
        const rowIndex = start + index;
        const row = table.rows[rowIndex]!;
        const sample: Record<string, unknown> = {};
        for (const mapping of mappings) sample[mapping.column] = convertCell(mapping, row[mapping.column], rowIndex, fromCsv, baseFolder);
        if (rowField !== undefined) sample[rowField] = rowIndex;
        return sample;
      },
    };
    const shardInfo: { shard?: { index: number; count: number; firstRow: number; rows: number; totalRows: number } } =
      shard === undefined ? {} : { shard: { index: shard.index, count: shard.count, firstRow: start, rows: end - start, totalRows: table.rows.length } };
    const progress = createBuildProgress({ target: basename(output), quiet: options.quiet, context });
    let summary: Awaited<ReturnType<typeof writeDataset>>;
    try {
      summary = await writeDataset(resolve(context.cwd, output), schema, source, {
        workers,
        ...(pageSize === undefined ? {} : { pageSize }),
        info: { source: basename(input), format: table.format, rowField: rowField ?? null, ...shardInfo },
        onProgress: (event) => progress.update('writing', { done: event.samplesWritten, total: event.totalSamples, unit: 'rows', byteLength: event.bytesWritten }),
      });
    } catch (error) {
      progress.fail();
      throw fromPackage(error);
    }
    progress.finish();
    const elapsedMs = progress.elapsedMs();
    const fields = Object.keys(schema);
    if (options.json) {
      context.stdout.write(`${stringifyJson({ ...summary, elapsedMs, format: table.format, fields, rowField: rowField ?? null, ...shardInfo })}\n`);
    } else {
      context.stdout.write(
        `wrote ${summary.path}: ${summary.numSamples} rows of ${basename(input)} (${table.format}${shard === undefined ? '' : `, ${describeShard(shard)}: rows [${start}, ${end}) of ${table.rows.length}`}), fields ${fields.join(', ')}, ` +
          `${formatByteLength(summary.fileByteLength)}, ${formatDuration(elapsedMs)}\n`,
      );
    }
    return EXIT_CODE.SUCCESS;
  },
});

async function loadPackages(mappings: readonly TableFieldMapping[], cwd: string): Promise<TableFieldPackages> {
  const needed = new Set(mappings.map((mapping) => packageOfKind(mapping.kind)));
  const packages: TableFieldPackages = {};
  if (needed.has('text')) {
    packages.text = await importOptionalPackage<NonNullable<TableFieldPackages['text']>>({ specifier: '@tessera/text', command: `tessera ${COMMAND}`, requiredExport: 'rawText', cwd });
  }
  if (needed.has('image')) {
    packages.image = await importOptionalPackage<NonNullable<TableFieldPackages['image']>>({ specifier: '@tessera/image', command: `tessera ${COMMAND}`, requiredExport: 'rgbImage', cwd });
  }
  return packages;
}

/** A plugin package with its own copy of @tessera/core throws another TesseraError class: keep its code. */
function fromPackage(error: unknown): unknown {
  if (error instanceof TesseraError || !(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^E_[A-Z_]+$/.test(code) || code === 'E_USAGE') return error;
  return new TesseraError(code as TesseraError['code'], error.message, { cause: error });
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number > 256) throw new UsageError(`--${name} must be an integer from 0 to 256, got ${JSON.stringify(value)}`, COMMAND);
  return number;
}
