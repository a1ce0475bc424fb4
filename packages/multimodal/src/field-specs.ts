import { ArgumentError, type FieldSpec } from '@tessera/core';
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
