import { Worker } from 'node:worker_threads';
import type { Dataset, OpenOptions, PluginOrigin, TesseraPlugin, VerifyReport } from '@tessera/core';
import type { VerifyWorkerInput, VerifyWorkerMessage } from './verify-worker.js';

/** What `GET /api/verify` returns; poll it after `POST /api/verify`. */
export interface VerifyState {
  state: 'idle' | 'running' | 'done' | 'failed';
  /** files checked so far and in all (the dataset and its sidecars) */
  filesChecked: number;
  filesTotal: number;
  /** where the file being checked is (verifyDataset's onProgress); null before the first report and when done */
  progress: { path: string; phase: 'structure' | 'checksums'; done: number; total: number } | null;
  /**
   * 0 to 1 over all files: whole files checked plus the current file's checksummed regions
   * (its structure check counts as none of it); 1 when done
   */
  fraction: number;
  startedAtMs: number | null;
  elapsedMs: number | null;
  /** every report is ok (set when done) */
  ok: boolean | null;
  reports: VerifyReport[];
  notes: string[];
  /** why the verification could not run (state 'failed') */
  error: string | null;
}

/** One verification at a time, in a worker thread, so the server keeps answering while it runs. */
export function createVerifyJob(dataset: Dataset, plugins: readonly TesseraPlugin[], remote: Pick<OpenOptions, 'byteSources' | 'remote'> = {}) {
  const paths = [dataset.path, ...dataset.sidecars.map((sidecar) => sidecar.path)];
  let state: VerifyState = idleState(paths.length);
  let worker: Worker | undefined;
  let finishedAtMs: number | undefined;

  const finish = (update: Partial<VerifyState>) => {
    finishedAtMs = Date.now();
    state = { ...state, ...update };
    worker = undefined;
  };

  return {
    snapshot(): VerifyState {
      const endMs = finishedAtMs ?? Date.now();
      return { ...state, elapsedMs: state.startedAtMs === null ? null : endMs - state.startedAtMs };
    },
    start(): VerifyState {
      if (state.state === 'running') return this.snapshot();
      const pluginOrigins = plugins.map((plugin) => plugin.origin).filter((origin): origin is PluginOrigin => origin !== undefined);
      const notes = plugins.filter((plugin) => plugin.origin === undefined).map((plugin) => `plugin ${plugin.name} has no origin, so verify cannot load it in its worker: its fields are checked by checksum only`);
      // Byte sources cross to the worker as their origins, like plugins (http(s) needs none).
      const byteSourceOrigins = (remote.byteSources ?? []).map((provider) => provider.origin).filter((origin) => origin !== undefined);
      state = { ...idleState(paths.length), state: 'running', startedAtMs: Date.now(), notes };
      finishedAtMs = undefined;
      const input: VerifyWorkerInput = { paths, pluginOrigins, byteSourceOrigins, ...(remote.remote === undefined ? {} : { remote: remote.remote }) };
      const current = new Worker(new URL('./verify-worker.js', import.meta.url), {
        workerData: input,
        // Not the parent's flags (--input-type, test runners' loaders): the worker is a plain ES module.
        execArgv: [],
      });
      worker = current;
      current.on('message', (message: VerifyWorkerMessage) => {
        if (message.type === 'plugin-skipped') state = { ...state, notes: [...state.notes, message.note] };
        else if (message.type === 'progress') {
          const { type: _type, ...progress } = message;
          const fileFraction = progress.phase === 'checksums' && progress.total > 0 ? progress.done / progress.total : 0;
          state = { ...state, progress, fraction: (state.filesChecked + fileFraction) / state.filesTotal };
        } else if (message.type === 'file-done') {
          const filesChecked = state.filesChecked + 1;
          state = { ...state, filesChecked, progress: null, fraction: filesChecked / state.filesTotal, reports: [...state.reports, message.report] };
        } else finish({ state: 'done', ok: state.reports.every((report) => report.ok), fraction: 1 });
      });
      current.on('error', (error) => finish({ state: 'failed', ok: false, error: error.message }));
      current.on('exit', (code) => {
        if (worker === current) finish({ state: 'failed', ok: false, error: `the verify worker stopped (exit code ${code}) before finishing` });
      });
      return this.snapshot();
    },
    async close(): Promise<void> {
      const current = worker;
      worker = undefined;
      if (current !== undefined) await current.terminate();
    },
  };
}

function idleState(filesTotal: number): VerifyState {
  return { state: 'idle', filesChecked: 0, filesTotal, progress: null, fraction: 0, startedAtMs: null, elapsedMs: null, ok: null, reports: [], notes: [], error: null };
}
