/**
 * Every text field through @tessera/test-kit's conformance suite. The plugin is imported by package
 * name, i.e. from the built dist/ (run the build first): worker threads rebuild it from its origin.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeDifference, runFieldConformance } from '@tessera/test-kit';
import {
  type PackedChunk,
  type StoredPackedChunk,
  hierarchicalText,
  loadTokenizer,
  packedTokens,
  rawText,
  splitDocument,
  textPlugin,
  tokens,
} from '@tessera/text';
import { GPT35_TOKENIZER, LICENSES, writeSmallTokenizer } from './fixtures.js';

const MIXED = 'naïve café — 日本語 🙂 tab\tCRLF\r\n';
const LONG = LICENSES[0]!.text;
const fail = (difference: string | undefined) => {
  if (difference !== undefined) throw new Error(difference);
};

runFieldConformance<string>({
  name: 'text/raw',
  plugin: () => textPlugin(),
  field: rawText(),
  values: ['hello world', MIXED, 'GNU GENERAL PUBLIC LICENSE\n   Version 3'],
  edgeValues: ['', LONG, '\u0000', '🙂'.repeat(1000)],
  invalidValues: [42, null, ['a'], 'lone \ud800 surrogate'],
  decoders: { utf8: { maxByteLength: 64 }, codepoints: { maxLength: 16 }, 'byte-length': undefined },
  checkDecoded(value, slot, _output, { decoder }) {
    const bytes = new TextEncoder().encode(value);
    if (decoder === 'byte-length') return fail(describeDifference(bytes.byteLength, slot.data[0]));
    if (decoder === 'codepoints') {
      const codepoints = Array.from(value, (character) => character.codePointAt(0)!).slice(0, 16);
      return fail(describeDifference(codepoints, Array.from((slot.data as Int32Array).subarray(0, slot.lengths[0]))));
    }
    const kept = new TextDecoder().decode(slot.bytes.subarray(0, slot.lengths[0]));
    if (!value.startsWith(kept) || (bytes.byteLength <= 64 && kept !== value) || new TextEncoder().encode(kept).byteLength < Math.min(bytes.byteLength, 64) - 3) {
      throw new Error(`utf8 decoded ${JSON.stringify(kept)} for ${JSON.stringify(value.slice(0, 80))}`);
    }
  },
});

const gpt35 = loadTokenizer(GPT35_TOKENIZER);
const idsOf = (value: string | readonly number[]) => (typeof value === 'string' ? gpt35.encode(value, true) : Array.from(value));

runFieldConformance<string | number[]>({
  name: 'text/tokens (GPT-3.5 tokenizer, u32)',
  plugin: () => textPlugin(),
  field: tokens({ tokenizer: GPT35_TOKENIZER }),
  values: ['Hello world', MIXED, [9906, 4435, 100_257]],
  edgeValues: ['', LONG, [], [0, 100_276]],
  invalidValues: [null, 42, [-1], [1.5], [100_277], { text: 'x' }, 'lone \udc00'],
  equals: (written, read) => fail(describeDifference(idsOf(written), Array.from(read as Uint32Array))),
  decoders: { padded: { maxLength: 8 }, length: undefined, text: { maxByteLength: 256 } },
  checkDecoded(value, slot, _output, { decoder }) {
    const ids = idsOf(value);
    if (decoder === 'length') return fail(describeDifference(ids.length, slot.data[0]));
    if (decoder === 'padded') return fail(describeDifference([...ids.slice(0, 8), ...new Array(Math.max(0, 8 - ids.length)).fill(0)], Array.from(slot.data as Int32Array)));
    const text = new TextDecoder().decode(slot.bytes.subarray(0, slot.lengths[0]));
    if (!gpt35.decode(ids, false).startsWith(text)) throw new Error(`text decoder gave ${JSON.stringify(text.slice(0, 80))}`);
  },
});

const smallTokenizer = writeSmallTokenizer(join(mkdtempSync(join(tmpdir(), 'tessera-text-conformance-')), 'small'));
const small = loadTokenizer(smallTokenizer);

runFieldConformance<string>({
  name: 'text/tokens (u16 tokenizer, no special tokens)',
  plugin: () => textPlugin(),
  field: tokens({ tokenizer: smallTokenizer, addSpecialTokens: false }),
  values: ['Hello world', MIXED],
  edgeValues: ['', LONG],
  invalidValues: [[32_001], null],
  equals: (written, read) => fail(describeDifference(small.encode(written, false), Array.from(read as Uint16Array))),
});

const chunk = (ids: number[], documentStarts: number[] = [], firstPosition = 0): PackedChunk => ({ ids, documentStarts, firstPosition });

runFieldConformance<PackedChunk>({
  name: 'text/packed-tokens',
  plugin: () => textPlugin(),
  field: packedTokens({ tokenizer: GPT35_TOKENIZER, windowLength: 8 }),
  values: [chunk([9906, 4435, 100_257, 1, 2, 3, 4, 5], [0, 3]), chunk([6, 7, 8, 100_257, 9, 10, 11, 12], [4], 5)],
  edgeValues: [chunk([]), chunk([100_276]), chunk([1, 2, 3, 4, 5, 6, 7, 8], [0, 1, 2, 3, 4, 5, 6, 7])],
  invalidValues: [chunk([1, 2, 3, 4, 5, 6, 7, 8, 9]), chunk([1, 2], [1, 1]), chunk([100_277]), [1, 2], null],
  equals: (written, read) => {
    const stored = read as StoredPackedChunk;
    fail(
      describeDifference(
        { ids: Array.from(written.ids), documentStarts: Array.from(written.documentStarts ?? []), firstPosition: written.firstPosition ?? 0 },
        { ids: Array.from(stored.ids), documentStarts: stored.documentStarts, firstPosition: stored.firstPosition },
      ),
    );
  },
  decoders: {
    window: { include: ['input_ids', 'labels', 'position_ids', 'boundary_mask', 'attention_mask'], offsets: 'random' },
    chunk: undefined,
  },
  checkDecoded(value, slot, _output, { decoder }) {
    // Windows depend on the neighbouring chunks (tested on real data in packed-field.test.ts); a chunk is the value itself.
    if (decoder !== 'chunk') return;
    const ids = Array.from(value.ids);
    fail(describeDifference([...ids, ...new Array(8 - ids.length).fill(0)], Array.from(slot.data as Int32Array)));
  },
});

runFieldConformance<string | { paragraphs: string[][] }>({
  name: 'text/hierarchical (text)',
  plugin: () => textPlugin(),
  field: hierarchicalText(),
  values: ['One. Two.\n\nThree!', MIXED, { paragraphs: [['a ', 'b'], ['c']] }],
  edgeValues: ['', LONG, '\n\n'],
  invalidValues: [null, 42, { paragraphs: [[]] }, { paragraphs: 'x' }, 'lone \ud800'],
  equals: (written, read) => fail(describeDifference({ paragraphs: typeof written === 'string' ? splitDocument(written) : written.paragraphs }, read)),
  decoders: { document: { maxLength: 256 }, 'random-paragraph': { maxLength: 256 }, 'sentence-window': { sentences: 2, maxLength: 256 }, counts: undefined },
  checkDecoded(value, slot, _output, { decoder }) {
    const paragraphs = typeof value === 'string' ? splitDocument(value) : value.paragraphs;
    if (decoder === 'counts') return fail(describeDifference([paragraphs.length, paragraphs.flat().length], Array.from(slot.data as Int32Array)));
    const text = new TextDecoder().decode(slot.bytes.subarray(0, slot.lengths[0]));
    const expected = decoder === 'document' ? paragraphs.flat().join('') : decoder === 'random-paragraph' ? (paragraphs[0] ?? []).join('') : paragraphs.flat().slice(0, 2).join('');
    if (!expected.startsWith(text) || (new TextEncoder().encode(expected).byteLength <= 256 && text !== expected)) {
      throw new Error(`${decoder} gave ${JSON.stringify(text.slice(0, 80))}, expected ${JSON.stringify(expected.slice(0, 80))}`);
    }
  },
});

runFieldConformance<string>({
  name: 'text/hierarchical (tokens)',
  plugin: () => textPlugin(),
  field: hierarchicalText({ tokenizer: smallTokenizer }),
  values: ['One. Two.\n\nThree!', MIXED],
  edgeValues: ['', LONG],
  invalidValues: [{ paragraphs: [[1, 2]] }, null],
  equals: (written, read) => fail(describeDifference({ paragraphs: splitDocument(written).map((paragraph) => paragraph.map((sentence) => small.encode(sentence, false))) }, read)),
  decoders: { document: { maxLength: 64 }, 'sentence-window': { sentences: 1, maxLength: 64 } },
});
