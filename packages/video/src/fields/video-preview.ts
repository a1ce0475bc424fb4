import type { FieldReader, StreamSpan } from '@tessera/core';
import { emptyHeader, readHeader } from './stored-stream.js';

const header = emptyHeader();
const span: StreamSpan = { startSeconds: 0, durationSeconds: 0 };

/**
 * `{ seconds, frames, width, height, fps }` of a stored video, from the metadata column and the
 * field's timeline (a few index entries, no packet or JPEG bytes). `fps` is the stream's stated
 * average rate, else frames per second of the stored span (0 for a single frame without a rate).
 */
export function videoStatistics(field: FieldReader, sampleIndex: number, timeline: (field: FieldReader, sampleIndex: number, out: StreamSpan) => boolean): Record<string, number> {
  const { frames, width, height, averageFrameRate } = readHeader(field, sampleIndex, header);
  const seconds = timeline(field, sampleIndex, span) ? span.durationSeconds : 0;
  const [rateNum, rateDen] = averageFrameRate;
  const fps = rateNum > 0 && rateDen > 0 ? rateNum / rateDen : seconds > 0 ? frames / seconds : 0;
  return { seconds, frames, width, height, fps };
}
