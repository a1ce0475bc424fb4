import type { FieldSpec, JsonValue, OutputSlot, OutputSpec, SampleWindow, TesseraPlugin } from '@tessera/core';

/** Stable ids of the conformance checks (for `knownIssues` and `createFieldConformance().checks`). */
export type ConformanceCheckId =
  | 'plugin-shape'
  | 'argument-round-trip'
  | 'value-round-trip'
  | 'deterministic-write'
  | 'declared-output'
  | 'random-decoding'
  | 'worker-decoding'
  | 'invalid-values'
  | 'missing-plugin'
  | 'empty-dataset'
  | 'time-axis'
  | 'preview';

/** Passed to `checkDecoded` with every decoded sample. */
export interface DecodedSampleContext {
  /** The decoder name (a key of `decoders`). */
  decoder: string;
  /** The options the decoder was set up with. */
  decoderOptions: JsonValue | undefined;
  /** Index of the sample in the dataset the kit wrote. */
  sampleIndex: number;
  /**
   * With the `window` option: the window the decode got as `context.window` (its start is the
   * sample's timeline start, or 0, plus `offsetSeconds`), to compute the expected cut. Undefined
   * without the option.
   */
  window: SampleWindow | undefined;
}

/**
 * The `window` option: the time window every decode of the suite gets as `context.window`, as the
 * loader's `window` option would pass it (see docs/loader.md "Time windows").
 */
export interface ConformanceWindow {
  /** The window's duration in seconds (finite, > 0): `context.window.durationSeconds`, the loader's `window.seconds`. */
  seconds: number;
  /**
   * Where the window starts, in seconds after the start of the sample's stream in the field under
   * test (`dataset.timeline()`; 0 when the codec has no timeline or the sample has no stream).
   * Finite; negative places the window partly before the stream. Default 0.
   */
  offsetSeconds?: number;
}

export interface FieldConformanceOptions<TValue = unknown> {
  /** Title of the `describe()` block, usually the codec id (`'acme/boxes'`). */
  name: string;
  /**
   * The plugin factory (`() => boxesPlugin()`). The plugin must have an `origin`: worker threads
   * (the parallel writer, the kit's decode worker) rebuild it from there, so `origin.module` must be
   * importable JavaScript: test the built package (`dist/`), not its TypeScript sources.
   */
  plugin: () => TesseraPlugin;
  /** The field spec under test, made by the plugin's field constructor (`boundingBoxes({ maxBoxes: 8 })`). */
  field: FieldSpec;
  /**
   * Representative values (at least one). The kit writes them first, in order, then mixes them with
   * `edgeValues` into a longer dataset (shuffled, interleaved with two companion fields).
   */
  values: readonly TValue[];
  /** Empty and extreme values: empty lists, maximum sizes, zero-length payloads, extreme numbers. */
  edgeValues?: readonly TValue[];
  /**
   * Values the codec must refuse. Each must make `writeDataset` reject with a TesseraError (code
   * E_ENCODE or E_FIELD_VALUE; E_IO for a value naming a file that cannot be read) naming the field and the sample, without creating or changing the
   * target file. Leave it out only when every value is valid (the check is then skipped).
   */
  invalidValues?: readonly unknown[];
  /**
   * Codes of the plugin's own typed errors that invalid values may also raise (e.g. an audio plugin's
   * `E_AUDIO_INPUT` for a file ffmpeg cannot decode), besides E_ENCODE, E_FIELD_VALUE and E_IO.
   */
  invalidValueCodes?: readonly string[];
  /**
   * Compares a written value with what `dataset.read()` returns. Return false or throw to fail.
   * Default: `describeDifference` (deep, typed-array aware, bit-exact numbers). Lossy codecs pass
   * a tolerance compare such as `withinTolerance(1e-6)`.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: assertion-style compares (`expect(...)`) return void
  equals?: (written: TValue, read: unknown) => boolean | void;
  /**
   * Decoders to exercise: decoder name → its JSON options (undefined for none). To test a decoder
   * with several option sets, add a label after '#': `{ waveform: undefined, 'waveform#crop': { seconds: 1 } }`.
   * Default: the codec's default decoder, without options.
   */
  decoders?: Readonly<Record<string, JsonValue | undefined>>;
  /**
   * Asserts that a decoded slot matches the written value (throw to fail). Called for every sample
   * and decoder, with a slot from `createOutputSlot(output)`; `slot.lengths` holds the variable
   * dimensions' extents.
   */
  checkDecoded?: (value: TValue, slot: OutputSlot, output: OutputSpec, context: DecodedSampleContext) => void;
  /**
   * Decode with a time window, for decoders that cut streams by the loader's window (`crop:
   * 'window'`, `sampler: 'window'`, `window: true`). When given, every decode of every check gets a
   * DecodeContext (seeded like the loader's, also where the kit otherwise passes none) whose
   * `window` is `{ startSeconds: timeline start (or 0) + offsetSeconds, durationSeconds: seconds }`
   * of that sample, computed on each thread from its own open of the file; `checkDecoded` gets it as
   * `context.window`. A suite without it decodes exactly as before: test a decoder's standalone
   * path (no context) in a suite without `window`.
   */
  window?: ConformanceWindow;
  /**
   * Decoders whose random path may legitimately output NaN or ±Infinity (`true` for every decoder).
   * By default the 'random-decoding' check fails when a decoder with `random: true` writes a
   * non-finite float, which is what an out-of-range draw usually produces.
   */
  allowNonFinite?: boolean | readonly string[];
  /**
   * Checks known to fail, with the reason (an issue link). They are registered with `it.fails`, so
   * the suite stays green while the issue is open and turns red once it is fixed, to remind you to
   * remove the entry. Never use this to hide a failure of your own codec.
   */
  knownIssues?: Partial<Record<ConformanceCheckId, string>>;
  /** Time limit of each check and of the suite's hooks (default 180 000 ms: checks write real files and start workers, and must hold on a loaded 2-core machine). */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 180_000;

/** Seeds under which the 'random-decoding' check decodes every sample with each random decoder. */
export const RANDOM_SEED_COUNT = 16;
