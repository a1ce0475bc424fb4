import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export type RangeFault = '500' | '503' | 'reset' | 'truncate' | 'content-range' | 'no-range';

export interface LoggedRequest {
  method: string;
  path: string;
  range?: string;
  ifMatch?: string;
  status: number;
  fault?: RangeFault;
}

export interface RangeServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Faults for the next Range GETs, one each, in order; and the latency of every request. */
  control(settings: { latencyMs?: number; faults?: RangeFault[]; resetLog?: boolean }): Promise<void>;
  requests(): Promise<LoggedRequest[]>;
  close(): Promise<void>;
}

/** Serves `root` from a child process (see range-server-process.mjs for why), on `port` (default: a free one). */
export async function startRangeServer(root: string, port = 0): Promise<RangeServer> {
  const child: ChildProcess = spawn(process.execPath, [join(import.meta.dirname, 'range-server-process.mjs'), root, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const boundPort = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`range server exited with ${code}`)));
    child.stdout!.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
  });
  const url = `http://127.0.0.1:${boundPort}`;
  return {
    url,
    async control(settings) {
      await fetch(`${url}/__control`, { method: 'POST', body: JSON.stringify(settings) });
    },
    async requests() {
      return (await (await fetch(`${url}/__log`)).json()) as LoggedRequest[];
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
