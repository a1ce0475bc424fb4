import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Dataset,
  type FieldCodec,
  type JsonValue,
  type OptionalArguments,
  PACKAGE_VERSION,
  type Schema,
  type TesseraPlugin,
  type WriteOptions,
  bytes,
  int64,
  openDataset,
  writeDataset,
} from '@tessera/core';
import { OPTIONAL_CODEC_ID, createOptionalCodec } from '@tessera/core/internals';
import { fail } from './conformance-error.js';
import { type WindowPlacer, checkWindowOption, createWindowPlacer } from './conformance-window.js';
import { describeDifference } from './deep-equal.js';
import { DEFAULT_TIMEOUT_MS, type FieldConformanceOptions } from './field-conformance-options.js';

/** Field names in the files the kit writes. */
export const FIELD = 'under_test';
export const INDEX_FIELD = 'sample_index';
export const COMPANION_FIELD = 'companion';

/**
 * The reference dataset is written with small pages and chunks so that it spans pages and worker
 * chunks; `compatibility: 'tessera'` lets samples be larger than those pages (the 'ffcv' default
 * of FFCV-type fields refuses that).
 */
export const REFERENCE_WRITE_OPTIONS = { workers: 0, chunkSize: 4, pageSize: 4096, compatibility: 'tessera' } as const satisfies WriteOptions;
const MIN_MIXED_SAMPLES = 32;
const MIX_SEED = 0x7e55e7a;

/** Set TESSERA_TEST_KIT_KEEP=1 to keep the written files (their folder is printed). */
const KEEP_FILES = process.env.TESSERA_TEST_KIT_KEEP === '1';

/**
 * State shared by the checks of one suite: the temporary folder, the plugin, the samples and the
 * lazily written reference file. Checks may run alone and in any order.
 */
export class ConformanceContext<TValue = unknown> {
  readonly options: FieldConformanceOptions<TValue>;
  readonly timeoutMs: number;
  /** values, then edge values, then shuffled repetitions of both */
  readonly samples: readonly TValue[];
  /** how many leading samples are `values` and `edgeValues` in order */
  readonly straightSampleCount: number;
  /** decoder name → options */
  private decoderList: Array<[string, JsonValue | undefined]> | undefined;
  private directory: string | undefined;
  private referencePath: Promise<string> | undefined;
  private pluginInstance: TesseraPlugin | undefined;
  /** Built once, so every check sees the same codec object. */
  private optionalCodec: FieldCodec | undefined;
  private fileCounter = 0;

  constructor(options: FieldConformanceOptions<TValue>) {
    checkOptions(options as FieldConformanceOptions<unknown>);
    this.options = options;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const base = [...options.values, ...(options.edgeValues ?? [])];
    this.straightSampleCount = base.length;
    this.samples = mixSamples(base);
  }

  /** Creates the temporary folder (idempotent). */
  setup(): void {
    this.directory ??= mkdtempSync(join(tmpdir(), 'tessera-conformance-'));
  }

  dispose(): void {
    if (this.directory === undefined) return;
    if (KEEP_FILES) console.info(`[@tessera/test-kit] ${this.options.name}: files kept in ${this.directory}`);
    else rmSync(this.directory, { recursive: true, force: true });
    this.directory = undefined;
    this.referencePath = undefined;
  }

  /** A fresh path (or folder) in the temporary folder. */
  path(name: string, options: { folder?: boolean } = {}): string {
    this.setup();
    const path = join(this.directory!, `${String(++this.fileCounter).padStart(3, '0')}-${name}`);
    if (options.folder === true) mkdirSync(path);
    return path;
  }

  plugin(): TesseraPlugin {
    if (this.pluginInstance === undefined) {
      const plugin = this.options.plugin();
      if (plugin === null || typeof plugin !== 'object') fail(`plugin() returned ${String(plugin)}; it must return a TesseraPlugin`);
      this.pluginInstance = plugin;
    }
    return this.pluginInstance;
  }

  /** The plugin under test and the plugins its field is made of (`field.uses`): what the kit opens files with. */
  plugins(): TesseraPlugin[] {
    return [this.plugin(), ...(this.options.field.uses ?? []).filter((used) => used !== this.plugin())];
  }

