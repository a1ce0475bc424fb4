import { copyFileSync, mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Dataset, openDataset } from '@tessera/core';
import { type Viewer, createViewer } from '@tessera/viewer';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLASSES,
  CLIP_SAMPLE_RATE,
  CLIP_START_SECONDS,
  DRIFTING_ROW,
  IMAGE_SAMPLE_COUNT,
  LARGE_SAMPLE_COUNT,
  RAW_HEIGHT,
  RAW_WIDTH,
  captionOf,
  clipSecondsOf,
  jpegSizeOf,
  labelOf,
  makeWav,
  rawPixels,
  scoreOf,
  TIMELINE_SAMPLE_COUNT,
  WORD_OVERRUN_SECONDS,
  wordsOf,
  writeAudioDataset,
  writeDubbedDataset,
  writeImageDataset,
  writeLargeDataset,
  writeTimelineDataset,
} from './helpers/fixtures.js';
import { getJson, rawRequest } from './helpers/http.js';

let directory: string;
let imagePath: string;
let jpegs: Uint8Array[];
let viewer: Viewer;
let dataset: Dataset;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-viewer-'));
  ({ path: imagePath, jpegs } = await writeImageDataset(directory));
  viewer = await createViewer({ path: imagePath });
  dataset = openDataset(imagePath);
});

