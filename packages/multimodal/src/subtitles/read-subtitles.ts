import { readFileSync } from 'node:fs';
import { TesseraError } from '@tessera/core';

/** One subtitle cue: times in seconds, the text with its markup (`<i>`, `{\an8}`) removed. */
export interface SubtitleCue {
  start: number;
  end: number;
  text: string;
}

const TIMESTAMP = /^(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})$/;

function seconds(stamp: string, where: string): number {
  const match = TIMESTAMP.exec(stamp.trim());
  if (match === null) throw new TesseraError('E_ARGUMENT', `${where}: ${JSON.stringify(stamp)} is not a timestamp (hh:mm:ss,mmm or mm:ss.mmm)`);
  const [, hours = '0', minutes, secs, fraction] = match;
  if (Number(minutes) > 59 || Number(secs) > 59) throw new TesseraError('E_ARGUMENT', `${where}: ${JSON.stringify(stamp)} has minutes or seconds above 59`);
  return Number(hours) * 3600 + Number(minutes) * 60 + Number(secs) + Number(fraction!.padEnd(3, '0')) / 1000;
}

const stripMarkup = (text: string): string =>
  text
    .replace(/<[^>]*>/g, '')
    .replace(/\{\\[^}]*\}/g, '')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&nbsp;/g, ' ')
    .trim();

/**
 * Parses SubRip (.srt) or WebVTT (.vtt) text into cues sorted by start (a stable sort: files list
 * cues in any order). Timing lines are `start --> end` (WebVTT cue settings after the end are
 * ignored); NOTE, STYLE and REGION blocks of WebVTT are skipped. A malformed timing line is
 * E_ARGUMENT naming the line number; a cue that ends before it starts too.
 */
export function parseSubtitles(source: string, name = 'subtitles'): SubtitleCue[] {
  const lines = source.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const cues: SubtitleCue[] = [];
  let index = 0;
  if (lines[0]?.startsWith('WEBVTT')) {
    index = 1;
    while (index < lines.length && lines[index]!.trim() !== '') index++;
  }
  while (index < lines.length) {
    while (index < lines.length && lines[index]!.trim() === '') index++;
    if (index >= lines.length) break;
    const blockStart = index;
    const block: string[] = [];
    while (index < lines.length && lines[index]!.trim() !== '') block.push(lines[index++]!);
    if (/^(NOTE|STYLE|REGION)\b/.test(block[0]!)) continue;
    const timing = block.findIndex((line) => line.includes('-->'));
    const where = `${name} line ${blockStart + Math.max(0, timing) + 1}`;
    if (timing < 0) throw new TesseraError('E_ARGUMENT', `${where}: a cue without a "start --> end" timing line`);
    const [from, rest] = block[timing]!.split('-->') as [string, string];
    const start = seconds(from, where);
    const end = seconds(rest.trim().split(/\s+/)[0]!, where);
    if (end < start) throw new TesseraError('E_ARGUMENT', `${where}: the cue ends (${end} s) before it starts (${start} s)`);
    cues.push({ start, end, text: stripMarkup(block.slice(timing + 1).join('\n')) });
  }
  return cues.map((cue, order) => ({ cue, order })).sort((a, b) => a.cue.start - b.cue.start || a.order - b.order).map(({ cue }) => cue);
}

/** Reads and parses a .srt or .vtt file (UTF-8); a missing file is E_IO naming it. */
export function readSubtitles(path: string): SubtitleCue[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TesseraError('E_IO', `cannot read subtitles ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  return parseSubtitles(text, path);
}
