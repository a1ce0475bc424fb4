/**
 * The Node options a worker thread inherits. Workers inherit `process.execArgv`, but some options
 * only make sense for the main entry point and make every worker fail at start: a script run as
 * `node --input-type=module -e "…"` would otherwise get "--input-type can only be used with string
 * input" from each writer or decode worker. Those are dropped; everything else (loaders, --import,
 * --conditions, memory flags) is kept.
 */
const MAIN_ONLY = ['--input-type', '--eval', '-e', '--print', '-p', '--test', '--watch', '--watch-path', '--check', '-c', '--interactive', '-i'];
const TAKES_VALUE = new Set(['--input-type', '--eval', '-e', '--print', '-p', '--watch-path']);

export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let index = 0; index < execArgv.length; index++) {
    const argument = execArgv[index]!;
    const name = argument.includes('=') ? argument.slice(0, argument.indexOf('=')) : argument;
    if (!MAIN_ONLY.includes(name)) {
      kept.push(argument);
      continue;
    }
    // "--input-type module" (value as the next argument) is dropped with its value.
    if (!argument.includes('=') && TAKES_VALUE.has(name) && index + 1 < execArgv.length && !execArgv[index + 1]!.startsWith('-')) index++;
  }
  return kept;
}
