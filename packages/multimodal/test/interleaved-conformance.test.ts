/**
 * interleaved() through @tessera/test-kit's conformance suite: documents of GPT-3.5-tokenized text and
 * raw RGB images (so decoded pixels are exact), decoders `tokens`, `media` (the image plugin's
 * center-crop, at the stored size: the stored pixels) and `positions` under one budget that drops
 * images and truncates text in some documents. The image and text plugins come in through the
 * field's `uses`, in worker threads too.
 */
import { multimodalPlugin, interleaved } from '@tessera/multimodal';
import { rgbImage } from '@tessera/image';
import { describeDifference, runFieldConformance } from '@tessera/test-kit';
import { tokens } from '@tessera/text';
import { type Budget, DOCUMENTS, type TestDocument, TOKENIZER, expectedOutputs, idsOf, testImage } from './helpers/documents.js';

const fail = (difference: string | undefined) => {
  if (difference !== undefined) throw new Error(difference);
};
const BUDGET: Budget = { maxTokens: 20, max: 2, placeholder: 100_300, placeholderTokens: 2 };
const OPTIONS = { maxTokens: BUDGET.maxTokens, media: { image: { max: BUDGET.max, placeholder: BUDGET.placeholder, placeholderTokens: BUDGET.placeholderTokens, decoder: 'center-crop', decoderOptions: { outputSize: 8, ratio: 1 } } } };

const EDGES: TestDocument[] = [
  [],
  [{ text: '' }],
  [{ image: testImage(8, 8, 9) }],
  Array.from({ length: 12 }, (_, k) => (k % 3 === 2 ? { image: testImage(8, 8, k) } : { text: `segment ${k}` })),
];
const INVALID = ['not a list', null, [{ video: new Uint8Array(4) }], [{ text: 'two kinds', image: testImage(8, 8, 1) }], [{ image: '/no/such/image.png' }], [{ text: 42 }]];

runFieldConformance<TestDocument>({
  name: 'multimodal/interleaved (GPT-3.5 tokens + raw RGB images)',
  plugin: () => multimodalPlugin(),
  field: interleaved({ items: { text: tokens({ tokenizer: TOKENIZER }), image: rgbImage({ mode: 'raw' }) } }),
  values: DOCUMENTS,
  edgeValues: EDGES,
  invalidValues: INVALID,
  equals(written, read) {
    const expected = written.map((item) =>
      'text' in item ? { text: Uint32Array.from(idsOf(item.text)) } : { image: { data: item.image.data, width: item.image.width, height: item.image.height, channels: 3, mode: 'raw' } },
    );
    fail(describeDifference(expected, read));
  },
  decoders: { tokens: OPTIONS, media: OPTIONS, positions: OPTIONS },
  checkDecoded(document, slot, _output, context) {
    const expected = expectedOutputs(document, BUDGET);
    if (context.decoder === 'tokens') {
      fail(describeDifference(expected.tokens.length, slot.lengths[0]));
      fail(describeDifference([...expected.tokens, ...new Array(BUDGET.maxTokens - expected.tokens.length).fill(0)], Array.from(slot.data as Int32Array)));
    } else if (context.decoder === 'positions') {
      fail(describeDifference(expected.positions.length, slot.lengths[0]));
      fail(describeDifference([...expected.positions, ...new Array(BUDGET.max - expected.positions.length).fill(0)], Array.from(slot.data as Int32Array)));
    } else {
      fail(describeDifference(expected.images.length, slot.lengths[0]));
      const pixels = new Uint8Array(BUDGET.max * 8 * 8 * 3);
      for (const [index, image] of expected.images.entries()) pixels.set(image.data, index * 8 * 8 * 3);
      fail(describeDifference(pixels, slot.bytes));
    }
  },
});
