/**
 * The command line itself is wrong: an unknown command or option, a missing or malformed value.
 * `tessera` prints it as `tessera: E_USAGE: ...` and exits with code 2. Everything about the data
 * (the file, its fields, its samples) is a `TesseraError` from @tessera/core instead (exit code 1).
 */
export class UsageError extends Error {
  readonly code = 'E_USAGE';

  /** `command` names the subcommand whose `--help` the message points to, when there is one. */
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(`${message}; run \`tessera ${command === undefined ? '' : `${command} `}--help\` for usage`);
    this.name = 'UsageError';
  }
}
