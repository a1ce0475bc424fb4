/**
 * The one module that starts the tessera CLI: in a child process, so a build that crashes, runs
 * out of memory or is killed never takes the worker (its Redis connection, its lock renewals, its
 * other jobs) with it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { TesseraError } from '@tessera/core';
import { TesseraCommandError } from './tessera-command-error.js';

/** How much of the CLI's stderr is kept: its last bytes, where the error line is. */
const STDERR_KEPT_BYTES = 64 * 1024;
/** After SIGTERM (an abort), the CLI gets this long to remove its temporary files before SIGKILL. */
const KILL_GRACE_MS = 5000;

/**
 * The command that runs the tessera CLI: this Node.js and the `tessera` bin of the @tessera/cli
 * this package depends on. E_WORKER when that package or its build cannot be found.
 */
export function defaultTesseraCommand(): string[] {
  let packageJsonPath: string;
  try {
    packageJsonPath = createRequire(import.meta.url).resolve('@tessera/cli/package.json');
  } catch (error) {
    throw new TesseraError('E_WORKER', 'cannot find @tessera/cli, which runs the builds: npm install @tessera/cli, or pass tesseraCommand (e.g. ["tessera"])', { cause: error });
  }
  const bin = (JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { bin?: Record<string, string> }).bin?.tessera;
  const cli = join(dirname(packageJsonPath), bin ?? 'dist/cli.js');
  if (!existsSync(cli)) throw new TesseraError('E_WORKER', `the tessera CLI is not built (no ${cli}): build @tessera/cli, or pass tesseraCommand`);
  return [process.execPath, cli];
}

export interface TesseraCommandRun {
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/**
 * Runs `command… argv…` in `cwd` and resolves with its output when it exits with 0. Rejects with a
 * TesseraCommandError (exit code, signal, stderr and the CLI's E_CODE) otherwise. When `signal`
 * aborts, the CLI gets SIGTERM, then SIGKILL after a grace period.
 */
export function runTesseraCommand(options: {
  command: readonly string[];
  argv: readonly string[];
  cwd: string;
  env?: Readonly<Record<string, string | undefined>>;
  signal?: AbortSignal;
}): Promise<TesseraCommandRun> {
  const { command, argv, cwd, signal } = options;
  const started = performance.now();
  const shown = `tessera ${argv.join(' ')}`;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new TesseraCommandError(`${shown} was not started: ${describeReason(signal.reason)}`, { argv, exitCode: null, signal: null, stderr: '' }));
      return;
    }
    const child = spawn(command[0]!, [...command.slice(1), ...argv], { cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = Buffer.alloc(0);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > 2 * STDERR_KEPT_BYTES) stderr = stderr.subarray(stderr.length - STDERR_KEPT_BYTES);
    });
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let spawnError: Error | undefined;
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (exitCode, exitSignal) => {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      const errorText = stderr.subarray(Math.max(0, stderr.length - STDERR_KEPT_BYTES)).toString('utf8');
      if (exitCode === 0 && spawnError === undefined) {
        resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: errorText, elapsedMs: performance.now() - started });
        return;
      }
      const cliLine = lastErrorLine(errorText);
      const cliCode = cliLine === undefined ? undefined : /^tessera: (E_[A-Z_]+):/.exec(cliLine)?.[1];
      let problem: string;
      if (spawnError !== undefined) problem = `could not be started (${spawnError.message}); check tesseraCommand: ${JSON.stringify(command)}`;
      else if (signal?.aborted) problem = `was stopped (${describeReason(signal.reason)})`;
      else if (exitSignal !== null) problem = `was ended by ${exitSignal}${exitSignal === 'SIGKILL' ? ' (killed: out of memory?)' : ''}`;
      else problem = `exited with code ${exitCode}`;
      const said = cliLine ?? lastLines(errorText, 5);
      reject(
        new TesseraCommandError(`${shown} ${problem}${said === '' ? '' : `: ${said}`}`, {
          argv,
          exitCode: spawnError === undefined ? exitCode : null,
          signal: exitSignal,
          stderr: errorText,
          cliCode,
          cause: spawnError,
        }),
      );
    });
  });
}

/** The CLI's last `tessera: E_CODE: message` line. */
function lastErrorLine(text: string): string | undefined {
  const lines = text.split('\n').filter((line) => line.startsWith('tessera: '));
  return lines.at(-1);
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join(' | ').trim();
}

function describeReason(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason ?? 'aborted');
}
