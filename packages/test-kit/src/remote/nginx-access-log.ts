import { open } from 'node:fs/promises';
import { TesseraError } from '@tessera/core';
import { type RequestLogEntry, waitForEntries } from './request-log.js';

/** The access log of a startNginx server, read as the RequestLog of a TestServer. */
export interface NginxAccessLog {
  requests(): Promise<RequestLogEntry[]>;
  resetRequests(): Promise<void>;
  waitForRequests(count: number, options?: { timeoutMs?: number }): Promise<RequestLogEntry[]>;
}

/** One line of the log nginx writes with nginx-config.ts's format. */
interface NginxLogLine {
  method: string;
  path: string;
  range: string;
  ifMatch: string;
  status: number;
  bytesSent: number;
  connection: number;
}

const NEWLINE = 0x0a;

/**
 * Reads nginx's JSON access log at `path` incrementally: each call parses the complete lines
 * appended since the previous one (a line being written is left for later). nginx's connection
 * serials (global to the process, not starting at 1) are renumbered 1, 2, … in the order they
 * first appear, like startStaticServer's; `resetRequests()` drops the entries read so far but
 * keeps the numbering. Reads are serialized, so concurrent calls never parse a line twice.
 */
export function createNginxAccessLog(path: string): NginxAccessLog {
  let consumedBytes = 0;
  let entries: RequestLogEntry[] = [];
  const connectionNumbers = new Map<number, number>();
  let queue: Promise<unknown> = Promise.resolve();

  const serialized = <T>(task: () => Promise<T>): Promise<T> => {
    const result = queue.then(task);
    queue = result.catch(() => undefined);
    return result;
  };

  const readNewLines = async (): Promise<void> => {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // nginx creates it at start; nothing logged yet
      throw new TesseraError('E_IO', `cannot read the nginx access log ${path}: ${(error as Error).message}`, { cause: error });
    }
    try {
      const { size } = await handle.stat();
      if (size <= consumedBytes) return;
      const bytes = Buffer.alloc(size - consumedBytes);
      const { bytesRead } = await handle.read(bytes, 0, bytes.byteLength, consumedBytes);
      if (bytesRead === 0) return;
      const complete = bytes.subarray(0, bytes.lastIndexOf(NEWLINE, bytesRead - 1) + 1);
      consumedBytes += complete.byteLength;
      for (const line of complete.toString('utf8').split('\n')) {
        if (line !== '') entries.push(toEntry(line, connectionNumbers, path));
      }
    } finally {
      await handle.close();
    }
  };

  const requests = () =>
    serialized(async () => {
      await readNewLines();
      return entries.map((entry) => ({ ...entry }));
    });

  return {
    requests,
    resetRequests: () =>
      serialized(async () => {
        await readNewLines();
        entries = [];
      }),
    waitForRequests: (count, options) => waitForEntries(requests, count, options?.timeoutMs),
  };
}

function toEntry(line: string, connectionNumbers: Map<number, number>, path: string): RequestLogEntry {
  let parsed: NginxLogLine;
  try {
    parsed = JSON.parse(line) as NginxLogLine;
  } catch (error) {
    throw new TesseraError('E_IO', `the nginx access log ${path} has a line that is not JSON: ${JSON.stringify(line.slice(0, 200))}`, { cause: error });
  }
  let connection = connectionNumbers.get(parsed.connection);
  if (connection === undefined) connectionNumbers.set(parsed.connection, (connection = connectionNumbers.size + 1));
  return {
    method: parsed.method,
    path: parsed.path,
    ...(parsed.range === '' ? {} : { range: parsed.range }),
    ...(parsed.ifMatch === '' ? {} : { ifMatch: parsed.ifMatch }),
    status: parsed.status,
    bytesSent: parsed.bytesSent,
    connection,
  };
}
