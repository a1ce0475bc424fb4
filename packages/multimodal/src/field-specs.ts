import { ArgumentError, type FieldPipeline, type FieldSpec, type JsonValue, type TesseraPlugin } from '@tessera/core';
import {
  INTERLEAVED_CODEC_ID,
  type InterleavedArguments,
  type InterleavedDecoderOptions,
  type InterleavedKind,
  MAX_KINDS,
  normalizeInterleavedArguments,
} from './fields/interleaved-codec.js';
import { identifyTokenizer } from '@tessera/text';
import { TIMED_TEXT_CODEC_ID, type TimedTextArguments } from './fields/timed-text-codec.js';
import { multimodalPlugin } from './multimodal-plugin.js';

export interface TimedTextOptions {
  /** A local tokenizer.json (or its folder): cue texts are tokenized by the writer. Never downloaded. */
  tokenizer?: string;
  /** Without a tokenizer: cues carry token ids in [0, vocabularySize). */
  vocabularySize?: number;
  /** Ticks per second of the stored times (the integer timebase). Default 1000 (milliseconds). */
  ticksPerSecond?: number;
  /** Let the tokenizer add its special tokens to every cue. Default false. */
  addSpecialTokens?: boolean;
}

/**
 * Cues on the sample's time axis — subtitles, transcript segments, captions of events: values are
 * `[{ start, end, text }]` (seconds, sorted by start) or `null` for a sample without them. The
 * loader's window cuts them like the video and audio of the sample (decoders `tokens` and `cues`
 * with `window: true`); `timeline` and `anchors` make them a timeline or the spans windows centre on.
 */
export function timedText(options: TimedTextOptions): FieldSpec<TimedTextArguments> {
  if (options === null || typeof options !== 'object') throw new ArgumentError('timedText()', `needs options ({ tokenizer } or { vocabularySize }), got ${JSON.stringify(options)}`);
  const tokenizer = options.tokenizer === undefined ? null : identifyTokenizer(options.tokenizer);
  const vocabularySize = tokenizer?.vocabularySize ?? options.vocabularySize;
  if (vocabularySize === undefined) throw new ArgumentError('timedText()', 'needs { tokenizer: "path/to/tokenizer.json" } or, for cues given as token ids, { vocabularySize }');
  const args = {
    tokenizer,
    vocabularySize,
    ...(options.ticksPerSecond === undefined ? {} : { ticksPerSecond: options.ticksPerSecond }),
    ...(options.addSpecialTokens === undefined ? {} : { addSpecialTokens: options.addSpecialTokens }),
  } as TimedTextArguments;
  return { plugin: multimodalPlugin(), codecId: TIMED_TEXT_CODEC_ID, arguments: args };
}

export interface InterleavedOptions {
  /**
   * The kinds of items a document holds, by the key items use: `{ text: tokens({ tokenizer }),
   * image: rgbImage() }`. Each is a field spec of its own plugin (1 to 4 kinds); a text kind is a
   * `tokens()` field. The plugins are recorded with the field, so a reader needs them too.
   */
  items: Readonly<Record<string, FieldSpec>>;
}

/**
 * Interleaved documents (OBELICS, MMC4): per sample, an ordered list of items such as
 * `[{ text: 'A cat' }, { image: jpegBytes }, { text: 'on a mat.' }]`, each stored and decoded by
 * its own plugin's codec. Decoders: `tokens` (the text's ids with placeholder ids where media go),
 * `media` (the media items of one kind, decoded and stacked) and `positions` (where their
 * placeholders start), under the same budgets — `interleavedPipelines()` sets all three up.
 */
export function interleaved(options: InterleavedOptions): FieldSpec<InterleavedArguments> {
  if (options === null || typeof options !== 'object' || options.items === null || typeof options.items !== 'object') {
    throw new ArgumentError('interleaved()', 'needs { items: { text: tokens({ tokenizer }), image: rgbImage() } }');
  }
  const entries = Object.entries(options.items);
  if (entries.length === 0 || entries.length > MAX_KINDS) throw new ArgumentError('interleaved()', `needs 1 to ${MAX_KINDS} item kinds, got ${entries.length}`);
  const uses: TesseraPlugin[] = [];
  const kinds: InterleavedKind[] = entries.map(([name, spec]) => {
    if (spec === null || typeof spec !== 'object' || typeof spec.codecId !== 'string' || spec.plugin === undefined) {
      throw new ArgumentError(`interleaved() items.${name}`, 'is not a field spec; use a field constructor such as tokens({ tokenizer }) or rgbImage()');
    }
    const codec = spec.plugin.codecs.find((candidate) => candidate.id === spec.codecId);
    if (codec === undefined) throw new ArgumentError(`interleaved() items.${name}`, `names codec ${spec.codecId}, which its plugin ${spec.plugin.name} does not provide`);
    let args: JsonValue;
    try {
      args = codec.normalizeArguments === undefined ? spec.arguments : codec.normalizeArguments(spec.arguments);
    } catch (error) {
      throw new ArgumentError(`interleaved() items.${name}`, error instanceof Error ? error.message : String(error), 'E_FIELD_ARGUMENTS');
    }
    if (!uses.includes(spec.plugin)) uses.push(spec.plugin);
    for (const used of spec.uses ?? []) if (!uses.includes(used)) uses.push(used);
    return {
      name,
      codec: spec.codecId,
      plugin: spec.plugin.name,
      version: spec.plugin.version,
      ...(spec.plugin.origin === undefined ? {} : { factory: spec.plugin.origin.exportName }),
      arguments: args,
    };
  });
  try {
    normalizeInterleavedArguments({ kinds });
  } catch (error) {
    throw new ArgumentError('interleaved()', error instanceof Error ? error.message : String(error));
  }
  return { plugin: multimodalPlugin(), codecId: INTERLEAVED_CODEC_ID, arguments: { kinds }, uses };
}

/**
 * The pipelines of an interleaved field with one set of budgets: `tokens` under the field's name,
 * and for each media kind its stacked items under `<name>.<kind>` and their placeholder positions
 * under `<name>.<kind>.positions`. Spread the result into the loader's `pipelines`.
 */
export function interleavedPipelines(fieldName: string, kinds: readonly string[], options: InterleavedDecoderOptions = {}): Record<string, FieldPipeline> {
  const pipelines: Record<string, FieldPipeline> = { [fieldName]: { decoder: 'tokens', decoderOptions: options as unknown as JsonValue } };
  for (const kind of kinds) {
    pipelines[`${fieldName}.${kind}`] = { field: fieldName, decoder: 'media', decoderOptions: { ...options, kind } as unknown as JsonValue };
    pipelines[`${fieldName}.${kind}.positions`] = { field: fieldName, decoder: 'positions', decoderOptions: { ...options, kind } as unknown as JsonValue };
  }
  return pipelines;
}
