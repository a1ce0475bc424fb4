import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TesseraError } from '@tessera/core';
import { LOOPBACK_HOST, checkPort } from './loopback-listen.js';
import { createNginxAccessLog } from './nginx-access-log.js';
import { nginxAvailable, nginxCandidates } from './nginx-binary.js';
import { nginxConfig } from './nginx-config.js';
import { checkServerOptions } from './server-options.js';
import { resolveServingRoot } from './serving-root.js';
import type { NginxServer } from './test-server.js';

export interface NginxOptions {
  /** The folder served at `/`, read-only. Must exist. */
  root: string;
  /** The port to listen on, on 127.0.0.1; default: a free port (nginx cannot take 0, so one is picked and retried if taken meanwhile). */
  port?: number;
}

const NGINX_OPTIONS = ['root', 'port'] as const;
/** How many free ports are tried when another process takes the picked one first. */
const PORT_ATTEMPTS = 5;
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const POLL_INTERVAL_MS = 10;
/** The tail of nginx's stderr kept for error messages. */
const STDERR_LIMIT = 8192;

/**
 * Starts a real nginx (as nginxAvailable() finds it) serving `root` read-only on 127.0.0.1, in a
 * child process, with a generated config in a private temporary folder (see nginx-config.ts:
 * strong ETags, If-Match, single ranges, a JSON access log that `requests()` parses). Resolves
 * once nginx listens.
 *
 * For testing a byte-range client against the origin the reference says it should handle, next
 * to startStaticServer; nginx's own answers win where they differ (a 400 for `..` above the root,
 * 499 in the log when the client left).
 *
 * No nginx, a bad `root` or a port in use reject with a typed error (E_IO, E_ARGUMENT). `close()`
 * stops nginx (SIGQUIT, then SIGKILL after 5 s), waits for it and removes the temporary folder;
 * an nginx still running when the process exits is killed.
 */
export async function startNginx(options: NginxOptions): Promise<NginxServer> {
  checkServerOptions('startNginx', options, NGINX_OPTIONS);
  const requestedPort = checkPort(options.port);
  const executable = nginxAvailable();
  if (executable === undefined) {
    throw new TesseraError(
      'E_IO',
      `startNginx: nginx was not found (looked in ${nginxCandidates().join(', ')}); install it (Debian/Ubuntu: apt-get install nginx-light) or skip the test with describe.skipIf(!nginxAvailable())`,
    );
  }
  const root = await resolveServingRoot(options.root);
  const folder = await mkdtemp(join(tmpdir(), 'tessera-nginx-'));
  try {
    for (let attempt = 1; ; attempt++) {
      const port = requestedPort === 0 ? await pickFreePort() : requestedPort;
      const configPath = join(folder, 'nginx.conf');
      await writeFile(configPath, nginxConfig({ root, port, folder }));
      const outcome = await launchNginx(executable, configPath, folder);
      if (outcome.kind === 'listening') return nginxHandle(outcome.child, port, folder);
      if (requestedPort !== 0 || attempt >= PORT_ATTEMPTS) {
        const tried = requestedPort !== 0 ? '' : ` (${attempt} free ports tried, each taken before nginx could bind it)`;
        throw new TesseraError('E_IO', `startNginx: port ${port} is in use${tried}; pass another port, or none for a free one. nginx said: ${outcome.stderr.trim()}`);
      }
    }
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
}

type LaunchOutcome = { kind: 'listening'; child: ChildProcess } | { kind: 'port-in-use'; stderr: string };

/**
 * Spawns nginx and resolves once it listens: nginx writes its pid file only after binding every
 * socket, so the pid file holding the child's pid is the signal. A bind refused with "Address
 * already in use" (nginx would retry for 2.5 s) ends the child at once with `port-in-use`; any
 * other exit before listening rejects with nginx's stderr.
 */
function launchNginx(executable: string, configPath: string, folder: string): Promise<LaunchOutcome> {
  const child = spawn(executable, ['-p', `${folder}/`, '-c', configPath, '-e', 'stderr'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_LIMIT);
  });
  const pidPath = join(folder, 'nginx.pid');
  return new Promise<LaunchOutcome>((resolve, reject) => {
    const startedAt = Date.now();
    let settled = false;
    const settle = (outcome: LaunchOutcome | Error) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      child.off('exit', onExit);
      child.off('error', onError);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    /** Kills the child and settles with `outcome` once it is gone (not with what onExit would say). */
    const stopThen = (outcome: LaunchOutcome | Error) => {
      clearInterval(poll);
      child.off('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return settle(outcome);
      child.once('exit', () => settle(outcome));
      child.kill('SIGKILL');
    };
    const onExit = (code: number | null, signal: string | null) => {
      const how = code === null ? `signal ${signal}` : `code ${code}`;
      if (/address already in use/i.test(stderr)) return settle({ kind: 'port-in-use', stderr });
      settle(new TesseraError('E_IO', `startNginx: nginx exited with ${how} before listening: ${stderr.trim() || '(no output)'}`));
    };
    const onError = (error: Error) => settle(new TesseraError('E_IO', `startNginx: cannot run ${executable}: ${error.message}`, { cause: error }));
    child.on('exit', onExit);
    child.on('error', onError);
    let checking = false;
    const poll = setInterval(async () => {
      if (checking || settled) return;
      checking = true;
      try {
        if (/address already in use/i.test(stderr)) return stopThen({ kind: 'port-in-use', stderr });
        if (Date.now() - startedAt > START_TIMEOUT_MS) {
          return stopThen(new TesseraError('E_IO', `startNginx: nginx did not listen within ${START_TIMEOUT_MS} ms: ${stderr.trim() || '(no output)'}`));
        }
        const pid = await readFile(pidPath, 'utf8').catch(() => '');
        if (child.pid !== undefined && Number(pid.trim()) === child.pid && child.exitCode === null) settle({ kind: 'listening', child });
      } finally {
        checking = false;
      }
    }, POLL_INTERVAL_MS);
  });
}

function nginxHandle(child: ChildProcess, port: number, folder: string): NginxServer {
  const url = `http://${LOOPBACK_HOST}:${port}`;
  const log = createNginxAccessLog(join(folder, 'access.log'));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let closing: Promise<void> | undefined;
  const open = <T>(method: string, run: () => Promise<T>): Promise<T> =>
    closing === undefined ? run() : Promise.reject(new TesseraError('E_CLOSED', `${method}(): the nginx at ${url} was closed; start a new one`));
  return {
    url,
    port,
    requests: () => open('requests', log.requests),
    resetRequests: () => open('resetRequests', log.resetRequests),
    waitForRequests: (count, options) => open('waitForRequests', () => log.waitForRequests(count, options)),
    close() {
      closing ??= (async () => {
        await stopChild(child);
        process.off('exit', killOnExit);
        await rm(folder, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

/** SIGQUIT (nginx's graceful shutdown: in-flight requests finish and are logged), SIGKILL if it lingers. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGQUIT');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** A port free right now on 127.0.0.1 (the OS picks it); another process may take it before nginx binds it. */
function pickFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, LOOPBACK_HOST, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
