import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

/**
 * The seeded fuzz suite (issue 9): ~2,900 mutants of small Tessera and FFCV files, run in a child
 * process so a crash or a hang is caught and named. See test/fuzz/fuzz-runner.mjs for the classes
 * and how to reproduce one mutant (`--only ID`).
 */
const RUNNER = fileURLToPath(new URL('./fuzz/fuzz-runner.mjs', import.meta.url));
const HANG_MS = 10_000;

interface Summary {
  counts: Record<string, number>;
  failures: Array<{ id: string; mutation: string; outcome: string; detail?: string }>;
}

function runFuzz(): Promise<{ summary: Summary | undefined; crash: string | undefined }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUNNER], { stdio: ['ignore', 'pipe', 'pipe'] });
    let current: string | undefined;
    let summary: Summary | undefined;
    let crash: string | undefined;
    let stderr = '';
    let watchdog = setTimeout(onHang, HANG_MS * 3); // the first mutant waits for the base files to be written
    function onHang() {
      crash = `hang: no progress for ${HANG_MS} ms while on mutant ${current ?? '(none yet)'}`;
      child.kill('SIGKILL');
    }
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      clearTimeout(watchdog);
      watchdog = setTimeout(onHang, HANG_MS);
      if (line.startsWith('start ')) current = line.slice(6);
      else if (line.startsWith('{')) summary = (JSON.parse(line) as { summary: Summary }).summary;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      if (crash === undefined && (code !== 0 || signal !== null)) {
        crash = `crash: exit ${code ?? ''}${signal ?? ''} on mutant ${current ?? '(none)'}: ${stderr.slice(-2000)}`;
      }
      resolve({ summary, crash });
    });
  });
}

it('classifies every mutant as a typed error, identical data, or damage verify reports', async () => {
  const { summary, crash } = await runFuzz();
  expect(crash).toBeUndefined();
  expect(summary).toBeDefined();
  console.log(`fuzz outcomes: ${JSON.stringify(summary!.counts)}`);
  expect(summary!.failures).toEqual([]);
  // The suite must exercise each accepted class (a fuzzer whose mutants all fail at the header tests nothing).
  for (const outcome of ['typed-error', 'identical', 'flagged-by-verify']) expect(summary!.counts[outcome]).toBeGreaterThan(50);
}, 300_000);
