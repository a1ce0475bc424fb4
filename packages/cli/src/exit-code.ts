/**
 * The exit codes of `tessera`, for scripts:
 *   0  success (for `verify`: nothing wrong in what it checked; see `--require-checksums`)
 *   1  the data is wrong or unreadable (a corrupt or missing file, a failed verification, an
 *      unknown field or sample index, a plugin that cannot be loaded)
 *   2  the command line is wrong (unknown command or option, a missing or malformed value)
 */
export const EXIT_CODE = {
  SUCCESS: 0,
  FAILURE: 1,
  USAGE: 2,
} as const;

export type ExitCode = (typeof EXIT_CODE)[keyof typeof EXIT_CODE];
