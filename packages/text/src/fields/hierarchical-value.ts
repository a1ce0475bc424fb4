import { splitDocument } from './split-document.js';
import { checkText } from './utf8.js';

/**
 * The paragraphs (of sentences) of a hierarchicalText value: a string is split by `splitDocument`;
 * `{ paragraphs }` is taken as it is (sentences as strings; each paragraph at least one sentence).
 */
export function split(value: unknown, unit: 'text' | 'tokens'): readonly (readonly string[])[] {
  if (typeof value === 'string') {
    checkText(value);
    return splitDocument(value);
  }
  if (value === null || typeof value !== 'object' || !Array.isArray((value as { paragraphs?: unknown }).paragraphs)) {
    throw new TypeError(`expected a document (a string) or { paragraphs: string[][] }, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  const paragraphs = (value as { paragraphs: unknown[] }).paragraphs;
  paragraphs.forEach((paragraph, index) => {
    if (!Array.isArray(paragraph) || paragraph.length === 0) throw new TypeError(`paragraphs[${index}] must be a non-empty list of sentences`);
    paragraph.forEach((sentence, sentenceIndex) => {
      if (unit === 'tokens' && typeof sentence !== 'string') {
        throw new TypeError(`paragraphs[${index}][${sentenceIndex}] is ${typeof sentence}: a tokenized hierarchical field takes sentences as text`);
      }
      checkText(sentence, `paragraphs[${index}][${sentenceIndex}]`);
    });
  });
  return paragraphs as string[][];
}
