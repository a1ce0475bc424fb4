import type { Command } from './command.js';
import { formatTextTable } from './text-table.js';

/** `tessera --help`. */
export function formatMainHelp(commands: readonly Command[], version: string): string {
  const rows = commands.map((command) => [`  ${command.name}`, command.summary]);
  return [
    `tessera ${version}: inspect, dump, verify and view FFCV .beton files, and build them from source files`,
    '',
    'Usage: tessera <command> [options]',
    '',
    'Commands:',
    formatTextTable(rows),
    '',
    'Options:',
    '  -h, --help     show help (also `tessera <command> --help`)',
    '  --version      print the version',
    '',
    'Exit codes: 0 success, 1 bad or unreadable data (or a failed verify), 2 bad command line.',
    'Errors are one line on stderr, `tessera: E_CODE: message`; set TESSERA_DEBUG=1 for stack traces.',
    '',
  ].join('\n');
}

/** `tessera <command> --help`, built from the command's definition. */
export function formatCommandHelp(command: Command): string {
  const rows = Object.entries(command.options).map(([name, option]) => {
    const flags = `${option.short === undefined ? '    ' : `-${option.short}, `}--${name}`;
    const value = option.type === 'string' ? ` ${option.valueName ?? 'VALUE'}` : '';
    const repeat = option.multiple ? ' (repeatable)' : '';
    return [`  ${flags}${value}`, `${option.description}${repeat}`];
  });
  return [
    `Usage: tessera ${command.name} ${command.positionalNames.join(' ')} [options]`,
    '',
    command.summary,
    '',
    'Options:',
    formatTextTable(rows),
    '',
    command.description.trimEnd(),
    '',
  ].join('\n');
}
