import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's redis-server (scripts/run-tests.mjs installs it with apt-get when it can). */
export const REDIS_SERVER = '/usr/bin/redis-server';
export const hasRedisServer = existsSync(REDIS_SERVER);
/** The reason the queue tests skip, in their names. */
export const NO_REDIS = hasRedisServer ? '' : ` (skipped: no ${REDIS_SERVER}; apt-get install redis-server)`;

export interface RedisServer {
  url: string;
  port: number;
  connection: { host: string; port: number };
  stop(): Promise<void>;
}

/** A port nobody listens on right now, on 127.0.0.1. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts a throwaway redis-server on 127.0.0.1 (no persistence, its folder in a temporary directory). */
export async function startRedisServer(): Promise<RedisServer> {
  const directory = mkdtempSync(join(tmpdir(), 'tessera-bullmq-redis-'));
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn(REDIS_SERVER, ['--save', '', '--appendonly', 'no', '--port', String(port), '--bind', '127.0.0.1', '--dir', directory], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ready = await new Promise<boolean>((resolve) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('Ready to accept connections')) resolve(true);
      };
      child.stdout!.on('data', onData);
      child.once('exit', () => resolve(false));
      setTimeout(() => resolve(false), 10_000).unref();
    });
    if (ready) {
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        connection: { host: '127.0.0.1', port },
        stop: async () => {
          await stopProcess(child);
          rmSync(directory, { recursive: true, force: true });
        },
      };
    }
    await stopProcess(child);
    if (attempt === 2) throw new Error(`redis-server did not start on 127.0.0.1 (3 ports tried)`);
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