  /** `optional(field)`: core's codec core/optional around a codec of the plugin under test. */
  isOptional(): boolean {
    return this.options.field.codecId === OPTIONAL_CODEC_ID;
  }

  /** The codec a reader resolves for the field: the plugin's, or for an optional field core's wrapper around the plugin's inner codec. */
  codec(): FieldCodec {
    if (!this.isOptional()) return this.pluginCodec(this.options.field.codecId, "the field's codecId");
    this.optionalCodec ??= createOptionalCodec(this.innerCodec()) as FieldCodec;
    return this.optionalCodec;
  }

  /** The codec of the plugin that stores the values: the field's own, or an optional field's inner codec. */
  innerCodec(): FieldCodec {
    if (!this.isOptional()) return this.codec();
    const innerId = (this.options.field.arguments as Partial<OptionalArguments> | null)?.codec;
    if (typeof innerId !== 'string') fail(`the optional field's arguments name no inner codec (${JSON.stringify(this.options.field.arguments)}); make the field with optional(<a field constructor of the plugin>)`);
    return this.pluginCodec(innerId, "the optional field's inner codec");
  }

  private pluginCodec(codecId: string, role: string): FieldCodec {
    const plugin = this.plugin();
    const codec = plugin.codecs?.find((candidate) => candidate.id === codecId);
    if (codec === undefined) {
      fail(`plugin ${plugin.name} has no codec "${codecId}" (${role}); it has ${plugin.codecs?.map((c) => `"${c.id}"`).join(', ')}`);
    }
    return codec;
  }

  /** FFCV type id or 255. */
  typeId(): number {
    return this.codec().typeId ?? 255;
  }

  /**
   * The field's arguments as the codec normalises them (what a reader must report). For an optional
   * field, what core stores: the inner field's identity around the inner codec's normalised arguments.
   */
  expectedArguments(): JsonValue {
    if (!this.isOptional()) return this.normalizedArguments(this.codec(), this.options.field.arguments);
    const plugin = this.plugin();
    const inner = this.innerCodec();
    const innerArguments = this.normalizedArguments(inner, (this.options.field.arguments as OptionalArguments).arguments);
    const identity: OptionalArguments = {
      codec: inner.id,
      plugin: plugin.name,
      version: plugin.version,
      ...(plugin.origin === undefined ? {} : { factory: plugin.origin.exportName }),
      arguments: innerArguments,
    };
    return identity as unknown as JsonValue;
  }

  private normalizedArguments(codec: FieldCodec, args: JsonValue): JsonValue {
    if (codec.normalizeArguments === undefined) return args;
    try {
      return codec.normalizeArguments(args);
    } catch (error) {
      fail(`normalizeArguments() rejects the field spec's own arguments ${JSON.stringify(args)}: ${messageOf(error)}`);
    }
  }

  /**
   * The identity in a plugin field's descriptor: the codec of the plugin under test, or for an
   * optional field core/optional of @tessera/core (the plugin under test is named inside the arguments).
   */
  descriptorIdentity(): { codec: string; plugin: string; version: string } {
    if (this.isOptional()) return { codec: OPTIONAL_CODEC_ID, plugin: '@tessera/core', version: PACKAGE_VERSION };
    const plugin = this.plugin();
    return { codec: this.codec().id, plugin: plugin.name, version: plugin.version };
  }

  decoders(): Array<[string, JsonValue | undefined]> {
    if (this.decoderList === undefined) {
      const given = this.options.decoders;
      this.decoderList =
        given === undefined ? [[this.codec().defaultDecoder, undefined]] : Object.entries(given).map(([key, options]) => [decoderName(key), options]);
      if (this.decoderList.length === 0) fail('decoders is empty; leave it out to test the default decoder');
    }
    return this.decoderList;
  }

  /** The schema of every file the kit writes: the field under test between two companions. */
  schema(): Schema {
    return { [INDEX_FIELD]: int64(), [FIELD]: this.options.field, [COMPANION_FIELD]: bytes() };
  }

  /** One record per value; the companions are derived from the sample index. */
  records(values: readonly unknown[]): Array<Record<string, unknown>> {
    return values.map((value, index) => ({ [INDEX_FIELD]: index, [FIELD]: value, [COMPANION_FIELD]: companionBytes(index) }));
  }

