import type { Writable } from 'node:stream';
import { PACKAGE_VERSION as CORE_VERSION } from '@tessera/core';
import type { Command, CommandContext } from './command.js';
import { buildCommand } from './commands/build.js';
import { dumpCommand } from './commands/dump.js';
import { inspectCommand } from './commands/inspect.js';
import { verifyCommand } from './commands/verify.js';
import { mergeCommand } from './commands/merge.js';
import { viewCommand } from './commands/view.js';
import { EXIT_CODE } from './exit-code.js';
import { formatCommandHelp, formatMainHelp } from './help-text.js';
import { reportError } from './report-error.js';
import { UsageError } from './usage-error.js';
import { CLI_VERSION } from './version.js';

/** Where `runCli` reads and writes; every member but the streams defaults to the process's. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  /** Environment (TESSERA_DEBUG). Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Directory relative FILE and `--plugin` paths resolve against. Default `process.cwd()`. */
  cwd?: string;
}

/** Every command, in the order `tessera --help` lists them. */
const COMMANDS: readonly Command[] = [inspectCommand, dumpCommand, verifyCommand, viewCommand, buildCommand, mergeCommand];

/**
 * Runs `tessera` with `argv` (the arguments after the program name) and resolves to the exit
 * code; never rejects. Output goes to `io.stdout`, errors to `io.stderr` as one line each.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const context: CommandContext = {
    stdout: io.stdout,
    stderr: io.stderr,
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
  };
  try {
    return await dispatch(argv, context);
  } catch (error) {
    return reportError(error, context);
  }
}

async function dispatch(argv: readonly string[], context: CommandContext): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    context.stderr.write(formatMainHelp(COMMANDS, CLI_VERSION));
    return EXIT_CODE.USAGE;
  }
  if (first === '--help' || first === '-h') {
    context.stdout.write(formatMainHelp(COMMANDS, CLI_VERSION));
    return EXIT_CODE.SUCCESS;
  }
  if (first === '--version') {
    context.stdout.write(`tessera ${CLI_VERSION} (@tessera/core ${CORE_VERSION})\n`);
    return EXIT_CODE.SUCCESS;
  }
  if (first === 'help') {
    if (rest.length === 0) {
      context.stdout.write(formatMainHelp(COMMANDS, CLI_VERSION));
      return EXIT_CODE.SUCCESS;
    }
    context.stdout.write(formatCommandHelp(findCommand(rest[0]!)));
    return EXIT_CODE.SUCCESS;
  }
  if (first.startsWith('-')) throw new UsageError(`unknown option ${first}; options go after the command (tessera <command> [options])`);
  return findCommand(first).execute(rest, context);
}

function findCommand(name: string): Command {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    throw new UsageError(`unknown command "${name}"; the commands are ${COMMANDS.map((candidate) => candidate.name).join(', ')}`);
  }
  return command;
}
