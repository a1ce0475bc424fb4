/**
 * optional(tokens()) through @tessera/test-kit's conformance suite: the field is stored as core's
 * core/optional around the text plugin's codec, so null samples are absent. The plugin is imported
 * by package name, i.e. from the built dist/ (run the build first): worker threads rebuild it from
 * its origin. Leaving the field out of a sample is tested in core (optional-field.test.ts).
 */
import { optional } from '@tessera/core';
import { describeDifference, runFieldConformance } from '@tessera/test-kit';
import { loadTokenizer, textPlugin, tokens } from '@tessera/text';
import { GPT35_TOKENIZER } from './fixtures.js';

const MIXED = 'naïve café — 日本語 🙂 tab\tCRLF\r\n';
const MAX_LENGTH = 16;
const fail = (difference: string | undefined) => {
  if (difference !== undefined) throw new Error(difference);
};

const gpt35 = loadTokenizer(GPT35_TOKENIZER);
const idsOf = (value: string) => gpt35.encode(value, true);

runFieldConformance<string | null>({
  name: 'core/optional around text/tokens (GPT-3.5 tokenizer)',
  plugin: () => textPlugin(),
  field: optional(tokens({ tokenizer: GPT35_TOKENIZER })),
  values: ['Hello world', null, MIXED, 'a sentence of more than sixteen tokens, so that the padded decoder has to truncate it on the right'],
  edgeValues: [null, '', null],
  invalidValues: [42, [-1], { text: 'x' }, 'lone \udc00'],
  equals: (written, read) => {
    if (written === null) return fail(describeDifference(null, read));
    fail(describeDifference(idsOf(written), Array.from(read as Uint32Array)));
  },
  decoders: { padded: { maxLength: MAX_LENGTH }, present: undefined },
  checkDecoded(value, slot, _output, { decoder }) {
    if (decoder === 'present') return fail(describeDifference(value === null ? 0 : 1, slot.data[0]));
    // An absent sample decodes as zeros with length 0.
    const ids = value === null ? [] : idsOf(value).slice(0, MAX_LENGTH);
    fail(describeDifference(ids.length, slot.lengths[0]));
    fail(describeDifference([...ids, ...new Array(MAX_LENGTH - ids.length).fill(0)], Array.from(slot.data as Int32Array)));
  },
});
