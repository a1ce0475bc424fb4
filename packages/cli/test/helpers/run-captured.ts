import { Writable } from 'node:stream';
import { runCli } from '../../src/index.js';

/** A stream that keeps everything written to it as text. */
export class CapturedStream extends Writable {
  text = '';

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    callback();
  }
}

export interface CapturedRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured stdout/stderr. */
export async function runCaptured(argv: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CapturedRun> {
  const stdout = new CapturedStream();
  const stderr = new CapturedStream();
  const exitCode = await runCli(argv, { stdout, stderr, cwd: options.cwd, env: options.env ?? {} });
  return { exitCode, stdout: stdout.text, stderr: stderr.text };
}

/** The one-line error format: `tessera: E_CODE: message` and nothing else. */
export const ONE_LINE_ERROR = /^tessera: (E_[A-Z_]+): [^\n]+\n$/;
