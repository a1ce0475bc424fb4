/**
 * A small rule-based splitter: document → paragraphs → sentences, as pieces that TILE the text
 * (joined in order they give it back exactly), so spans over them lose nothing.
 *
 * - Paragraphs end at a blank line (a line break, optional spaces or tabs, another line break); the
 *   blank lines and any whitespace after them belong to the paragraph before.
 * - Within a paragraph, a sentence ends after `.`, `!`, `?` or `…` (repeated or mixed: `?!`, `...`),
 *   optional closing quotes or brackets, then whitespace, when the next character is not a lowercase
 *   letter. The whitespace belongs to the sentence before. A `.` does not end a sentence after a
 *   common abbreviation (Mr, Dr, e.g, i.e, etc, vs, Fig, No, …), a single letter (initials: "J. R.
 *   Tolkien") or a one- or two-digit number that starts a line (list items: "1. Definitions").
 * - Text without any of these is one paragraph of one sentence; empty text has no paragraphs.
 *
 * It is meant for prose in languages that end sentences with these marks; pass
 * `{ paragraphs: string[][] }` to `hierarchicalText` values to use your own segmentation.
 */

const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'mt', 'vs', 'etc', 'e.g', 'i.e', 'cf', 'al', 'inc', 'ltd', 'co', 'corp',
  'no', 'nos', 'fig', 'figs', 'vol', 'vols', 'pp', 'p', 'ch', 'sec', 'approx', 'dept', 'est', 'jan', 'feb', 'mar', 'apr', 'jun',
  'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'u.s', 'u.k',
]);

const PARAGRAPH_BREAK = /\r?\n[ \t]*\r?\n\s*/g;
const SENTENCE_END = /([.!?\u2026]+)["'\u201d\u2019\u00bb)\]]*\s+/g;
const LOWERCASE_START = /^\p{Ll}/u;
const WORD_BEFORE = /([\p{L}\p{N}.]+)$/u;
const SINGLE_LETTER = /^\p{L}$/u;
const LIST_NUMBER = /^\d{1,2}$/;

export function splitDocument(text: string): string[][] {
  if (text.length === 0) return [];
  const paragraphs: string[][] = [];
  let start = 0;
  for (const match of text.matchAll(PARAGRAPH_BREAK)) {
    const end = match.index + match[0].length;
    if (end >= text.length) break;
    // Blank lines before any content stay with the first paragraph.
    if (text.slice(start, match.index).trim() === '') continue;
    paragraphs.push(splitSentences(text.slice(start, end)));
    start = end;
  }
  paragraphs.push(splitSentences(text.slice(start)));
  return paragraphs;
}

/** The sentences of one paragraph (tiling it). */
export function splitSentences(paragraph: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  for (const match of paragraph.matchAll(SENTENCE_END)) {
    const end = match.index + match[0].length;
    if (end >= paragraph.length) break;
    if (LOWERCASE_START.test(paragraph.slice(end, end + 2))) continue;
    if (match[1] === '.' && !endsSentence(paragraph, start, match.index)) continue;
    sentences.push(paragraph.slice(start, end));
    start = end;
  }
  sentences.push(paragraph.slice(start));
  return sentences;
}

/** Whether the `.` at `dotIndex` ends a sentence (it does not after abbreviations, initials and list numbers). */
function endsSentence(paragraph: string, sentenceStart: number, dotIndex: number): boolean {
  const before = paragraph.slice(Math.max(sentenceStart, dotIndex - 24), dotIndex);
  const word = WORD_BEFORE.exec(before)?.[1];
  if (word === undefined) return true;
  if (ABBREVIATIONS.has(word.toLowerCase()) || SINGLE_LETTER.test(word)) return false;
  if (LIST_NUMBER.test(word)) {
    const lineStart = paragraph.lastIndexOf('\n', dotIndex - 1) + 1;
    if (paragraph.slice(lineStart, dotIndex - word.length).trim() === '') return false;
  }
  return true;
}
