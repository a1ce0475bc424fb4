/**
 * The one module that touches FFCV. FFCV is measured when TESSERA_FFCV_PYTHONPATH names an FFCV 1.0
 * source tree built in place (benchmarks/README.md) that /usr/bin/python3 (or TESSERA_BENCH_PYTHON)
 * imports; otherwise `probeFfcv()` says why and the benchmarks print FFCV's reference figures,
 * marked "reference, not measured". The Node side of driver.py: one long-lived Python process, one
 * JSON command per line, FFCV's loaders kept alive across epochs. Contenders made here time
 * themselves (`timesItself`): a round is the seconds driver.py measured around FFCV's work.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';

export const FFCV_PYTHONPATH_VARIABLE = 'TESSERA_FFCV_PYTHONPATH';
const SCRIPT = join(import.meta.dirname, 'driver.py');
const PYTHON = process.env.TESSERA_BENCH_PYTHON || '/usr/bin/python3';
const STDERR_TAIL_LINES = 20;
const BUILD_HINT = 'build FFCV 1.0 in place and point TESSERA_FFCV_PYTHONPATH at it (benchmarks/README.md, "FFCV measured in the same run")';

/** The environment driver.py runs in: FFCV's tree first on PYTHONPATH. */
function driverEnvironment(pythonPath) {
  const existing = process.env.PYTHONPATH;
  return { ...process.env, PYTHONPATH: existing ? `${pythonPath}${delimiter}${existing}` : pythonPath };
}

const lastLine = (text) => text.trim().split('\n').at(-1) ?? '';

/**
 * Whether FFCV can be measured: `{ measured: true, python, pythonPath, versions }`, or
 * `{ measured: false, reason }` (the variable unset, the interpreter or the tree missing, or the
 * import failing, with Python's last error line and the fix).
 */
export function probeFfcv() {
  const pythonPath = process.env[FFCV_PYTHONPATH_VARIABLE];
  if (pythonPath === undefined || pythonPath === '') return { measured: false, reason: `${FFCV_PYTHONPATH_VARIABLE} is not set` };
  if (!existsSync(PYTHON)) return { measured: false, reason: `${PYTHON} is missing (set TESSERA_BENCH_PYTHON to another interpreter)` };
  if (!existsSync(join(pythonPath, 'ffcv'))) return { measured: false, reason: `${FFCV_PYTHONPATH_VARIABLE}=${pythonPath} holds no ffcv/ package; ${BUILD_HINT}` };
  const probe = spawnSync(PYTHON, [SCRIPT, '--versions'], { env: driverEnvironment(pythonPath), encoding: 'utf8', timeout: 300_000 });
  if (probe.status !== 0) {
    const why = probe.error?.message ?? lastLine(probe.stderr ?? '');
    return { measured: false, reason: `${PYTHON} could not import FFCV from ${FFCV_PYTHONPATH_VARIABLE}=${pythonPath} (${why}); ${BUILD_HINT}` };
  }
  return { measured: true, python: PYTHON, pythonPath, versions: JSON.parse(lastLine(probe.stdout)) };
}

/**
 * Starts driver.py for a probe that found FFCV. `request(command)` resolves with the reply (commands
 * are answered in order) or rejects with FFCV's error, its traceback's last line and the tail of
 * the driver's stderr.
 */
export function startFfcvDriver(probe) {
  const child = spawn(probe.python, [SCRIPT], { env: driverEnvironment(probe.pythonPath), stdio: ['pipe', 'pipe', 'pipe'] });
  const stderrTail = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
  });
  const pending = [];
  let exited;
  const failure = (message) => new Error(`${message}\nlast lines of FFCV's stderr:\n${stderrTail.join('\n')}`);
  createInterface({ input: child.stdout }).on('line', (line) => {
    const waiter = pending.shift();
    if (waiter === undefined) return;
    const reply = JSON.parse(line);
    if (reply.error !== undefined) waiter.reject(failure(`FFCV driver, op ${waiter.op}: ${reply.error}\n${reply.traceback ?? ''}`));
    else waiter.resolve(reply);
  });
  child.on('exit', (code, signal) => {
    exited = `FFCV driver exited (${signal ?? code})`;
    for (const waiter of pending.splice(0)) waiter.reject(failure(`${exited} during op ${waiter.op}`));
  });
  const request = (command) =>
    new Promise((resolve, reject) => {
      if (exited !== undefined) {
        reject(failure(exited));
        return;
      }
      pending.push({ op: command.op, resolve, reject });
      child.stdin.write(`${JSON.stringify(command)}\n`);
    });

  return {
    request,
    /** FFCV's DatasetWriter: NDArrayField(float32, shape) + IntField from a raw file (the arrays, then int64 labels). */
    writeNdarray: ({ path, raw, numSamples, shape, workers }) => request({ op: 'write-ndarray', path, raw, numSamples, shape, workers }),
    /** sha256 of the first sequential batch (image bytes, then labels as int32), from FFCV's Loader. */
    firstBatchDigest: (settings) => request({ op: 'first-batch-digest', ...settings }),
    /**
     * A writer contender: each run writes `command` (op write-images or write-ndarray) again and
     * resolves with FFCV's milliseconds.
     */
    writerContender({ id, label, command }) {
      return {
        id,
        label,
        timesItself: true,
        async start() {},
        async run() {
          const reply = await request(command);
          return reply.seconds * 1000;
        },
        async close() {},
      };
    },
    /**
     * A loader contender: one run is one epoch of the FFCV Loader made from `settings` (see
     * driver.py); `start()` makes it and runs its untimed warm-up epoch. Every epoch must deliver
     * `samplesPerEpoch` samples.
     */
    loaderContender({ id, label, settings, samplesPerEpoch, workers, order }) {
      let samples = 0;
      let checksum = 0;
      let warmupSeconds;
      const epoch = async () => {
        const reply = await request({ op: 'epoch', ...settings });
        if (reply.samples !== samplesPerEpoch) throw new Error(`FFCV (${label}) delivered ${reply.samples} samples in an epoch, expected ${samplesPerEpoch}`);
        if (reply.warmupSeconds !== undefined) warmupSeconds = reply.warmupSeconds;
        samples += reply.samples;
        checksum += reply.checksum;
        return reply.seconds * 1000;
      };
      return {
        id,
        label,
        engine: 'ffcv',
        workers,
        order,
        timesItself: true,
        start: epoch,
        run: epoch,
        get samples() {
          return samples;
        },
        get checksum() {
          return checksum;
        },
        /** Seconds of the untimed first epoch (numba compiling the pipeline, threads starting). */
        get warmupSeconds() {
          return warmupSeconds;
        },
        close: () => request({ op: 'close', ...settings }),
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
