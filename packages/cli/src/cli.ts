#!/usr/bin/env node
// The `tessera` executable: runs the CLI on this process's argv and streams (see run-cli.ts).
import { runCli } from './run-cli.js';

// A reader that goes away (`tessera dump file | head`) is not an error; commands notice and stop.
// Any other failure to write stdout is reported once, without a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') return;
  process.stderr.write(`tessera: E_IO: cannot write the output: ${error.message}\n`);
  process.exitCode = 1;
});

const exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
// Keep a failure the stdout listener recorded.
if (!process.exitCode) process.exitCode = exitCode;
