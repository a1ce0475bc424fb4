import type { Writable } from 'node:stream';
import { TesseraError } from '@tessera/core';

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
  /** Hands everything buffered to the stream and waits until it is accepted. */
  flush(): Promise<void>;
  /** True once the reader is gone (EPIPE or a destroyed stream): further writes are dropped. */
  readonly closed: boolean;
  /** Removes the listeners this output put on the stream. */
  dispose(): void;
}

const DEFAULT_CHUNK_LENGTH = 64 * 1024;

export function createBufferedOutput(stream: Writable, options: { chunkLength?: number } = {}): BufferedOutput {
  const chunkLength = options.chunkLength ?? DEFAULT_CHUNK_LENGTH;
  let pending: string[] = [];
  let pendingLength = 0;
  let full = false;
  let closed = false;
  let failure: Error | undefined;

  const onError = (error: Error) => classify(error);
  stream.on('error', onError);

  function classify(error: Error | null | undefined): void {
    if (error === null || error === undefined) {
      closed = true;
    } else if (isBrokenPipe(error)) {
      closed = true;
    } else {
      failure ??= error;
    }
  }

  /** Looks at the stream's state after a write: destroyed (EPIPE is synchronous for pipes) or errored. */
  function checkStream(): void {
    if (stream.destroyed || stream.errored) classify(stream.errored);
    if (failure !== undefined) {
      throw new TesseraError('E_IO', `cannot write the output: ${failure.message}`, { cause: failure });
    }
  }

  function writeOut(): void {
    if (pendingLength === 0) return;
    const chunk = pending.length === 1 ? pending[0]! : pending.join('');
    pending = [];
    pendingLength = 0;
    checkStream();
    if (closed) return;
    if (!stream.write(chunk)) full = true;
    checkStream();
  }

  return {
    write(text) {
      if (closed) return false;
      pending.push(text);
      pendingLength += text.length;
      if (pendingLength >= chunkLength) writeOut();
      return full || closed;
    },
    async drain() {
      checkStream();
      if (closed || !full) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          stream.off('drain', done);
          stream.off('close', done);
          stream.off('error', done);
          resolve();
        };
        stream.on('drain', done);
        stream.on('close', done);
        stream.on('error', done);
      });
      full = false;
      checkStream();
    },
    async flush() {
      writeOut();
      await this.drain();
    },
    get closed() {
      return closed;
    },
    dispose() {
      stream.off('error', onError);
    },
  };
}

function isBrokenPipe(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ECONNRESET';
}
