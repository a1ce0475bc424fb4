import { TesseraError } from '@tessera/core';

/**
 * The tessera CLI that a worker ran for a job failed: it exited non-zero, was ended by a signal,
 * or could not be started. Carries what the CLI said (`stderr`, and its `E_CODE` as `cliCode`), so
 * the job's failure names the real problem (`tessera: E_IO: cannot open rows.csv …`), not just
 * "exit code 1". Code `E_WORKER`.
 */
export class TesseraCommandError extends TesseraError {
  /** The arguments after `tessera`. */
  readonly argv: string[];
  /** The exit code, or null when a signal ended the CLI or it never started. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The end of the CLI's stderr (at most 64 KiB). */
  readonly stderr: string;
  /** The `E_CODE` of the CLI's `tessera: E_CODE: message` line, when it printed one. */
  readonly cliCode: string | undefined;

  constructor(
    message: string,
    details: { argv: readonly string[]; exitCode: number | null; signal: string | null; stderr: string; cliCode?: string | undefined; cause?: unknown },
  ) {
    super('E_WORKER', message, { cause: details.cause });
    this.name = 'TesseraCommandError';
    this.argv = [...details.argv];
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.stderr = details.stderr;
    this.cliCode = details.cliCode;
  }
}
