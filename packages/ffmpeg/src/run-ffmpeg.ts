import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { resolveFfmpeg } from './resolve-ffmpeg.js';

/** What a failed run hands to `createError`. */
export interface FfmpegFailure {
  /** The problem, e.g. 'ffmpeg failed to decode the audio (exit 1)'. */
  message: string;
  /** RunFfmpegOptions.input, unchanged. */
  input: string;
  /** ffmpeg's last stderr lines (up to 8), '' when it said nothing. */
  stderr: string;
  /** runFfmpegSync only: everything ffmpeg wrote to stderr (up to 1 MiB), e.g. its input dump at logLevel 'info'. */
  log?: string;
  cause?: unknown;
}

export interface RunFfmpegOptions {
  ffmpegPath?: string;
  /** Bytes written to ffmpeg's stdin (`-i pipe:0`); stdin is closed at once without them. */
  stdin?: Uint8Array;
  /** The run is killed after this long. Default 60 000. */
  timeoutMs?: number;
  /** What the run reads, for error messages: a path, 'bytes (N bytes)', 'PCM (…)'. */
  input: string;
  /** What the run does, for error messages: 'decode', 'encode flac', … */
  action: string;
  /**
   * Makes the error a failed run throws: each caller's own typed error (AudioInputError
   * E_AUDIO_INPUT, VideoInputError E_VIDEO_INPUT, …), so this package adds no error code.
   */
  createError: (failure: FfmpegFailure) => Error;
}

export const DEFAULT_FFMPEG_TIMEOUT_MS = 60_000;
/** How much of stderr is kept (its end): the last lines say what failed. */
const STDERR_TAIL_CHARS = 4096;
const STDERR_TAIL_LINES = 8;

/**
 * Runs ffmpeg with `args` (after `-hide_banner -nostdin -v error` or `-v error` when stdin is fed) and
 * resolves with everything it wrote to stdout. Stderr is always consumed (its tail kept); a run that
 * outlives `timeoutMs` is killed; EPIPE on stdin (ffmpeg quit early) is ignored in favour of the exit
 * status. A failed run rejects with `options.createError(…)`, given the input and ffmpeg's last stderr lines.
 */
export function runFfmpeg(args: readonly string[], options: RunFfmpegOptions): Promise<Uint8Array> {
  // Resolve first, so a missing ffmpeg fails at once rather than after the queue.
  resolveFfmpeg({ ffmpegPath: options.ffmpegPath });
  return acquireSlot().then(() => {
    const run = startFfmpeg(args, options);
    run.then(releaseSlot, releaseSlot);
    return run;
  });
}

/**
 * At most one ffmpeg process per core runs at once from this thread: the writer encodes a whole
 * chunk of values concurrently, and a process per value (128 with 2 workers) made each one slow
 * enough to reach its timeout on a loaded machine. The timeout counts from the process's start.
 */
const MAX_RUNNING = Math.max(1, availableParallelism());
let running = 0;
const waiting: Array<() => void> = [];

function acquireSlot(): Promise<void> {
  if (running < MAX_RUNNING) {
    running++;
    return Promise.resolve();
  }
  return new Promise((resolve) => waiting.push(resolve));
}

function releaseSlot(): void {
  const next = waiting.shift();
  if (next === undefined) running--;
  else next();
}

function startFfmpeg(args: readonly string[], options: RunFfmpegOptions): Promise<Uint8Array> {
  const ffmpeg = resolveFfmpeg({ ffmpegPath: options.ffmpegPath });
  const timeoutMs = options.timeoutMs ?? DEFAULT_FFMPEG_TIMEOUT_MS;
  const fullArgs = ['-hide_banner', ...(options.stdin === undefined ? ['-nostdin'] : []), '-v', 'error', ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg.path, fullArgs, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    const chunks: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const fail = (message: string, cause?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(options.createError({ message, input: options.input, stderr: lastLines(stderr), cause }));
    };
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      stdoutBytes += chunk.byteLength;
    });
    child.stderr.setEncoding('latin1');
    child.stderr.on('data', (text: string) => {
      stderr = (stderr + text).slice(-STDERR_TAIL_CHARS);
    });
    child.on('error', (error) => {
      child.kill('SIGKILL');
      fail(`ffmpeg (${ffmpeg.path}) could not be run to ${options.action}: ${error.message}`, error);
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      if (timedOut) return fail(`ffmpeg did not finish within ${timeoutMs} ms (${options.action}) and was killed; raise the timeout for long inputs`);
      if (code !== 0) return fail(`ffmpeg failed to ${options.action} (exit ${code ?? signal})`);
      settled = true;
      clearTimeout(timer);
      // A fresh buffer (offset 0), so callers may view it as Float32Array.
      const output = new Uint8Array(stdoutBytes);
      let offset = 0;
      for (const chunk of chunks) {
        output.set(chunk, offset);
        offset += chunk.byteLength;
      }
      resolve(output);
    });
    // EPIPE / ECONNRESET when ffmpeg exits before reading all input: its exit status tells why.
    child.stdin.on('error', () => {});
    if (options.stdin === undefined) child.stdin.end();
    else child.stdin.end(options.stdin);
  });
}