afterAll(async () => {
  await viewer?.close();
  dataset?.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('createViewer', () => {
  it('listens on 127.0.0.1 and a free port by default, and serves the page', async () => {
    expect(viewer.url).toBe(`http://127.0.0.1:${viewer.port}/`);
    const page = await rawRequest(viewer.port, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.body.toString('utf8')).toContain('<script type="module" src="/viewer.js">');
    for (const asset of ['/viewer.js', '/viewer.css']) expect((await rawRequest(viewer.port, asset)).status).toBe(200);
  });

  it('a port in use is a typed error naming the port', async () => {
    await expect(createViewer({ path: imagePath, port: viewer.port })).rejects.toMatchObject({
      code: 'E_IO',
      message: expect.stringMatching(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${viewer.port} \\(EADDRINUSE\\): choose another port`)),
    });
  });

  it("summary: the numbers equal the dataset's", async () => {
    const { status, body } = await getJson(viewer.port, '/api/summary');
    expect(status).toBe(200);
    const { layout } = dataset;
    expect(body).toMatchObject({
      numSamples: IMAGE_SAMPLE_COUNT,
      fileByteLength: layout.fileByteLength,
      pageSize: dataset.pageSize,
      numPages: layout.numPages,
      payloadByteLength: layout.payloadByteLength,
      pageFill: layout.payloadByteLength / (layout.numPages * dataset.pageSize),
      checksums: 'present',
      writer: dataset.extension!.creator,
      plugins: dataset.extension!.plugins,
      info: { source: 'image-folder', classes: CLASSES },
      fileChanged: null,
      searchFields: ['meta'],
    });
    expect(body.fields.map((field: { name: string }) => field.name)).toEqual(dataset.fields.map((field) => field.name));
    const label = body.fields.find((field: { name: string }) => field.name === 'label');
    expect(label).toMatchObject({ codecId: 'core/int64', plugin: '@tessera/core', typeId: dataset.fields.find((field) => field.name === 'label')!.typeId, hasStatistics: true, classNames: CLASSES });
    expect(body.fields.find((field: { name: string }) => field.name === 'image')).toMatchObject({ codecId: 'core/ffcv-image', hasPreview: true, classNames: null });
    // The page fill as `tessera inspect` computes it: the allocation table's sizes over the pages' bytes.
    expect(body.payloadByteLength).toBeGreaterThan(jpegs.reduce((sum, jpeg) => sum + jpeg.byteLength, 0));
    expect(body.timeline).toBeNull();
  });

  it('summary: payload bytes per field where the size is known without decoding, exact for a file this small', async () => {
    const { body } = await getJson(viewer.port, '/api/summary');
    const bytesOf = (name: string) => body.fields.find((field: { name: string }) => field.name === name).payloadBytes;
    const blobTotal = Array.from({ length: IMAGE_SAMPLE_COUNT }, (_, index) => `blob number ${index}`.length).reduce((sum, length) => sum + length, 0);
    expect(bytesOf('blob')).toEqual({ source: 'size column', perSampleByteLength: blobTotal / IMAGE_SAMPLE_COUNT, totalByteLength: blobTotal, rowsRead: IMAGE_SAMPLE_COUNT, approximate: false });
    const metaTotal = Array.from({ length: IMAGE_SAMPLE_COUNT }, (_, index) => Buffer.byteLength(JSON.stringify({ caption: captionOf(index), index }))).reduce((sum, length) => sum + length, 0);
    // The stored text has Python's separators (", " and ": ": 3 more bytes for two keys) and ends in a NUL byte, as FFCV's does.
    expect(bytesOf('meta')).toMatchObject({ source: 'size column', totalByteLength: metaTotal + IMAGE_SAMPLE_COUNT * (3 + 1), approximate: false });
    expect(bytesOf('label')).toMatchObject({ source: 'metadata only', perSampleByteLength: 0, totalByteLength: 0 });
    expect(bytesOf('grid')).toMatchObject({ source: 'arguments', perSampleByteLength: 24, totalByteLength: 24 * IMAGE_SAMPLE_COUNT, approximate: false });
    // An FFCV image's statistics give its stored size (a JPEG's from the allocation table): exact here.
    const jpegTotal = jpegs.reduce((sum, jpeg) => sum + jpeg.byteLength, 0);
    expect(bytesOf('image')).toMatchObject({ source: 'statistics', totalByteLength: jpegTotal, approximate: false });
  });

  it('rows: previews per field, media as URLs, everything else inline', async () => {
    const { status, body } = await getJson(viewer.port, '/api/rows?offset=10&limit=3');
    expect(status).toBe(200);
    expect(body).toMatchObject({ offset: 10, limit: 3, total: IMAGE_SAMPLE_COUNT, partial: false });
    expect(body.rows.map((row: { index: number }) => row.index)).toEqual([10, 11, 12]);
    const row = body.rows[0].fields;
    expect(row.image).toEqual({ kind: 'image', mimeType: 'image/jpeg', byteLength: jpegs[10]!.byteLength, ...jpegSizeOf(10), url: '/api/media/image/10?maxSide=256' });
    expect(row.thumbnail).toMatchObject({ kind: 'image', mimeType: 'image/bmp', width: RAW_WIDTH, height: RAW_HEIGHT });
    expect(row.label).toEqual({ kind: 'json', value: labelOf(10) });
    expect(row.score).toEqual({ kind: 'json', value: scoreOf(10) });
    expect(row.blob).toEqual({ kind: 'bytes', byteLength: 'blob number 10'.length, head: Buffer.from('blob number 10').toString('hex') });
    expect(row.meta).toEqual({ kind: 'json', value: { caption: captionOf(10), index: 10 } });
    expect(row.grid).toEqual({ kind: 'array', dtype: '<f4', shape: [2, 3], values: [10, 1, 2, 3, 4, 5] });
    const last = await getJson(viewer.port, '/api/rows?offset=100');
    expect(last.body.rows.map((item: { index: number }) => item.index)).toEqual(Array.from({ length: 20 }, (_, index) => 100 + index));
  });

  it('media: the stored JPEG as it is; raw pixels as a BMP with the right header and pixels', async () => {
    const jpeg = await rawRequest(viewer.port, '/api/media/image/10');
    expect(jpeg.status).toBe(200);
    expect(jpeg.headers['content-type']).toBe('image/jpeg');
    expect(jpeg.headers['accept-ranges']).toBe('bytes');
    expect(Number(jpeg.headers['content-length'])).toBe(jpegs[10]!.byteLength);
    expect(Buffer.compare(jpeg.body, Buffer.from(jpegs[10]!))).toBe(0);
    expect(await sharp(jpeg.body).metadata()).toMatchObject(jpegSizeOf(10));

    const bmp = await rawRequest(viewer.port, '/api/media/thumbnail/7');
    expect(bmp.status).toBe(200);
    expect(bmp.headers['content-type']).toBe('image/bmp');
    const body = bmp.body;
    expect(body.subarray(0, 2).toString('latin1')).toBe('BM');
    expect(body.readUInt32LE(2)).toBe(body.byteLength);
    expect(body.readInt32LE(18)).toBe(RAW_WIDTH);
    expect(Math.abs(body.readInt32LE(22))).toBe(RAW_HEIGHT);
    expect(body.readUInt16LE(28)).toBe(24);
    // Every pixel (BMP rows: BGR, padded to 4 bytes, bottom-up unless the height is negative).
    const pixels = rawPixels(7);
    const pixelOffset = body.readUInt32LE(10);
    const rowByteLength = Math.ceil((RAW_WIDTH * 3) / 4) * 4;
    const topDown = body.readInt32LE(22) < 0;
    for (let y = 0; y < RAW_HEIGHT; y++) {
      const fileRow = topDown ? y : RAW_HEIGHT - 1 - y;
      for (let x = 0; x < RAW_WIDTH; x++) {
        const at = pixelOffset + fileRow * rowByteLength + x * 3;
        expect([body[at + 2], body[at + 1], body[at]]).toEqual(Array.from(pixels.subarray((y * RAW_WIDTH + x) * 3, (y * RAW_WIDTH + x) * 3 + 3)));
      }
    }
  });

  it('media: single byte ranges get 206 with the slice, past the end 416', async () => {
    const whole = Buffer.from(jpegs[5]!);
    const length = whole.byteLength;
    const cases: Array<[string, number, number]> = [
      ['bytes=0-99', 0, 99],
      ['bytes=100-', 100, length - 1],
      ['bytes=-50', length - 50, length - 1],
      [`bytes=10-${length + 500}`, 10, length - 1],
    ];
    for (const [range, start, end] of cases) {
      const response = await rawRequest(viewer.port, '/api/media/image/5', { headers: { range } });
      expect(response.status, range).toBe(206);
      expect(response.headers['content-range']).toBe(`bytes ${start}-${end}/${length}`);
      expect(Number(response.headers['content-length'])).toBe(end - start + 1);
      expect(Buffer.compare(response.body, whole.subarray(start, end + 1)), range).toBe(0);
    }
    for (const range of [`bytes=${length}-`, `bytes=${length + 10}-${length + 20}`, 'bytes=-0']) {
      const response = await rawRequest(viewer.port, '/api/media/image/5', { headers: { range } });
      expect(response.status, range).toBe(416);
      expect(response.headers['content-range']).toBe(`bytes */${length}`);
    }
    // Several ranges, another unit or a malformed header: the whole body, as the RFC allows.
    for (const range of ['bytes=0-1,5-6', 'items=0-1', 'bytes=abc']) {
      const response = await rawRequest(viewer.port, '/api/media/image/5', { headers: { range } });
      expect(response.status, range).toBe(200);
      expect(response.body.byteLength).toBe(length);
    }
    const head = await rawRequest(viewer.port, '/api/media/image/5', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(length);
    expect(head.body.byteLength).toBe(0);
  });

  it('statistics: class counts with names and histograms equal a direct count', async () => {
    const labels = await getJson(viewer.port, '/api/statistics/label');
    expect(labels.status).toBe(200);
    expect(labels.body).toMatchObject({ field: 'label', numSamples: IMAGE_SAMPLE_COUNT, rowsRead: IMAGE_SAMPLE_COUNT, partial: false });
    const [value] = labels.body.statistics;
    expect(value.kind).toBe('counts');
    const expected = CLASSES.map((label, index) => ({ value: index, label, count: Array.from({ length: IMAGE_SAMPLE_COUNT }, (_, row) => labelOf(row)).filter((item) => item === index).length }));
    expect(value.counts).toEqual(expected);

    const images = await getJson(viewer.port, '/api/statistics/image');
    const width = images.body.statistics.find((statistic: { name: string }) => statistic.name === 'width');
    expect(width.kind).toBe('counts');
    for (const { value: widthValue, count } of width.counts) {
      expect(count).toBe(Array.from({ length: IMAGE_SAMPLE_COUNT }, (_, row) => jpegSizeOf(row).width).filter((item) => item === widthValue).length);
    }

    const scores = await getJson(viewer.port, '/api/statistics/score');
    const [score] = scores.body.statistics;
    expect(score.kind).toBe('histogram');
    expect(score.bins).toHaveLength(20);
    const values = Array.from({ length: IMAGE_SAMPLE_COUNT }, (_, row) => scoreOf(row));
    const min = Math.min(...values);
    const max = Math.max(...values);
    expect(score).toMatchObject({ min, max, rowCount: IMAGE_SAMPLE_COUNT });
    const counts = new Array(20).fill(0);
    for (const item of values) counts[Math.min(19, Math.floor(((item - min) / (max - min)) * 20))]++;
    expect(score.bins.map((bin: { count: number }) => bin.count)).toEqual(counts);
  });

  it('filters: exactly the rows whose statistic is in [min, max]', async () => {
    const { body } = await getJson(viewer.port, '/api/rows?filter=label.value:2:2&limit=100');
    const expected = Array.from({ length: IMAGE_SAMPLE_COUNT }, (_, row) => row).filter((row) => labelOf(row) === 2);
    expect(body).toMatchObject({ total: expected.length, partial: false, filter: { field: 'label', statistic: 'value', min: 2, max: 2 } });
    expect(body.rows.map((row: { index: number }) => row.index)).toEqual(expected);
    expect(body.rows.every((row: { fields: { label: { value: number } } }) => row.fields.label.value === 2)).toBe(true);

    const range = await getJson(viewer.port, '/api/rows?filter=score.value:3.5:7&limit=100');
    expect(range.body.rows.map((row: { index: number }) => row.index)).toEqual(
      Array.from({ length: IMAGE_SAMPLE_COUNT }, (_, row) => row).filter((row) => scoreOf(row) >= 3.5 && scoreOf(row) <= 7).slice(0, 100),
    );
    const second = await getJson(viewer.port, '/api/rows?filter=label.value:2:2&offset=10&limit=5');
    expect(second.body.rows.map((row: { index: number }) => row.index)).toEqual(expected.slice(10, 15));
    const none = await getJson(viewer.port, '/api/rows?filter=label.value:9:9');
    expect(none.body).toMatchObject({ total: 0, rows: [] });
  });

  it('search: a substring of the text fields, case-insensitive', async () => {
    const { body } = await getJson(viewer.port, `/api/rows?search=${encodeURIComponent('BIRD photographed')}&limit=100`);
    const expected = Array.from({ length: IMAGE_SAMPLE_COUNT }, (_, row) => row).filter((row) => captionOf(row).toLowerCase().includes('bird photographed'));
    expect(expected.length).toBeGreaterThan(0);
    expect(body.rows.map((row: { index: number }) => row.index)).toEqual(expected);
    const both = await getJson(viewer.port, `/api/rows?search=${encodeURIComponent('picture 1')}&filter=label.value:1:1&limit=100`);
    expect(both.body.rows.map((row: { index: number }) => row.index)).toEqual(expected.length === 0 ? [] : Array.from({ length: IMAGE_SAMPLE_COUNT }, (_, row) => row).filter((row) => labelOf(row) === 1 && captionOf(row).includes('picture 1')));
  });

  it('bad requests get a JSON error with a status, and the server keeps answering', async () => {
    const cases: Array<[string, number, string]> = [
      ['/api/media/image/120', 404, 'E_INDEX'],
      ['/api/media/label/-1', 404, 'E_INDEX'],
      ['/api/media/image/1e3', 400, 'E_ARGUMENT'],
      ['/api/media/nope/0', 404, 'E_UNKNOWN_FIELD'],
      ['/api/media/%2e%2e/0', 404, 'E_UNKNOWN_FIELD'],
      ['/api/media/blob/0', 404, 'E_NO_MEDIA'],
      ['/api/media/image/0?poster=1', 404, 'E_NO_MEDIA'],
      ['/api/media/image/0?maxSide=0', 400, 'E_ARGUMENT'],
      ['/api/media/a%zz/0', 400, 'E_ARGUMENT'],
      ['/api/statistics/nope', 404, 'E_UNKNOWN_FIELD'],
      ['/api/statistics/blob/extra', 404, 'E_NOT_FOUND'],
      ['/api/rows?offset=120', 404, 'E_INDEX'],
      ['/api/rows?offset=-1', 400, 'E_ARGUMENT'],
      ['/api/rows?limit=101', 400, 'E_ARGUMENT'],
      ['/api/rows?limit=0', 400, 'E_ARGUMENT'],
      ['/api/rows?filter=label', 400, 'E_ARGUMENT'],
      ['/api/rows?filter=label.value:x:1', 400, 'E_ARGUMENT'],
      ['/api/rows?filter=nope.value:0:1', 404, 'E_UNKNOWN_FIELD'],
      ['/api/rows?filter=meta.value:0:1', 400, 'E_NO_STATISTICS'],
      ['/../../etc/passwd', 404, 'E_NOT_FOUND'],
      ['/%2e%2e/%2e%2e/etc/passwd', 404, 'E_NOT_FOUND'],
      ['/..%2f..%2fetc%2fpasswd', 404, 'E_NOT_FOUND'],
      ['/viewer.js/../../package.json', 404, 'E_NOT_FOUND'],
      ['/api/../package.json', 404, 'E_NOT_FOUND'],
      ['/assets/viewer.js', 404, 'E_NOT_FOUND'],
      ['/api', 404, 'E_NOT_FOUND'],
    ];
    for (const [path, status, code] of cases) {
      const response = await getJson(viewer.port, path);
      expect({ path, status: response.status, code: response.body.error?.code }).toEqual({ path, status, code });
      expect(typeof response.body.error.message).toBe('string');
    }
    expect((await getJson(viewer.port, '/api/summary', { method: 'DELETE' })).status).toBe(405);
    const rebound = await rawRequest(viewer.port, '/api/summary', { headers: { host: 'attacker.example' } });
    expect(rebound.status).toBe(403);
    expect((await getJson(viewer.port, '/api/summary')).status).toBe(200);
  });

  it('verify: POST starts it, GET reports progress until done with ok', async () => {
    const started = await getJson(viewer.port, '/api/verify', { method: 'POST' });
    expect(started.status).toBe(202);
    expect(['running', 'done']).toContain(started.body.state);
    let state = started.body;
    for (let attempt = 0; attempt < 200 && state.state === 'running'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      state = (await getJson(viewer.port, '/api/verify')).body;
    }
    expect(state).toMatchObject({ state: 'done', ok: true, filesChecked: 1, filesTotal: 1, error: null, fraction: 1, progress: null });
    expect(state.reports[0]).toMatchObject({ path: imagePath, ok: true, checksums: 'verified', problems: [] });
  });
});

describe('a file that changes while it is served', () => {
  it('answers 409 naming the change, and keeps serving the summary', async () => {
    const path = join(directory, 'changing.beton');
    copyFileSync(imagePath, path);
    const changing = await createViewer({ path });
    try {
      expect((await getJson(changing.port, '/api/rows?limit=2')).status).toBe(200);
      expect((await rawRequest(changing.port, '/api/media/image/3')).status).toBe(200);
      truncateSync(path, 4096);
      for (const route of ['/api/rows?limit=2', '/api/media/image/3', '/api/media/image/4', '/api/statistics/label', '/api/rows?filter=label.value:1:1']) {
        const response = await getJson(changing.port, route);
        expect({ route, status: response.status, code: response.body.error?.code }).toEqual({ route, status: 409, code: 'E_IO' });
        expect(response.body.error.message).toMatch(/restart tessera view/);
      }
      const summary = await getJson(changing.port, '/api/summary');
      expect(summary.status).toBe(200);
      expect(summary.body.fileChanged).toMatch(/changed|truncat|size/i);
    } finally {
      await changing.close();
    }
  });
});

describe('a file larger than statistics read in full', () => {
  it('uses a seeded sample (partial), and says when a scan stopped early', async () => {
    const path = await writeLargeDataset(directory);
    const large = await createViewer({ path });
    try {
      const { body } = await getJson(large.port, '/api/statistics/id');
      expect(body).toMatchObject({ numSamples: LARGE_SAMPLE_COUNT, rowsRead: 10_000, partial: true, seed: 0 });
      // Payload bytes in the header: a seeded sample of rows' sizes, marked approximate. "row N" is 5 to 10 characters, quoted, NUL-ended.
      const note = (await getJson(large.port, '/api/summary')).body.fields[1].payloadBytes;
      expect(note).toMatchObject({ source: 'size column', rowsRead: 1000, approximate: true });
      expect(note.perSampleByteLength).toBeGreaterThan(12);
      expect(note.perSampleByteLength).toBeLessThan(13);
      expect(note.totalByteLength).toBeCloseTo(note.perSampleByteLength * LARGE_SAMPLE_COUNT, 6);
      const [id] = body.statistics;
      expect(id.kind).toBe('counts');
      expect(id.counts.reduce((sum: number, entry: { count: number }) => sum + entry.count, 0)).toBe(10_000);
      expect(id.counts.map((entry: { value: number }) => entry.value)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      // The same rows every time (seeded).
      const again = await createViewer({ path });
      try {
        expect((await getJson(again.port, '/api/statistics/id')).body).toEqual(body);
      } finally {
        await again.close();
      }
      const filtered = await getJson(large.port, '/api/rows?filter=id.value:3:3&offset=17000&limit=2');
      expect(filtered.body).toMatchObject({ partial: false, scannedRows: LARGE_SAMPLE_COUNT });
      expect(filtered.body.rows.map((row: { index: number }) => row.index)).toEqual([17_000 * 7 + 3, 17_001 * 7 + 3]);
      const searched = await getJson(large.port, '/api/rows?search=row%2019999&limit=5');
      expect(searched.body).toMatchObject({ partial: true, scannedRows: 20_000, total: 1 });
      expect(searched.body.rows[0].index).toBe(19_999);
      expect((await getJson(large.port, '/api/rows?offset=119999&limit=1')).body.rows[0].fields.note).toEqual({ kind: 'json', value: 'row 119999' });
    } finally {
      await large.close();
    }
  });
});

describe('a plugin field previewed as audio', () => {
  it("gives the player's URL, duration and peaks, and serves the WAV with ranges", async () => {
    const { path, plugin } = await writeAudioDataset(directory);
    const audio = await createViewer({ path, plugins: [plugin] });
    try {
      const summary = await getJson(audio.port, '/api/summary');
      expect(summary.body.fields[0]).toMatchObject({ name: 'clip', codecId: 'viewer-test/wav-clip', plugin: 'tessera-viewer-test-wav', pluginVersion: '1.0.0', hasPreview: true, hasStatistics: true });
      const { body } = await getJson(audio.port, '/api/rows?offset=2&limit=1');
      const wav = makeWav(2);
      expect(body.rows[0].fields.clip).toEqual({
        kind: 'audio',
        mimeType: 'audio/wav',
        byteLength: wav.byteLength,
        durationSeconds: clipSecondsOf(2),
        sampleRate: CLIP_SAMPLE_RATE,
        channels: 1,
        peaks: Array.from(new Float32Array(32).map((_, index) => (index % 2 === 0 ? -0.37 : 0.37))),
        url: '/api/media/clip/2?maxSide=256',
      });
      const whole = await rawRequest(audio.port, '/api/media/clip/2');
      expect(whole.headers['content-type']).toBe('audio/wav');
      expect(Buffer.compare(whole.body, Buffer.from(wav))).toBe(0);
      const tail = await rawRequest(audio.port, '/api/media/clip/2', { headers: { range: 'bytes=44-' } });
      expect(tail.status).toBe(206);
      expect(Buffer.compare(tail.body, Buffer.from(wav.subarray(44)))).toBe(0);
    } finally {
      await audio.close();
    }
  });
});

describe('the time-aligned view: /api/timeline/<row>', () => {
  let timelinePath: string;
  let timelineViewer: Viewer;
  beforeAll(async () => {
    const { path, plugins } = await writeTimelineDataset(directory);
    timelinePath = path;
    timelineViewer = await createViewer({ path, plugins });
  });
  afterAll(async () => {
    await timelineViewer?.close();
  });

  it('the summary names the stream and span fields', async () => {
    const { body } = await getJson(timelineViewer.port, '/api/summary');
    expect(body.timeline).toEqual({ streams: ['clip', 'words'], anchors: ['words'] });
    expect(body.fields.map((field: { hasTimeline: boolean; hasAnchors: boolean }) => [field.hasTimeline, field.hasAnchors])).toEqual([
      [true, false],
      [true, true],
    ]);
    // The WAV field's byteLength statistic gives its exact payload bytes.
    const wavTotal = Array.from({ length: TIMELINE_SAMPLE_COUNT }, (_, index) => makeWav(index).byteLength).reduce((sum, length) => sum + length, 0);
    expect(body.fields[0].payloadBytes).toMatchObject({ source: 'statistics', totalByteLength: wavTotal, approximate: false });
    expect(timelinePath).toMatch(/spoken\.beton$/);
  });

  it('streams, labelled spans and the axis; no drift within the tolerance', async () => {
    const { status, body } = await getJson(timelineViewer.port, '/api/timeline/0');
    expect(status).toBe(200);
    const words = wordsOf(0);
    expect(body.streams[0]).toEqual({ field: 'clip', startSeconds: CLIP_START_SECONDS, durationSeconds: clipSecondsOf(0) });
    expect(body.streams[1].field).toBe('words');
    expect(body.streams[1].startSeconds).toBeCloseTo(words[0]!.start, 9);
    expect(body.anchors).toEqual([{ field: 'words', count: 3, spans: words.map((word) => [word.start, word.end, word.label]) }]);
    expect(body.startSeconds).toBeCloseTo(CLIP_START_SECONDS, 9);
    expect(body.endSeconds).toBeCloseTo(CLIP_START_SECONDS + clipSecondsOf(0), 9);
    expect(body).toMatchObject({ row: 0, truncated: false, drift: { toleranceSeconds: 0.1, flags: [] } });
  });

  it('flags words that run past the clip by more than the tolerance, with the numbers; a larger tolerance accepts them', async () => {
    const { body } = await getJson(timelineViewer.port, `/api/timeline/${DRIFTING_ROW}`);
    expect(body.drift.flags).toHaveLength(1);
    const [flag] = body.drift.flags;
    expect(flag).toMatchObject({ field: 'words', reference: 'clip', kind: 'end' });
    expect(flag.differenceSeconds).toBeCloseTo(WORD_OVERRUN_SECONDS, 9);
    expect(flag.message).toBe(`words ends 0.30 s after clip (at ${(CLIP_START_SECONDS + clipSecondsOf(DRIFTING_ROW) + WORD_OVERRUN_SECONDS).toFixed(2)} s vs ${(CLIP_START_SECONDS + clipSecondsOf(DRIFTING_ROW)).toFixed(2)} s)`);
    const tolerant = await getJson(timelineViewer.port, `/api/timeline/${DRIFTING_ROW}?toleranceSeconds=0.5`);
    expect(tolerant.body.drift).toEqual({ toleranceSeconds: 0.5, flags: [] });
  });

  it('flags two media streams whose durations differ, and bounds the spans it sends', async () => {
    const { path, plugins } = await writeDubbedDataset(directory, 2100);
    const dubbed = await createViewer({ path, plugins });
    try {
      const { body } = await getJson(dubbed.port, '/api/timeline/0');
      expect(body.streams.map((stream: { field: string }) => stream.field)).toEqual(['clip', 'dub', 'words']);
      expect(body.drift.flags).toEqual([{ field: 'dub', reference: 'clip', kind: 'duration', differenceSeconds: 0.25, message: 'dub lasts 0.25 s longer than clip (0.75 s vs 0.50 s)' }]);
      expect(body.truncated).toBe(true);
      expect(body.anchors[0].count).toBe(2100);
      expect(body.anchors[0].spans).toHaveLength(2000);
      expect(body.anchors[0].spans[1999][2]).toBe('w1999');
    } finally {
      await dubbed.close();
    }
  });

  it('bad requests: a file without streams, a row out of range, a bad tolerance', async () => {
    const none = await getJson(viewer.port, '/api/timeline/0');
    expect(none.status).toBe(404);
    expect(none.body.error).toMatchObject({ code: 'E_NO_TIMELINE', message: expect.stringContaining('fields with a time axis: none') });
    expect((await getJson(timelineViewer.port, `/api/timeline/${TIMELINE_SAMPLE_COUNT}`)).body.error.code).toBe('E_INDEX');
    for (const tolerance of ['-1', 'abc', '1e3', '99999']) {
      const response = await getJson(timelineViewer.port, `/api/timeline/0?toleranceSeconds=${tolerance}`);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('E_ARGUMENT');
    }
    expect((await getJson(timelineViewer.port, '/api/timeline/0', { method: 'POST' })).status).toBe(405);
  });
});

describe('decoded outputs (/api/decoded/<field>/<row>?decoder=)', () => {
  let pixelsPath: string;
  let pixelsViewer: Viewer;
  beforeAll(async () => {
    const { int64, ndarray, writeDataset } = await import('@tessera/core');
    pixelsPath = join(directory, 'pixels.beton');
    await writeDataset(pixelsPath, { pixels: ndarray({ dtype: '|u1', shape: [RAW_HEIGHT, RAW_WIDTH, 3] }), label: int64() }, Array.from({ length: 4 }, (_, index) => ({ pixels: rawPixels(index), label: index * 3 })), { workers: 0 });
    pixelsViewer = await createViewer({ path: pixelsPath });
  });
  afterAll(async () => {
    await pixelsViewer?.close();
  });

  it('a decoder with a uint8 [height, width, 3] output is served as a BMP of exactly its pixels', async () => {
    const summary = await getJson(pixelsViewer.port, '/api/summary');
    expect(summary.body.fields.find((field: { name: string }) => field.name === 'pixels').decoders).toEqual(['ndarray']);
    const bmp = await rawRequest(pixelsViewer.port, '/api/decoded/pixels/2?decoder=ndarray');
    expect(bmp.status).toBe(200);
    expect(bmp.headers['content-type']).toBe('image/bmp');
    const body = bmp.body;
    expect([body.subarray(0, 2).toString('latin1'), body.readInt32LE(18), body.readInt32LE(22)]).toEqual(['BM', RAW_WIDTH, -RAW_HEIGHT]);
    const pixels = rawPixels(2);
    const rowByteLength = Math.ceil((RAW_WIDTH * 3) / 4) * 4;
    for (let y = 0; y < RAW_HEIGHT; y++) {
      for (let x = 0; x < RAW_WIDTH; x++) {
        const at = body.readUInt32LE(10) + y * rowByteLength + x * 3;
        expect([body[at + 2], body[at + 1], body[at]]).toEqual(Array.from(pixels.subarray((y * RAW_WIDTH + x) * 3, (y * RAW_WIDTH + x) * 3 + 3)));
      }
    }
  });

  it('any other output is JSON: dtype, shape, lengths and values', async () => {
    const label = await getJson(pixelsViewer.port, '/api/decoded/label/3?decoder=int32');
    expect(label.status).toBe(200);
    expect(label.body).toEqual({ dtype: 'int32', shape: [], lengths: [], values: [9] });
  });

  it('an unknown decoder, missing decoder, bad options JSON or options the decoder rejects get 404/400 naming the problem', async () => {
    expect(await getJson(pixelsViewer.port, '/api/decoded/pixels/0?decoder=center-crop')).toMatchObject({ status: 404, body: { error: { code: 'E_NO_DECODER', message: expect.stringContaining('ndarray') } } });
    expect(await getJson(pixelsViewer.port, '/api/decoded/pixels/0')).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('?decoder=') } } });
    expect(await getJson(pixelsViewer.port, '/api/decoded/pixels/0?decoder=ndarray&options={oops')).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('JSON') } } });
    expect(await getJson(pixelsViewer.port, '/api/decoded/label/0?decoder=int32&options={"size":3}')).toMatchObject({ status: 400, body: { error: { code: 'E_ARGUMENT' } } });
    expect(await getJson(pixelsViewer.port, '/api/decoded/pixels/4?decoder=ndarray')).toMatchObject({ status: 404 });
    expect(await getJson(pixelsViewer.port, '/api/decoded/nope/0?decoder=ndarray')).toMatchObject({ status: 404 });
  });
});
