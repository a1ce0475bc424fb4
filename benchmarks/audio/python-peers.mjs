/**
 * The Node side of python/audio_peers.py: one long-lived /usr/bin/python3 process (or
 * TESSERA_BENCH_PYTHON) holding warm multiprocessing pools, one JSON line per command. A contender
 * made here is timed by its own reply (`elapsedMs`, measured in Python around the pool's work), so
 * the pipe's round trip is not counted against soundfile.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const SCRIPT = join(import.meta.dirname, 'python', 'audio_peers.py');
export const PYTHON = process.env.TESSERA_BENCH_PYTHON || '/usr/bin/python3';

/**
 * What the Python side can run: `{ soundfile: boolean, torchaudio: boolean, versions, reason }`,
 * checked with a one-off import (no server started).
 */
export function probePython() {
  if (!existsSync(PYTHON)) return { soundfile: false, torchaudio: false, reason: `${PYTHON} is missing` };
  const probe = (module) => spawnSync(PYTHON, ['-c', `import ${module}`], { encoding: 'utf8' });
  const soundfile = probe('soundfile');
  if (soundfile.status !== 0) return { soundfile: false, torchaudio: false, reason: `${PYTHON} has no soundfile (${lastLine(soundfile.stderr)})` };
  const torchaudio = probe('torch, torchaudio');
  return { soundfile: true, torchaudio: torchaudio.status === 0, reason: torchaudio.status === 0 ? undefined : `${PYTHON} has no torchaudio (${lastLine(torchaudio.stderr)})` };
}

const lastLine = (text) => text.trim().split('\n').at(-1) ?? '';

/** Starts the server; `request(command)` resolves with its reply (commands are answered in order). */
export function startPythonPeers() {
  const child = spawn(PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
  const pending = [];
  let exited;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const waiter = pending.shift();
    if (waiter === undefined) return;
    const reply = JSON.parse(line);
    if (reply.error !== undefined) waiter.reject(new Error(`python peer: ${reply.error}`));
    else waiter.resolve(reply);
  });
  child.on('exit', (code, signal) => {
    exited = `python peer exited (${signal ?? code})`;
    for (const waiter of pending.splice(0)) waiter.reject(new Error(exited));
  });
  const request = (command) =>
    new Promise((resolve, reject) => {
      if (exited !== undefined) {
        reject(new Error(exited));
        return;
      }
      pending.push({ resolve, reject });
      child.stdin.write(`${JSON.stringify(command)}\n`);
    });
  let nextId = 0;
  return {
    request,
    /**
     * A contender running `task` over `files` in the server; `setup` starts its pool and warms it.
     * `run()` returns the Python-measured milliseconds (measureInterleaved uses `timedMs` when set).
     */
    contender({ id, label, task, files, processes = 2, epochs = 1, extra = {} }) {
      const key = `${id}-${nextId++}`;
      let last;
      return {
        id,
        label,
        clipsPerRun: files.length * epochs,
        async start() {
          await request({ op: 'setup', id: key, task, files, processes, ...extra });
        },
        async run() {
          last = await request({ op: 'run', id: key, epochs });
          return last.elapsedMs;
        },
        get samplesPerRun() {
          return last?.samples;
        },
        async close() {
          await request({ op: 'close', id: key });
        },
      };
    },
    async close() {
      if (exited !== undefined) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end(`${JSON.stringify({ op: 'quit' })}\n`);
      await done;
    },
  };
}
