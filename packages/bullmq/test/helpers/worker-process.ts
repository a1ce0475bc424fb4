import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** One line of `tessera-bullmq worker --json`. */
export interface WorkerLine {
  type: string;
  worker: string;
  jobId?: string;
  jobName?: string;
  attempt?: number;
  shard?: { index: number; count: number };
  error?: string;
  [key: string]: unknown;
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Every JSON line printed so far. */
  lines: WorkerLine[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `command args…` as its own process group (so that killing the group takes the tessera
 * CLI it runs too, as when a machine dies), collecting the JSON lines it prints.
 */
export function startWorkerProcess(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): WorkerProcess {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: WorkerLine[] = [];
  let pending = '';
  let errorText = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const line of complete) if (line.startsWith('{')) lines.push(JSON.parse(line) as WorkerLine);
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    errorText += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, lines, stderr: () => errorText, exited };
}

/** The first line (of any of `workers`) matching `predicate`, polling; throws after `timeoutMs`. */
export async function firstLine(workers: readonly WorkerProcess[], predicate: (line: WorkerLine) => boolean, timeoutMs: number): Promise<{ worker: WorkerProcess; line: WorkerLine }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const worker of workers) {
      const line = worker.lines.find(predicate);
      if (line !== undefined) return { worker, line };
    }
    await sleep(10);
  }
  throw new Error(`no worker printed the line waited for within ${timeoutMs} ms; they printed: ${JSON.stringify(workers.map((worker) => worker.lines))} ${workers.map((worker) => worker.stderr()).join('\n')}`);
}

/** Signals the process group of `worker` (ignoring one that is gone already). */
export function signalGroup(worker: WorkerProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-worker.child.pid!, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
