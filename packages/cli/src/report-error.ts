import { TesseraError } from '@tessera/core';
import type { CommandContext } from './command.js';
import { EXIT_CODE, type ExitCode } from './exit-code.js';
import { UsageError } from './usage-error.js';

/**
 * Prints an error as ONE line on stderr, `tessera: E_CODE: message`, and returns the exit code:
 * 2 for usage errors, 1 for everything else (a TesseraError about the data, or an unexpected
 * failure, reported as E_INTERNAL). With TESSERA_DEBUG=1 the stack and the cause chain follow.
 */
export function reportError(error: unknown, context: CommandContext): ExitCode {
  const code = error instanceof UsageError || error instanceof TesseraError ? error.code : 'E_INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  const hint = code === 'E_INTERNAL' ? ' (this is a bug in tessera; set TESSERA_DEBUG=1 for the stack trace)' : '';
  context.stderr.write(`tessera: ${code}: ${oneLine(message)}${hint}\n`);
  if (isDebug(context.env)) context.stderr.write(describeDebug(error));
  return error instanceof UsageError ? EXIT_CODE.USAGE : EXIT_CODE.FAILURE;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function isDebug(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env.TESSERA_DEBUG;
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

function describeDebug(error: unknown): string {
  let text = '';
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    text += depth === 0 ? '' : 'caused by: ';
    text += current instanceof Error ? `${current.stack ?? current.message}\n` : `${String(current)}\n`;
    current = current instanceof Error ? current.cause : undefined;
  }
  return text;
}
