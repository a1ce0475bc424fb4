import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const RUNNER = fileURLToPath(new URL('./fuzz-runner.mjs', import.meta.url));

/**
 * Runs fuzz-runner.mjs in a child process and watches it: a mutant that takes longer than `hangMs`
 * is a hang (the child is killed), a child that dies is a crash; both name the mutant.
 * Resolves to `{ summary, crash }` (summary: counts per outcome class and the failing mutants).
 */
export function runFuzzInChild(args = [], { hangMs = 10_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUNNER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let current;
    let summary;
    let crash;
    let stderr = '';
    const onHang = () => {
      crash = `hang: no progress for ${hangMs} ms on mutant ${current ?? '(none yet)'}`;
      child.kill('SIGKILL');
    };
    let watchdog = setTimeout(onHang, hangMs * 3); // writing the base files comes first
    child.stderr.on('data', (chunk) => {
      stderr += chunk.toString();
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      clearTimeout(watchdog);
      watchdog = setTimeout(onHang, hangMs);
      if (line.startsWith('start ')) current = line.slice(6);
      else if (line.startsWith('{')) summary = JSON.parse(line).summary;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      if (crash === undefined && (code !== 0 || signal !== null)) {
        crash = `crash: exit ${code ?? signal} on mutant ${current ?? '(none)'}: ${stderr.slice(-2000)}`;
      }
      resolve({ summary, crash });
    });
  });
}
