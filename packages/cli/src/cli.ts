#!/usr/bin/env node
// The `tessera` executable: runs the CLI on this process's argv and streams (see run-cli.ts).
import { ioError } from '@tessera/core/internals';
import { runCli } from './run-cli.js';

// A reader that goes away (`tessera dump file | head`) is not an error; commands notice and stop.
// Any other failure to write stdout (`> /dev/full`: ENOSPC) is reported ONCE: commands that write
// through a BufferedOutput report it themselves (and exit 1); what is left is a failure of output
// written without one (help text) or noticed only after the command returned success.
let commandDone = false;
let commandFailed = false;
let outputFailure: NodeJS.ErrnoException | undefined;
let outputFailureReported = false;

function reportOutputFailure(): void {
  if (outputFailure === undefined || outputFailureReported || commandFailed) return;
  outputFailureReported = true;
  process.stderr.write(`tessera: E_IO: ${ioError(outputFailure, 'write the output to', 'stdout').message}\n`);
  process.exitCode = 1;
}

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') return;
  outputFailure ??= error;
  if (commandDone) reportOutputFailure();
});

const exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
commandDone = true;
commandFailed = exitCode !== 0;
process.exitCode = exitCode;
reportOutputFailure();
