/** What `tessera view` shows of multimodal fields: cues as timed lines, documents as an outline; counts from the metadata. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset, writeDataset } from '@tessera/core';
import { imagePlugin, rgbImage } from '@tessera/image';
import { interleaved, multimodalPlugin, timedText } from '@tessera/multimodal';
import { loadTokenizer, textPlugin, tokens } from '@tessera/text';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENTS, TOKENIZER, testImage } from './helpers/documents.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-multimodal-preview-'));
const path = join(directory, 'preview.beton');
const plugins = [multimodalPlugin(), imagePlugin(), textPlugin()];
const cues = [
  { start: 1, end: 2.5, text: 'Hello there.' },
  { start: 2, end: 4.25, text: 'Overlapping, naïve café.' },
];
const documents = [[{ text: 'A shop front:' }, { image: testImage(8, 6, 3) }, { text: 'and its menu.' }], DOCUMENTS[2]!];

beforeAll(async () => {
  await writeDataset(
    path,
    { cues: timedText({ tokenizer: TOKENIZER }), document: interleaved({ items: { text: tokens({ tokenizer: TOKENIZER, addSpecialTokens: false }), image: rgbImage({ mode: 'raw' }) } }) },
    [
      { cues, document: documents[0] },
      { cues: null, document: documents[1] },
    ],
    { workers: 0, plugins },
  );
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('multimodal previews and statistics', () => {
  it('timedText: one [start–end] line per cue, the cue tokens with their texts; cues, tokens and seconds', async () => {
    const dataset = openDataset(path, { plugins });
    try {
      const preview = (await dataset.preview('cues', 0)) as { kind: string; text: string; tokens: { id: number; text: string }[] };
      expect(preview.kind).toBe('text');
      expect(preview.text).toBe('[1.000–2.500] Hello there.\n[2.000–4.250] Overlapping, naïve café.');
      const tokenizer = loadTokenizer(TOKENIZER);
      const ids = cues.flatMap((cue) => tokenizer.encode(cue.text, false));
      expect(preview.tokens.map((token) => token.id)).toEqual(ids);
      expect(preview.tokens.map((token) => token.text).join('')).toBe(cues.map((cue) => cue.text).join(''));
      expect(dataset.statistics('cues', 0)).toEqual({ cues: 2, tokens: ids.length, seconds: 3.25 });
      expect(await dataset.preview('cues', 1)).toEqual({ kind: 'json', value: null });
      expect(dataset.statistics('cues', 1)).toEqual({});
    } finally {
      dataset.close();
    }
  });

  it('interleaved: an outline of texts and image sizes (raw: 8 × 6 × 3 stored bytes); items per kind and text tokens', async () => {
    const dataset = openDataset(path, { plugins });
    try {
      expect(await dataset.preview('document', 0)).toEqual({
        kind: 'json',
        value: { items: [{ text: 'A shop front:' }, { image: { width: 8, height: 6, byteLength: 8 * 6 * 3 } }, { text: 'and its menu.' }] },
      });
      const tokenizer = loadTokenizer(TOKENIZER);
      const textTokens = ['A shop front:', 'and its menu.'].reduce((sum, text) => sum + tokenizer.encode(text, false).length, 0);
      expect(dataset.statistics('document', 0)).toEqual({ text: 2, image: 1, tokens: textTokens });
      expect(dataset.statistics('document', 1)).toEqual({ text: 1, image: 0, tokens: tokenizer.encode((DOCUMENTS[2]![0] as { text: string }).text, false).length });
    } finally {
      dataset.close();
    }
  });
});
