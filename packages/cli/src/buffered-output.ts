import type { Writable } from 'node:stream';
import { ioError } from '@tessera/core/internals';

/**
 * Text output to a stream (stdout) in chunks of about `chunkLength` characters, with backpressure
 * and a quiet stop when the reader goes away (`tessera dump file | head`: EPIPE).
 *
 * Producers call `write()` synchronously and only `await drain()` when it returns true, so a dump
 * costs no promise per sample. Once `closed` is true nobody reads the output any more: stop
 * producing and exit successfully. Other write errors (disk full...) are thrown as E_IO.
 */
export interface BufferedOutput {
  /** Appends text. Returns true when the stream is full: `await drain()` before writing more. */
  write(text: string): boolean;
  /** Resolves once the stream takes more data, or the output is closed; throws E_IO on a write error. */
  drain(): Promise<void>;
  /** Hands everything buffered to the stream and waits until the stream has written it. */
  flush(): Promise<void>;
  /** True once the reader is gone (EPIPE or a destroyed stream): further writes are dropped. */
  readonly closed: boolean;
  /** Removes the listener this output put on the stream (kept on a failed stream, whose error event is still to come). */
  dispose(): void;
}

const DEFAULT_CHUNK_LENGTH = 64 * 1024;

export function createBufferedOutput(stream: Writable, options: { chunkLength?: number } = {}): BufferedOutput {
  const chunkLength = options.chunkLength ?? DEFAULT_CHUNK_LENGTH;
  let pending: string[] = [];
  let pendingLength = 0;
  /** stream.write() returned false: wait for 'drain'. */
  let full = false;
  /** Chunks handed to the stream whose write callback has not run yet. */
  let unfinishedWrites = 0;
  let closed = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;

  const onEvent = () => wake?.();
  const onError = (error: Error) => {
    classify(error);
    onEvent();
  };
  const onWritten = (error?: Error | null) => {
    unfinishedWrites--;
    if (error) classify(error);
    onEvent();
  };
  stream.on('error', onError);

  function classify(error: Error | null | undefined): void {
    if (error === null || error === undefined || isBrokenPipe(error)) closed = true;
    else failure ??= error;
  }

  /** Looks at the stream's state: destroyed or errored (a broken pipe is noticed synchronously for pipes). */
  function checkStream(): void {
    if (stream.destroyed || stream.errored) classify(stream.errored);
    if (failure !== undefined) {
      throw ioError(failure, 'write the output to', 'stdout');
    }
  }

  /** Resolves at the next drain, close, error or finished write. */
  function nextEvent(): Promise<void> {
    return new Promise<void>((resolve) => {
      stream.on('drain', onEvent);
      stream.on('close', onEvent);
      wake = () => {
        wake = undefined;
        stream.off('drain', onEvent);
        stream.off('close', onEvent);
        resolve();
      };
    });
  }

  function writeOut(): void {
    if (pendingLength === 0) return;
    const chunk = pending.length === 1 ? pending[0]! : pending.join('');
    pending = [];
    pendingLength = 0;
    checkStream();
    if (closed) return;
    unfinishedWrites++;
    if (!stream.write(chunk, onWritten)) full = true;
    checkStream();
  }

  async function drain(): Promise<void> {
    checkStream();
    while (full && !closed && !stream.destroyed && stream.writableNeedDrain) {
      await nextEvent();
      checkStream();
    }
    full = false;
  }

  return {
    write(text) {
      if (closed) return false;
      pending.push(text);
      pendingLength += text.length;
      if (pendingLength >= chunkLength) writeOut();
      return full || closed;
    },
    drain,
    async flush() {
      writeOut();
      await drain();
      // Wait for the write callbacks: they carry the errors of the last chunks.
      while (unfinishedWrites > 0 && !closed && !stream.destroyed) {
        await nextEvent();
        checkStream();
      }
      checkStream();
    },
    get closed() {
      return closed;
    },
    dispose() {
      // A failed or destroyed stream emits its error on a later tick: keep listening so it is not uncaught.
      if (!stream.destroyed && !stream.errored) stream.off('error', onError);
    },
  };
}

function isBrokenPipe(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ECONNRESET';
}
