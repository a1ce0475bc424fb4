import type { VerifyReport } from '@tessera/core';
import { createBufferedOutput } from '../buffered-output.js';
import { defineCommand } from '../command.js';
import { EXIT_CODE } from '../exit-code.js';
import { stringifyJson } from '../json-lines.js';
import { PLUGIN_OPTION } from '../load-plugins.js';
import { verifyDatasetFile } from '../open-dataset-file.js';
import { formatTextTable, indentLines } from '../text-table.js';

/** The report `tessera verify` prints: core's, plus what was and was not checked, and `--require-checksums`. */
export interface VerifyCommandReport extends VerifyReport {
  /** --require-checksums was given: a file without checksums fails. */
  checksumsRequired: boolean;
  /** What the verdict rests on, one phrase each. */
  checked: string[];
  /** What verify could not or does not check, one phrase each. */
  notChecked: string[];
}

const STRUCTURE = 'structure (header, field descriptors, metadata, allocation table)';
const STRUCTURE_WITH_EXTENSION = 'structure (header, field descriptors, metadata, allocation table, extension block)';
const NOT_DECODED = 'sample values (verify decodes no payload; `tessera dump` does)';

/** True when CRC-32s were actually compared (an extension block without checksums compares none). */
function checksumsCompared(report: VerifyReport): boolean {
  return report.checksums === 'verified' && report.bytesChecked > 0;
}

export function describeVerifyReport(report: VerifyReport, checksumsRequired: boolean): VerifyCommandReport {
  const compared = checksumsCompared(report);
  const checked = [report.checksums === 'verified' ? STRUCTURE_WITH_EXTENSION : STRUCTURE];
  const notChecked: string[] = [];
  if (compared) {
    checked.push(`CRC-32 of the header, the metadata, ${plural(report.pagesChecked, 'page')} and the allocation table (${report.bytesChecked} bytes)`);
  } else {
    notChecked.push('payload bytes: the file has no checksums (written by FFCV, or without integrity data), so damaged sample data goes unnoticed');
  }
  notChecked.push(NOT_DECODED);
  const missing = checksumsRequired && !compared;
  return { ...report, ok: report.ok && !missing, checksumsRequired, checked, notChecked };
}

export function formatVerifyText(report: VerifyCommandReport): string {
  const problemCount = report.problems.length;
  const compared = checksumsCompared(report);
  const missing = report.checksumsRequired && !compared;
  const reasons = [problemCount > 0 ? plural(problemCount, 'problem') : undefined, missing ? 'no checksums, and --require-checksums was given' : undefined].filter(
    (reason) => reason !== undefined,
  );
  const verdict = reasons.length > 0 ? `FAILED (${reasons.join('; ')})` : compared ? 'OK' : 'OK (structure only: the file has no checksums)';
  const rows = [
    ['checksums', compared ? 'present, checked' : 'absent: only the structure was checked'],
    ...report.checked.map((item, index) => [index === 0 ? 'checked' : '', item]),
    ...report.notChecked.map((item, index) => [index === 0 ? 'not checked' : '', item]),
  ];
  let text = `${report.path}: ${verdict}\n${indentLines(formatTextTable(rows))}\n`;
  if (problemCount > 0) {
    const problemRows = [
      ['code', 'region', 'file offset', 'message'],
      ...report.problems.map((problem) => [problem.code, problem.region, problem.fileOffset === undefined ? '-' : String(problem.fileOffset), problem.message]),
    ];
    text += `\nproblems\n${indentLines(formatTextTable(problemRows))}\n`;
  }
  const notes = [...report.notes];
  if (missing) notes.push('--require-checksums: re-create the file with Tessera (writeDataset) to give it checksums, or run without the flag to check its structure only');
  if (notes.length > 0) {
    text += `\nnotes\n${notes.map((note) => `  - ${note}`).join('\n')}\n`;
  }
  return text;
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

export const verifyCommand = defineCommand({
  name: 'verify',
  summary: 'check the structure and the checksums of a .beton file',
  positionalNames: ['FILE'],
  description: [
    'Validates the structure (everything opening the file checks) and, for files written by Tessera,',
    'the CRC-32 of the header, the metadata, every page, the allocation table and the extension block,',
    'so a changed byte is found and located ("page 3", "metadata"...). FFCV files carry no checksums:',
    'only their structure is checked. Fields of plugins that are not loaded (--plugin) are noted, not',
    'decoded; their bytes are still checked.',
    '',
    'verify decodes no sample values. Without checksums (FFCV files) damaged payload bytes cannot be',
    'found: the output says so, and --require-checksums makes such a file fail (exit 1).',
    '',
    'Exit codes: 0 no problem was found in what was checked (the structure, and the checksums when the',
    'file has them; with --require-checksums the file must have them), 1 problems were found (or the',
    'file cannot be opened, or has no checksums with --require-checksums), 2 bad command line.',
  ].join('\n'),
  options: {
    json: { type: 'boolean', description: 'print the report as one JSON object' },
    'require-checksums': { type: 'boolean', description: 'fail (exit 1) when the file has no checksums (FFCV files), instead of checking its structure only' },
    plugin: PLUGIN_OPTION,
  },
  async run({ options, positionals }, context) {
    const report = describeVerifyReport(await verifyDatasetFile(positionals[0]!, options.plugin, context, 'verify'), options['require-checksums']);
    const output = createBufferedOutput(context.stdout);
    try {
      output.write(options.json ? `${stringifyJson(report)}\n` : formatVerifyText(report));
      await output.flush();
    } finally {
      output.dispose();
    }
    return report.ok ? EXIT_CODE.SUCCESS : EXIT_CODE.FAILURE;
  },
});
