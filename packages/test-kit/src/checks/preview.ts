import type { Dataset, FieldPreview } from '@tessera/core';
import { type ConformanceContext, FIELD, messageOf } from '../conformance-context.js';
import { fail } from '../conformance-error.js';
import { describeDifference, formatValue } from '../deep-equal.js';

/** How the files a browser shows or plays begin, by MIME type (the formats `FieldPreview` documents, and a few more). */
const SIGNATURES: Readonly<Record<string, { describe: string; matches(bytes: Uint8Array): boolean }>> = (() => {
  const at = (bytes: Uint8Array, offset: number, ...expected: number[]) => expected.every((byte, index) => bytes[offset + index] === byte);
  const ascii = (bytes: Uint8Array, offset: number, text: string) => at(bytes, offset, ...Array.from(text, (character) => character.charCodeAt(0)));
  const jpeg = { describe: 'FF D8 (JPEG)', matches: (bytes: Uint8Array) => at(bytes, 0, 0xff, 0xd8) };
  const png = { describe: '89 50 4E 47 (PNG)', matches: (bytes: Uint8Array) => at(bytes, 0, 0x89, 0x50, 0x4e, 0x47) };
  const wav = { describe: "'RIFF' … 'WAVE'", matches: (bytes: Uint8Array) => ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WAVE') };
  const ogg = { describe: "'OggS'", matches: (bytes: Uint8Array) => ascii(bytes, 0, 'OggS') };
  const isoMedia = { describe: "'ftyp' at byte 4 (ISO media)", matches: (bytes: Uint8Array) => ascii(bytes, 4, 'ftyp') };
  const webm = { describe: '1A 45 DF A3 (EBML)', matches: (bytes: Uint8Array) => at(bytes, 0, 0x1a, 0x45, 0xdf, 0xa3) };
  return {
    'image/jpeg': jpeg,
    'image/png': png,
    'image/bmp': { describe: "'BM'", matches: (bytes) => ascii(bytes, 0, 'BM') },
    'image/gif': { describe: "'GIF8'", matches: (bytes) => ascii(bytes, 0, 'GIF8') },
    'image/webp': { describe: "'RIFF' … 'WEBP'", matches: (bytes) => ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP') },
    'image/avif': isoMedia,
    'audio/wav': wav,
    'audio/wave': wav,
    'audio/x-wav': wav,
    'audio/flac': { describe: "'fLaC'", matches: (bytes) => ascii(bytes, 0, 'fLaC') },
    'audio/ogg': ogg,
    'audio/opus': ogg,
    'audio/mpeg': { describe: "'ID3' or an MPEG frame sync (FF Ex)", matches: (bytes) => ascii(bytes, 0, 'ID3') || (bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0) },
    'audio/mp4': isoMedia,
    'audio/webm': webm,
    'video/mp4': isoMedia,
    'video/webm': webm,
    'video/ogg': ogg,
  };
})();

/**
 * Codecs with `preview` and/or `statistics` (what `tessera view` shows), through the dataset API
 * the viewer uses, for every written value:
 * - `dataset.preview()` resolves and passes core's check of the `FieldPreview` contract (a
 *   malformed one is E_PLUGIN), is deterministic (a second call gives an equal preview), and the
 *   bytes of an image, audio or video preview (and a video's poster) begin with the signature of
 *   their MIME type: the viewer serves them as they are, so they must be a whole file of that type;
 * - `dataset.statistics()` gives finite numbers (core checks) under the same names for every
 *   sample, except `{}` for a sample without a value.
 */
export async function checkPreview(context: ConformanceContext): Promise<void> {
  await context.withDataset(await context.reference(), async (dataset) => {
    const describeSample = (sampleIndex: number) => `sample ${sampleIndex} (${formatValue(context.samples[sampleIndex])})`;
    if (dataset.hasPreview(FIELD)) {
      for (let sampleIndex = 0; sampleIndex < dataset.numSamples; sampleIndex++) {
        const where = describeSample(sampleIndex);
        const preview = await previewOf(dataset, sampleIndex, where);
        const again = await previewOf(dataset, sampleIndex, `${where}, a second time`);
        const difference = describeDifference(preview, again);
        if (difference !== undefined) fail(`${where}: preview() is not deterministic: a second call differs: ${difference}`);
        checkSignature(preview, where);
      }
    }
    if (dataset.hasStatistics(FIELD)) {
      let names: { list: string; sampleIndex: number } | undefined;
      for (let sampleIndex = 0; sampleIndex < dataset.numSamples; sampleIndex++) {
        const where = describeSample(sampleIndex);
        let statistics: Readonly<Record<string, number>>;
        try {
          statistics = dataset.statistics(FIELD, sampleIndex);
        } catch (error) {
          fail(`${where}: statistics() threw: ${messageOf(error)}`, error);
        }
        const list = Object.keys(statistics).sort().join(', ');
        if (list === '') continue;
        names ??= { list, sampleIndex };
        if (list !== names.list) {
          fail(`${where}: statistics() names [${list}], sample ${names.sampleIndex} named [${names.list}]; give the same names for every sample ({} only for a sample without a value) so a viewer can plot them`);
        }
      }
    }
  });
}

async function previewOf(dataset: Dataset, sampleIndex: number, where: string): Promise<FieldPreview> {
  try {
    return await dataset.preview(FIELD, sampleIndex);
  } catch (error) {
    return fail(`${where}: preview() failed: ${messageOf(error)}`, error);
  }
}

function checkSignature(preview: FieldPreview, where: string): void {
  const blobs: Array<{ mimeType: string; bytes: Uint8Array; what: string }> = [];
  if (preview.kind === 'image' || preview.kind === 'audio' || preview.kind === 'video') blobs.push({ mimeType: preview.mimeType, bytes: preview.bytes, what: `the ${preview.kind} preview` });
  if (preview.kind === 'video' && preview.poster !== undefined) blobs.push({ ...preview.poster, what: "the video preview's poster" });
  for (const { mimeType, bytes, what } of blobs) {
    const signature = SIGNATURES[mimeType.toLowerCase()];
    if (signature === undefined) {
      fail(`${where}: ${what} has mimeType ${mimeType}, which the kit knows no file signature for (it knows ${Object.keys(SIGNATURES).join(', ')}); serve a format a browser shows`);
    }
    if (!signature.matches(bytes)) {
      const head = Array.from(bytes.subarray(0, 12), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
      fail(`${where}: ${what} is ${mimeType} but its ${bytes.byteLength} bytes begin ${head || '(empty)'}, not ${signature.describe}; the viewer serves the bytes as they are, so they must be a whole ${mimeType} file`);
    }
  }
}
