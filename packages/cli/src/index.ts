export { runCli } from './run-cli.js';
export type { CliIo } from './run-cli.js';
export { EXIT_CODE } from './exit-code.js';
export type { ExitCode } from './exit-code.js';
export { UsageError } from './usage-error.js';
export { createProgressBar } from './progress-bar.js';
export type { ProgressBar, ProgressBarOptions, ProgressStream } from './progress-bar.js';
export { stringifyJson } from './json-lines.js';
export { CLI_VERSION } from './version.js';
