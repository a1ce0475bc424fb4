import { runFfmpeg } from '../audio-ffmpeg.js';
import { AudioInputError } from './audio-input-error.js';
import type { AudioTarget } from './audio-input.js';

/** Where a container's first audio stream starts: its first presented sample, as ffmpeg sees it with `-copyts`. */
export interface ContainerAudioStart {
  /** The first decoded frame's pts × time base, in seconds (negative for streams that start before 0). */
  seconds: number;
  /** The same instant in samples at `sampleRate` (exact: ffmpeg's audio time base is 1 / the rate). */
  samples: number;
  /** The stream's decoded sample rate (Hz). */
  sampleRate: number;
}

/**
 * One ffmpeg run decoding the first audio frame with `-copyts` and printing it with the framecrc
 * muxer: `#tb 0: 1/44100`, `#sample_rate 0: 44100`, then `0, dts, pts, duration, size, crc`. The pts
 * is that of the decoded frame — after the decoder dropped priming samples (an edit list, Opus
 * pre-skip) — so it is the first sample the full decode gives. ffmpeg 4.x (2018) and 5.x print the
 * same lines.
 */
export async function probeContainerAudioStart(path: string, target: AudioTarget): Promise<ContainerAudioStart> {
  const args = ['-copyts', '-i', path, '-map', '0:a:0', '-frames:a', '1', '-c:a', 'pcm_f32le', '-f', 'framecrc', 'pipe:1'];
  const output = await runFfmpeg(args, { ffmpegPath: target.ffmpegPath, timeoutMs: target.timeoutMs, input: path, action: 'find where the audio stream starts' });
  return parseFramecrcStart(new TextDecoder().decode(output), path);
}

/** The start from framecrc text (exported for tests). */
export function parseFramecrcStart(text: string, input: string): ContainerAudioStart {
  const fail = (problem: string) => new AudioInputError('E_AUDIO_INPUT', `cannot find where the audio stream starts: ${problem}`, { input });
  const timeBase = /^#tb 0: (\d+)\/(\d+)\s*$/m.exec(text);
  if (timeBase === null) throw fail('ffmpeg printed no time base');
  const numerator = Number(timeBase[1]);
  const denominator = Number(timeBase[2]);
  const rateLine = /^#sample_rate 0: (\d+)\s*$/m.exec(text);
  const sampleRate = rateLine !== null ? Number(rateLine[1]) : numerator === 1 ? denominator : Number.NaN;
  if (!(numerator > 0 && denominator > 0 && sampleRate > 0)) throw fail(`time base ${numerator}/${denominator}, sample rate ${sampleRate}`);
  const frame = /^0,\s*(-?\d+),\s*(-?\d+),/m.exec(text);
  if (frame === null) throw fail('the stream decodes to no audio frame');
  const pts = Number(frame[2]);
  if (!Number.isSafeInteger(pts)) throw fail(`the first frame has pts ${frame[2]}`);
  const seconds = (pts * numerator) / denominator;
  const samples = numerator * sampleRate === denominator ? pts : Math.round(seconds * sampleRate);
  return { seconds, samples, sampleRate };
}