  writeOptions(extra: WriteOptions = {}): WriteOptions {
    return { ...REFERENCE_WRITE_OPTIONS, plugins: this.plugins(), ...extra };
  }

  /** Writes `samples` (workers: 0) once and returns its path. */
  reference(): Promise<string> {
    if (this.referencePath === undefined) {
      const path = this.path('reference.beton');
      this.referencePath = writeDataset(path, this.schema(), this.records(this.samples), this.writeOptions()).then(
        () => path,
        (error: unknown) => {
          throw new Error(`writing the reference dataset (${this.samples.length} samples, workers: 0) failed: ${messageOf(error)}`, {
            cause: error,
          });
        },
      );
    }
    return this.referencePath;
  }

  open(path: string, plugins: readonly TesseraPlugin[] = this.plugins()): Dataset {
    return openDataset(path, { plugins });
  }

  async withDataset<T>(path: string, run: (dataset: Dataset) => T | Promise<T>): Promise<T> {
    const dataset = this.open(path);
    try {
      return await run(dataset);
    } finally {
      dataset.close();
    }
  }

  /** Places `options.window` on the samples of `dataset` (undefined without the option). */
  windowPlacer(dataset: Dataset): WindowPlacer | undefined {
    const { window } = this.options;
    return window === undefined ? undefined : createWindowPlacer(dataset, FIELD, window);
  }

  /** Throws unless `written` and `read` are equal according to `options.equals` (or the default). */
  assertEqual(written: TValue, read: unknown, what: string): void {
    const { equals } = this.options;
    if (equals === undefined) {
      const difference = describeDifference(written, read);
      if (difference !== undefined) fail(`${what}: ${difference}`);
      return;
    }
    // biome-ignore lint/suspicious/noConfusingVoidType: what `equals` returns
    let verdict: boolean | void;
    try {
      verdict = equals(written, read);
    } catch (error) {
      fail(`${what}: ${messageOf(error)}`, error);
    }
    if (verdict === false) fail(`${what}: equals() returned false`);
  }
}

function checkOptions(options: FieldConformanceOptions<unknown>): void {
  if (options === null || typeof options !== 'object') throw new TypeError('runFieldConformance() needs an options object');
  if (typeof options.name !== 'string' || options.name.length === 0) throw new TypeError('options.name must be a non-empty string');
  if (typeof options.plugin !== 'function') throw new TypeError(`${options.name}: options.plugin must be the plugin factory, e.g. () => boxesPlugin()`);
  if (options.field === null || typeof options.field !== 'object' || typeof options.field.codecId !== 'string') {
    throw new TypeError(`${options.name}: options.field must be a field spec made by the plugin's field constructor`);
  }
  if (!Array.isArray(options.values) || options.values.length === 0) {
    throw new TypeError(`${options.name}: options.values must list at least one representative value`);
  }
  checkWindowOption(options.window, options.name);
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Deterministic companion payload: 0–12 bytes, so some samples have an empty allocation. */
export function companionBytes(sampleIndex: number): Uint8Array {
  const bytes = new Uint8Array((sampleIndex * 7) % 13);
  for (let index = 0; index < bytes.length; index++) bytes[index] = (sampleIndex * 31 + index) & 0xff;
  return bytes;
}

/** The values in order, then shuffled repetitions (a seeded permutation per round). */
function mixSamples<T>(base: readonly T[]): T[] {
  const samples = [...base];
  const target = base.length + Math.max(MIN_MIXED_SAMPLES, base.length);
  let state = MIX_SEED;
  const random = (limit: number) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % limit;
  };
  while (samples.length < target) {
    const order = base.map((_, index) => index);
    for (let index = order.length - 1; index > 0; index--) {
      const other = random(index + 1);
      [order[index], order[other]] = [order[other]!, order[index]!];
    }
    for (const index of order) {
      if (samples.length >= target) break;
      samples.push(base[index]!);
    }
  }
  return samples;
}

/** `decoders` keys may carry a label after '#' (`'waveform#crop'`) to test one decoder with several option sets. */
function decoderName(key: string): string {
  const hash = key.indexOf('#');
  return hash < 0 ? key : key.slice(0, hash);
}
