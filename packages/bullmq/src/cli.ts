#!/usr/bin/env node
// The `tessera-bullmq` executable: runs the CLI on this process's argv and streams (see run-bullmq-cli.ts).
import { runBullmqCli } from './run-bullmq-cli.js';

const exitCode = await runBullmqCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  onStop(listener) {
    // The first SIGTERM/SIGINT lets the running jobs finish; a second one stops them.
    let signals = 0;
    const onSignal = () => listener(++signals === 1 ? 'graceful' : 'force');
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  },
});
process.exitCode = exitCode;
