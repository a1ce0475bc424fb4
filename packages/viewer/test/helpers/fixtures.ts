import { join } from 'node:path';
import { type FieldCodec, type FieldSpec, type FieldReader, type TesseraPlugin, bytes, corePlugin, ffcvImage, float64, int64, json, ndarray, writeDataset } from '@tessera/core';
import sharp from 'sharp';

export const IMAGE_SAMPLE_COUNT = 120;
export const CLASSES = ['cat', 'dog', 'bird', 'fish'];
export const RAW_WIDTH = 6;
export const RAW_HEIGHT = 4;

export const labelOf = (index: number) => index % CLASSES.length;
export const jpegSizeOf = (index: number) => ({ width: 32 + (index % 5) * 8, height: 24 + (index % 3) * 8 });
export const scoreOf = (index: number) => ((index * 37) % 101) / 7;
export const captionOf = (index: number) => `a ${CLASSES[labelOf(index)]} photographed at dawn, picture ${index}`;

/** Raw RGB pixels whose colour encodes the sample and position, so a BMP can be checked pixel by pixel. */
export function rawPixels(index: number): Uint8Array {
  const pixels = new Uint8Array(RAW_WIDTH * RAW_HEIGHT * 3);
  for (let y = 0; y < RAW_HEIGHT; y++) {
    for (let x = 0; x < RAW_WIDTH; x++) pixels.set([(index * 2) % 256, x * 40, y * 60], (y * RAW_WIDTH + x) * 3);
  }
  return pixels;
}

/** A real JPEG of the given size: a colour gradient that depends on the sample. */
export async function makeJpeg(index: number): Promise<Uint8Array> {
  const { width, height } = jpegSizeOf(index);
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set([(x * 255) / width, (y * 255) / height, (labelOf(index) * 80) % 256], (y * width + x) * 3);
  }
  return new Uint8Array(await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 80 }).toBuffer());
}

/** Every core field kind, with class names in `info` as buildImageFolderDataset stores them. */
export async function writeImageDataset(directory: string, name = 'images.beton'): Promise<{ path: string; jpegs: Uint8Array[] }> {
  const path = join(directory, name);
  const jpegs = await Promise.all(Array.from({ length: IMAGE_SAMPLE_COUNT }, (_, index) => makeJpeg(index)));
  const schema = { image: ffcvImage(), label: int64(), thumbnail: ffcvImage(), score: float64(), blob: bytes(), meta: json(), grid: ndarray({ dtype: '<f4', shape: [2, 3] }) };
  const samples = Array.from({ length: IMAGE_SAMPLE_COUNT }, (_, index) => ({
    image: { mode: 'jpg', ...jpegSizeOf(index), data: jpegs[index]! },
    label: labelOf(index),
    thumbnail: { mode: 'raw', width: RAW_WIDTH, height: RAW_HEIGHT, data: rawPixels(index) },
    score: scoreOf(index),
    blob: `blob number ${index}`,
    meta: { caption: captionOf(index), index },
    grid: [index, 1, 2, 3, 4, 5],
  }));
  await writeDataset(path, schema, samples, { workers: 0, info: { source: 'image-folder', classes: CLASSES } });
  return { path, jpegs };
}

export const LARGE_SAMPLE_COUNT = 120_000;

/** More rows than statistics read in full (100,000), so they come from a seeded sample. */
export async function writeLargeDataset(directory: string): Promise<string> {
  const path = join(directory, 'large.beton');
  await writeDataset(path, { id: int64(), note: json() }, { length: LARGE_SAMPLE_COUNT, get: (index: number) => ({ id: index % 7, note: `row ${index}` }) }, { workers: 0 });
  return path;
}

export const SHAPE_CLASSES = ['circle', 'square', 'triangle', 'diamond'];
export const GALLERY_SAMPLE_COUNT = 240;

