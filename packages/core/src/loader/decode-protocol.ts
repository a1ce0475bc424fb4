import type { JsonValue, PluginOrigin } from '../registry/plugin-contract.js';
import type { SerializedError } from '../util/serialize-error.js';
import type { FileIdentity } from '../io/file-identity.js';
import type { ResolvedWindowOptions } from './sample-window.js';
import type { ResolvedRemote } from '../reader/remote-options.js';
import type { ResolvedStreamSpec } from '../reader/dataset-manifest.js';

/** Everything a decode worker needs, sent once as workerData. */
export interface DecodeWorkerSetup {
  /** the file's path, for messages */
  path: string;
  /** what the worker opens: an alias of the loader's descriptor (`/proc/self/fd/N`) or the path */
  openPath: string;
  /** the inode the loader opened; the worker refuses any other */
  identity: FileIdentity;
  /** set for a remote dataset: workers open the same object with the same settings and identity (no inode to check) */
  remote?: ResolvedRemote;
  /** a dataset of several files: its manifest (streams of paths) and each file as the loader pinned it, in order */
  files?: {
    streams: ResolvedStreamSpec[];
    samplesPerEpoch: number | undefined;
    pinned: Array<{ path: string; openPath: string; identity: FileIdentity }>;
  };
  /** the loader's sidecar files (`dataset.sidecars`, in order), opened and checked like the file */
  sidecars: Array<{ path: string; openPath: string; identity: FileIdentity }>;
  mmap: 'auto' | 'off' | 'required';
  cache: 'os' | 'process';
  cacheBytes: number | undefined;
  plugins: Array<PluginOrigin & { name: string }>;
  fields: Array<{
    /** the output's name */
    name: string;
    /** the stored field decoded */
    source: string;
    decoder?: string;
    decoderOptions?: JsonValue;
    operations: Array<PluginOrigin & { name: string }>;
    /** keeps random streams identical to the calling thread's */
    stageSalt: number;
    /** bytes between consecutive samples in the column */
    strideBytes: number;
  }>;
  batchSize: number;
  seed: number;
  /** the loader's `repeat` (occurrences of each sample per epoch) */
  repeat: number;
  /** the loader's `window` option, resolved (each worker plans the same windows) */
  window: ResolvedWindowOptions | undefined;
  /**
   * Stage wall times, accumulated by the workers in place: Float64 [worker][worker field][stage]
   * (so a finished decode is answered with its id alone).
   */
  stageTimes: SharedArrayBuffer;
  /** this worker's index into stageTimes (set per worker by the pool) */
  workerIndex: number;
  /** per buffer set: sample indices then occurrences (batchSize uint32 each), then the claim counter (int32), and, per worker field, the column memory */
  buffers: Array<{
    sampleIndices: SharedArrayBuffer;
    columns: Array<{ data: SharedArrayBuffer; lengths: SharedArrayBuffer }>;
  }>;
}

export interface DecodeRequest {
  id: number;
  bufferIndex: number;
  /** Positions [0, count) of the buffer set make the batch. */
  count: number;
  epoch: number;
  /**
   * Every worker gets the request and they share the positions: each claims the next `grain` of
   * them from the buffer set's claim counter (an Int32 after the sample indices and occurrences)
   * until none is left, so no worker idles while another still has samples of the batch queued.
   */
  grain: number;
}

/** A finished decode is answered with its request id alone (a number: the cheapest message). */
export type DecodeResponse =
  | number
  | { id: number; ready: true; error?: undefined }
  | { id: number; error: SerializedError; ready?: undefined };