export interface RunFfmpegSyncOptions extends RunFfmpegOptions {
  /** The most bytes kept per output pipe; a run writing more fails. Default 1 GiB. */
  maxOutputBytes?: number;
  /** `-v` level: 'error' (default) or 'info' (then `stderr` holds ffmpeg's stream dump). */
  logLevel?: 'error' | 'info';
  /** Extra output pipes, file descriptors 3, 4, … (`pipe:3` in the arguments); their bytes are in `pipes`. Default 0. */
  extraPipes?: number;
}

export interface FfmpegSyncRun {
  stdout: Buffer;
  /** Everything ffmpeg wrote to stderr (up to 1 MiB). */
  stderr: string;
  /** The extra pipes' bytes, fd 3 first. */
  pipes: Buffer[];
}

const STDERR_KEPT_CHARS = 1 << 20;

/**
 * runFfmpeg's synchronous twin, for callers that cannot await (decoders run synchronously in decode
 * workers, node-av-free demuxing at write time): the same argument prefix, timeout and error
 * reporting, through spawnSync, and optional extra output pipes.
 */
export function runFfmpegSync(args: readonly string[], options: RunFfmpegSyncOptions): FfmpegSyncRun {
  const ffmpeg = resolveFfmpeg({ ffmpegPath: options.ffmpegPath });
  const timeoutMs = options.timeoutMs ?? DEFAULT_FFMPEG_TIMEOUT_MS;
  const maxOutputBytes = options.maxOutputBytes ?? 1 << 30;
  const level = options.logLevel ?? 'error';
  const fullArgs = ['-hide_banner', ...(options.stdin === undefined ? ['-nostdin'] : []), '-nostats', '-v', level, ...args];
  const extra = options.extraPipes ?? 0;
  const result = spawnSync(ffmpeg.path, fullArgs, {
    input: options.stdin,
    stdio: ['pipe', 'pipe', 'pipe', ...Array.from({ length: extra }, () => 'pipe' as const)],
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: maxOutputBytes,
    windowsHide: true,
  });
  const stderrText = (result.stderr ?? Buffer.alloc(0)).toString('latin1');
  const fail = (message: string, cause?: unknown): never => {
    throw options.createError({ message, input: options.input, stderr: lastLines(stderrText.slice(-STDERR_TAIL_CHARS)), log: stderrText.slice(0, STDERR_KEPT_CHARS), cause });
  };
  const error = result.error as (Error & { code?: string }) | undefined;
  if (error !== undefined) {
    if (error.code === 'ETIMEDOUT') fail(`ffmpeg did not finish within ${timeoutMs} ms (${options.action}) and was killed; raise the timeout for long inputs`, error);
    if (error.code === 'ENOBUFS') fail(`ffmpeg wrote more than ${maxOutputBytes} bytes (${options.action})`, error);
    // EPIPE: ffmpeg quit before reading all its input; its exit status says why.
    if (error.code !== 'EPIPE') fail(`ffmpeg (${ffmpeg.path}) could not be run to ${options.action}: ${error.message}`, error);
  }
  if (result.status !== 0) fail(`ffmpeg failed to ${options.action} (exit ${result.status ?? result.signal})`);
  const outputs = result.output as unknown as Array<Buffer | null>;
  return { stdout: result.stdout, stderr: stderrText.slice(0, STDERR_KEPT_CHARS), pipes: outputs.slice(3, 3 + extra).map((bytes) => bytes ?? Buffer.alloc(0)) };
}

function lastLines(text: string): string {
  return text.trimEnd().split('\n').slice(-STDERR_TAIL_LINES).join('\n');
}