/** A 160×120 picture of the sample's class (a shape in a colour), drawn from SVG by sharp. */
async function makeShapeJpeg(index: number): Promise<Uint8Array> {
  const hue = (index * 47) % 360;
  const fill = `hsl(${hue}, 70%, 55%)`;
  const background = `hsl(${(hue + 180) % 360}, 35%, 88%)`;
  const x = 60 + ((index * 13) % 40);
  const y = 50 + ((index * 7) % 20);
  const shapes = [
    `<circle cx="${x}" cy="${y}" r="34" fill="${fill}"/>`,
    `<rect x="${x - 32}" y="${y - 32}" width="64" height="64" fill="${fill}"/>`,
    `<polygon points="${x},${y - 38} ${x + 40},${y + 32} ${x - 40},${y + 32}" fill="${fill}"/>`,
    `<polygon points="${x},${y - 40} ${x + 34},${y} ${x},${y + 40} ${x - 34},${y}" fill="${fill}"/>`,
  ];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="120"><rect width="160" height="120" fill="${background}"/>${shapes[index % SHAPE_CLASSES.length]}</svg>`;
  return new Uint8Array(await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer());
}

/** An image-folder-like dataset for the README screenshot: JPEGs, class ids with names in `info`, captions. */
export async function writeGalleryDataset(directory: string): Promise<string> {
  const path = join(directory, 'shapes.beton');
  const jpegs = await Promise.all(Array.from({ length: GALLERY_SAMPLE_COUNT }, (_, index) => makeShapeJpeg(index)));
  await writeDataset(
    path,
    { image: ffcvImage(), label: int64(), caption: json() },
    Array.from({ length: GALLERY_SAMPLE_COUNT }, (_, index) => ({
      image: { mode: 'jpg', width: 160, height: 120, data: jpegs[index]! },
      label: index % SHAPE_CLASSES.length,
      caption: `a ${SHAPE_CLASSES[index % SHAPE_CLASSES.length]} in hue ${(index * 47) % 360}`,
    })),
    { workers: 0, info: { source: 'image-folder', classes: SHAPE_CLASSES } },
  );
  return path;
}

export const CLIP_SAMPLE_RATE = 8000;
export const clipSecondsOf = (index: number) => 0.5 + (index % 3) * 0.25;

/** A mono 16-bit PCM WAV file: a sine tone of the sample's length. */
export function makeWav(index: number): Uint8Array {
  const frameCount = Math.round(clipSecondsOf(index) * CLIP_SAMPLE_RATE);
  const file = Buffer.alloc(44 + frameCount * 2);
  file.write('RIFF', 0, 'latin1');
  file.writeUInt32LE(36 + frameCount * 2, 4);
  file.write('WAVEfmt ', 8, 'latin1');
  file.writeUInt32LE(16, 16);
  file.writeUInt16LE(1, 20); // PCM
  file.writeUInt16LE(1, 22); // mono
  file.writeUInt32LE(CLIP_SAMPLE_RATE, 24);
  file.writeUInt32LE(CLIP_SAMPLE_RATE * 2, 28);
  file.writeUInt16LE(2, 32);
  file.writeUInt16LE(16, 34);
  file.write('data', 36, 'latin1');
  file.writeUInt32LE(frameCount * 2, 40);
  for (let frame = 0; frame < frameCount; frame++) file.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * frame) / CLIP_SAMPLE_RATE) * 12000), 44 + frame * 2);
  return new Uint8Array(file);
}

/**
 * A test plugin whose field stores WAV files as bytes and previews them as audio (what @tessera/audio
 * does for its fields), so the page's player and waveform are tested without a modality package.
 */
export function wavClipPlugin(options: { startSeconds?: number } = {}): TesseraPlugin {
  const bytesCodec = corePlugin().codecs.find((codec) => codec.id === 'core/bytes')!;
  const { typeId: _typeId, encodeFfcvArguments: _encode, decodeFfcvArguments: _decode, ...stored } = bytesCodec;
  const startSeconds = options.startSeconds ?? 0;
  const codec: FieldCodec = {
    ...stored,
    id: 'viewer-test/wav-clip',
    // The clip's place on the sample's time axis, from the WAV size in the metadata (its size column).
    timeline(field, sampleIndex, out) {
      const byteLength = field.readUint64(field.recordOffset(sampleIndex) + 8);
      if (byteLength === 0) return false;
      out.startSeconds = startSeconds;
      out.durationSeconds = (byteLength - 44) / 2 / CLIP_SAMPLE_RATE;
      return true;
    },
    preview(field, sampleIndex) {
      const wav = bytesCodec.read(field, sampleIndex) as Uint8Array;
      const peaks = new Float32Array(32);
      for (let pair = 0; pair < 16; pair++) peaks.set([-0.37, 0.37], pair * 2);
      return { kind: 'audio', mimeType: 'audio/wav', bytes: wav, durationSeconds: (wav.byteLength - 44) / 2 / CLIP_SAMPLE_RATE, sampleRate: CLIP_SAMPLE_RATE, channels: 1, peaks };
    },
  };
  return { specVersion: 1, name: 'tessera-viewer-test-wav', version: '1.0.0', codecs: [codec] };
}

export const AUDIO_SAMPLE_COUNT = 9;

export async function writeAudioDataset(directory: string): Promise<{ path: string; plugin: TesseraPlugin }> {
  const path = join(directory, 'clips.beton');
  const plugin = wavClipPlugin();
  const clip: FieldSpec = { plugin, codecId: 'viewer-test/wav-clip', arguments: {} };
  await writeDataset(path, { clip, label: int64() }, Array.from({ length: AUDIO_SAMPLE_COUNT }, (_, index) => ({ clip: makeWav(index), label: index % 2 })), { workers: 0, plugins: [plugin] });
  return { path, plugin };
}

/** One labelled span of the test word-spans field: seconds on the sample's time axis. */
export interface WordSpan {
  start: number;
  end: number;
  label: string;
}

/**
 * A test plugin for a second stream: words stored as JSON (core's json codec) with `timeline` and
 * `anchors` hooks, as @tessera/audio's alignments have, so the timeline view needs no modality package.
 */
export function wordSpansPlugin(): TesseraPlugin {
  const jsonCodec = corePlugin().codecs.find((codec) => codec.id === 'core/json')!;
  const { typeId: _typeId, encodeFfcvArguments: _encode, decodeFfcvArguments: _decode, preview: _preview, ...stored } = jsonCodec;
  const spansOf = (field: FieldReader, sampleIndex: number) => stored.read(field, sampleIndex) as WordSpan[];
  const codec: FieldCodec = {
    ...stored,
    id: 'viewer-test/word-spans',
    timeline(field, sampleIndex, out) {
      const spans = spansOf(field, sampleIndex);
      if (spans.length === 0) return false;
      out.startSeconds = Math.min(...spans.map((span) => span.start));
      out.durationSeconds = Math.max(...spans.map((span) => span.end)) - out.startSeconds;
      return true;
    },
    anchors(field, sampleIndex, out) {
      const spans = spansOf(field, sampleIndex);
      if (out.length >= spans.length * 2) for (const [index, span] of spans.entries()) out.set([span.start, span.end], index * 2);
      return spans.length;
    },
  };
  return { specVersion: 1, name: 'tessera-viewer-test-words', version: '1.0.0', codecs: [codec] };
}

export const TIMELINE_SAMPLE_COUNT = 3;
/** Where every clip starts on its sample's axis, so seeking must subtract it. */
export const CLIP_START_SECONDS = 0.2;
/** Row whose last word ends this long after its clip: drift above the default 0.1 s tolerance. */
export const DRIFTING_ROW = 2;
export const WORD_OVERRUN_SECONDS = 0.3;

export function wordsOf(index: number): WordSpan[] {
  const clipEnd = CLIP_START_SECONDS + clipSecondsOf(index);
  return [
    { start: CLIP_START_SECONDS + 0.05, end: CLIP_START_SECONDS + 0.15, label: `alpha${index}` },
    { start: CLIP_START_SECONDS + 0.25, end: CLIP_START_SECONDS + 0.4, label: `beta${index}` },
    { start: clipEnd - 0.05, end: index === DRIFTING_ROW ? clipEnd + WORD_OVERRUN_SECONDS : clipEnd, label: `omega${index}` },
  ];
}

/** A clip (WAV, on the time axis from CLIP_START_SECONDS) and its words: the time-aligned view's data. */
export async function writeTimelineDataset(directory: string): Promise<{ path: string; plugins: TesseraPlugin[] }> {
  const path = join(directory, 'spoken.beton');
  const plugins = [wavClipPlugin({ startSeconds: CLIP_START_SECONDS }), wordSpansPlugin()];
  const clip: FieldSpec = { plugin: plugins[0]!, codecId: 'viewer-test/wav-clip', arguments: {} };
  const words: FieldSpec = { plugin: plugins[1]!, codecId: 'viewer-test/word-spans', arguments: {} };
  await writeDataset(path, { clip, words }, Array.from({ length: TIMELINE_SAMPLE_COUNT }, (_, index) => ({ clip: makeWav(index), words: wordsOf(index) })), { workers: 0, plugins });
  return { path, plugins };
}

/**
 * One row with two clips of different lengths (0.5 s and 0.75 s: `clip` and its `dub`) and
 * `wordCount` short words: drift between media durations, and more spans than a timeline sends.
 */
export async function writeDubbedDataset(directory: string, wordCount: number): Promise<{ path: string; plugins: TesseraPlugin[] }> {
  const path = join(directory, `dubbed-${wordCount}.beton`);
  const plugins = [wavClipPlugin(), wordSpansPlugin()];
  const clip: FieldSpec = { plugin: plugins[0]!, codecId: 'viewer-test/wav-clip', arguments: {} };
  const words: FieldSpec = { plugin: plugins[1]!, codecId: 'viewer-test/word-spans', arguments: {} };
  const spans = Array.from({ length: wordCount }, (_, index) => ({ start: index * 0.0002, end: index * 0.0002 + 0.0001, label: `w${index}` }));
  await writeDataset(path, { clip, dub: clip, words }, [{ clip: makeWav(0), dub: makeWav(1), words: spans }], { workers: 0, plugins });
  return { path, plugins };
}
