import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * The Node options a worker thread inherits. Workers inherit `process.execArgv`, but some options
 * only make sense for the main entry point and make every worker fail at start: a script run as
 * `node --input-type=module -e "…"` would otherwise get "--input-type can only be used with string
 * input" from each writer or decode worker. Those are dropped; everything else (loaders, --import,
 * --conditions, memory flags) is kept.
 */
const MAIN_ONLY = ['--input-type', '--eval', '-e', '--print', '-p', '--test', '--watch', '--watch-path', '--check', '-c', '--interactive', '-i'];
const TAKES_VALUE = new Set(['--input-type', '--eval', '-e', '--print', '-p', '--watch-path']);

export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] | undefined {
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
  // Nothing to drop: let the worker inherit as Node does (an explicit list is validated, and
  // per-process V8 options such as --expose-gc are refused in it).
  return kept.length === execArgv.length ? undefined : kept;
}

/**
 * `new Worker(url, options)` with `workerExecArgv()`. When Node refuses some inherited options for a
 * worker (ERR_WORKER_INVALID_EXEC_ARGV names them: per-process V8 flags), they are left out too.
 */
export function startWorker(url: URL | string, options: WorkerOptions): Worker {
  let execArgv = workerExecArgv();
  for (let attempt = 0; ; attempt++) {
    try {
      return new Worker(url, execArgv === undefined ? options : { ...options, execArgv });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || execArgv === undefined || attempt > 0) throw error;
      const refused = new Set(String((error as Error).message).replace(/^.*flags:\s*/, '').split(/,\s*/));
      execArgv = execArgv.filter((argument) => !refused.has(argument.includes('=') ? argument.slice(0, argument.indexOf('=')) : argument) && !refused.has(argument));
    }
  }
}
