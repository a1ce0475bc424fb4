/**
 * Runs core's verifyDataset off the server's thread (it reads and checksums the whole file
 * synchronously), one file after another, posting its progress (at most ~100 messages a file, from
 * verifyDataset's onProgress) and each report as it is done.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type ByteSourceOrigin, type ByteSourceProvider, type PluginOrigin, type RemoteOptions, type TesseraPlugin, verifyDataset } from '@tessera/core';

export interface VerifyWorkerInput {
  paths: string[];
  pluginOrigins: PluginOrigin[];
  /** providers of a remote dataset (e.g. @tessera/s3's), rebuilt here from their origin */
  byteSourceOrigins: ByteSourceOrigin[];
  remote?: RemoteOptions;
}

export type VerifyWorkerMessage =
  | { type: 'progress'; path: string; phase: 'structure' | 'checksums'; done: number; total: number }
  | { type: 'file-done'; report: ReturnType<typeof verifyDataset> }
  | { type: 'plugin-skipped'; note: string }
  | { type: 'finished' };

const input = workerData as VerifyWorkerInput;
const post = (message: VerifyWorkerMessage) => parentPort!.postMessage(message);

const plugins: TesseraPlugin[] = [];
for (const origin of input.pluginOrigins) {
  try {
    const namespace = (await import(origin.module)) as Record<string, (options?: unknown) => TesseraPlugin>;
    plugins.push(namespace[origin.exportName]!(origin.options));
  } catch (error) {
    // verify still checks the bytes of fields whose plugin is missing, and notes them.
    post({ type: 'plugin-skipped', note: `plugin ${origin.module}#${origin.exportName} could not be loaded for verify: ${error instanceof Error ? error.message : String(error)}` });
  }
}
const byteSources: ByteSourceProvider[] = [];
for (const origin of input.byteSourceOrigins) {
  const namespace = (await import(origin.module)) as Record<string, (options?: unknown) => ByteSourceProvider>;
  byteSources.push(namespace[origin.exportName]!(origin.options));
}
for (const path of input.paths) {
  const report = verifyDataset(path, { plugins, byteSources, remote: input.remote, onProgress: ({ phase, done, total }) => post({ type: 'progress', path, phase, done, total }) });
  post({ type: 'file-done', report });
}
post({ type: 'finished' });
