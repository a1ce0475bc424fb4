import type { FieldPreview } from '@tessera/core';
import { toHex } from './json-encoding.js';

/** The URL of a sample's media (image, audio or video bytes) for a thumbnail of `maxSide` pixels. */
export function mediaUrl(fieldName: string, sampleIndex: number, maxSide: number, poster = false): string {
  return `/api/media/${encodeURIComponent(fieldName)}/${sampleIndex}?maxSide=${maxSide}${poster ? '&poster=1' : ''}`;
}

/**
 * A preview as the page receives it in `/api/rows`: media replaced by their URL, MIME type and size
 * (the bytes come from /api/media, with range requests), everything else inline.
 */
export function previewToJson(preview: FieldPreview, fieldName: string, sampleIndex: number, maxSide: number): Record<string, unknown> {
  switch (preview.kind) {
    case 'image':
      return { kind: 'image', mimeType: preview.mimeType, byteLength: preview.bytes.byteLength, width: preview.width, height: preview.height, url: mediaUrl(fieldName, sampleIndex, maxSide) };
    case 'audio':
      return {
        kind: 'audio',
        mimeType: preview.mimeType,
        byteLength: preview.bytes.byteLength,
        durationSeconds: preview.durationSeconds,
        sampleRate: preview.sampleRate,
        channels: preview.channels,
        peaks: preview.peaks === undefined ? null : Array.from(preview.peaks),
        url: mediaUrl(fieldName, sampleIndex, maxSide),
      };
    case 'video':
      return {
        kind: 'video',
        mimeType: preview.mimeType,
        byteLength: preview.bytes.byteLength,
        durationSeconds: preview.durationSeconds,
        width: preview.width,
        height: preview.height,
        framesPerSecond: preview.framesPerSecond ?? null,
        url: mediaUrl(fieldName, sampleIndex, maxSide),
        posterUrl: preview.poster === undefined ? null : mediaUrl(fieldName, sampleIndex, maxSide, true),
      };
    case 'text':
      return { kind: 'text', text: preview.text, tokens: preview.tokens === undefined ? null : preview.tokens.map((token) => ({ id: token.id, text: token.text })) };
    case 'array':
      return { kind: 'array', dtype: preview.dtype, shape: [...preview.shape], values: Array.from(preview.values) };
    case 'json':
      return { kind: 'json', value: preview.value };
    case 'bytes':
      return { kind: 'bytes', byteLength: preview.byteLength, head: toHex(preview.head) };
  }
}

/** The text a search looks in: text previews, and JSON values as their JSON text. */
export function searchableText(preview: FieldPreview): string | undefined {
  if (preview.kind === 'text') return preview.text;
  if (preview.kind === 'json') return typeof preview.value === 'string' ? preview.value : JSON.stringify(preview.value, (_key, item) => (typeof item === 'bigint' ? item.toString() : item));
  return undefined;
}
