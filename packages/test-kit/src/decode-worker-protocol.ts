import type { JsonValue, PluginOrigin } from '@tessera/core';
import type { DecodedSamples } from './decode-samples.js';
import type { ConformanceWindow } from './field-conformance-options.js';

/** What the kit sends to its decode worker (as workerData). */
export interface DecodeWorkerRequest {
  path: string;
  fieldName: string;
  pluginName: string;
  origin: PluginOrigin;
  /** The plugins the field is made of (`field.uses`), rebuilt from their origins too. */
  uses: Array<{ name: string; origin: PluginOrigin }>;
  decoders: Array<[name: string, options: JsonValue | undefined]>;
  /** Each decoder decodes every sample once per entry: undefined without a DecodeContext, a number with one seeded by it. */
  seeds: Array<number | undefined>;
  /** The suite's `window` option: the worker places it on its own open of the file. */
  window: ConformanceWindow | undefined;
}

/** What the worker posts back once. */
export type DecodeWorkerResponse =
  | { ok: true; plugin: { name: string; version: string; codecIds: string[] }; results: DecodedSamples[] }
  | { ok: false; error: { name: string; message: string; code?: string; stack?: string } };
