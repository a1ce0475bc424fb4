import type { VerifyReport } from '@tessera/core';
import { createBufferedOutput } from '../buffered-output.js';
import { defineCommand } from '../command.js';
import { EXIT_CODE } from '../exit-code.js';
import { stringifyJson } from '../json-lines.js';
import { PLUGIN_OPTION } from '../load-plugins.js';
import { verifyDatasetFile } from '../open-dataset-file.js';
import { formatTextTable, indentLines } from '../text-table.js';

export function formatVerifyText(report: VerifyReport): string {
  const problemCount = report.problems.length;
  const verdict = report.ok ? 'OK' : `FAILED (${problemCount} ${problemCount === 1 ? 'problem' : 'problems'})`;
  const checksums =
    report.checksums === 'verified'
      ? 'present, checked'
      : 'absent: only the structure was checked';
  const summary = formatTextTable([
    ['checksums', checksums],
    ['checked', `${report.pagesChecked} ${report.pagesChecked === 1 ? 'page' : 'pages'}, ${report.bytesChecked} bytes`],
  ]);
  let text = `${report.path}: ${verdict}\n${indentLines(summary)}\n`;
  if (problemCount > 0) {
    const rows = [
      ['code', 'region', 'file offset', 'message'],
      ...report.problems.map((problem) => [problem.code, problem.region, problem.fileOffset === undefined ? '-' : String(problem.fileOffset), problem.message]),
    ];
    text += `\nproblems\n${indentLines(formatTextTable(rows))}\n`;
  }
  if (report.notes.length > 0) {
    text += `\nnotes\n${report.notes.map((note) => `  - ${note}`).join('\n')}\n`;
  }
  return text;
}

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
    'Exit codes: 0 the file is intact, 1 problems were found (or the file cannot be opened),',
    '2 bad command line.',
  ].join('\n'),
  options: {
    json: { type: 'boolean', description: 'print the report as one JSON object' },
    plugin: PLUGIN_OPTION,
  },
  async run({ options, positionals }, context) {
    const report = await verifyDatasetFile(positionals[0]!, options.plugin, context, 'verify');
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
