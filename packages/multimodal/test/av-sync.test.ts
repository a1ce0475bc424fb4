/**
 * Sync proof on generated A/V with known markers: ffmpeg's lavfi makes a black video with one white
 * frame at each marker time and a 1 kHz cosine beep starting exactly there. Windows drawn by the
 * loader cut the video (frames presented in [t, t + d)) and the audio (round(d × rate) samples from
 * round(t × rate)); every white frame of a window must have its beep's onset at the same position:
 * audio index = (frame pts − t) × rate, within one audio sample. Cases: constant frame rate,
 * variable frame rate, a first pts ≠ 0 for both streams, and audio that starts after the video.
 * The measured worst error is printed (and asserted ≤ 1 sample).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { audioPlugin, waveform } from '@tessera/audio';
import { type Batch, createLoader, openDataset, writeDataset } from '@tessera/core';
import { resolveFfmpeg } from '@tessera/ffmpeg';
import { compressedVideo, videoPlugin } from '@tessera/video';
import { afterAll, describe, expect, it } from 'vitest';

const RATE = 48_000;
const WINDOW_SECONDS = 0.8;
const directory = mkdtempSync(join(tmpdir(), 'tessera-av-sync-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

interface MarkerCase {
  name: string;
  /** Video frame times (seconds, before any offset) as an ffmpeg setpts expression of N, and the frame count. */
  setpts: string;
  frames: number;
  /** Frame numbers that are white; their times are the markers. */
  flashFrames: number[];
  frameTime: (n: number) => number;
  /** Added to every timestamp of the file (both streams). */
  offsetSeconds: number;
  /** The audio stream starts this much after the video stream. */
  audioDelaySeconds: number;
}

const CASES: MarkerCase[] = [
  { name: 'constant frame rate (25 fps)', setpts: 'N/25/TB', frames: 150, flashFrames: [25, 55, 91, 113], frameTime: (n) => n / 25, offsetSeconds: 0, audioDelaySeconds: 0 },
  {
    name: 'variable frame rate (25 fps, then 10 fps, then 40 fps)',
    setpts: "if(lt(N,50),N/25,if(lt(N,80),2+(N-50)/10,5+(N-80)/40))/TB",
    frames: 120,
    flashFrames: [20, 50, 67, 95],
    frameTime: (n) => (n < 50 ? n / 25 : n < 80 ? 2 + (n - 50) / 10 : 5 + (n - 80) / 40),
    offsetSeconds: 0,
    audioDelaySeconds: 0,
  },
  { name: 'first pts 1.5 s (both streams)', setpts: 'N/25/TB', frames: 150, flashFrames: [25, 55, 91, 113], frameTime: (n) => n / 25, offsetSeconds: 1.5, audioDelaySeconds: 0 },
  { name: 'audio starting 0.3 s after the video', setpts: 'N/25/TB', frames: 150, flashFrames: [25, 55, 91, 113], frameTime: (n) => n / 25, offsetSeconds: 0, audioDelaySeconds: 0.3 },
];

/** Writes the marker video of a case (H.264 + FLAC in Matroska, 1 ms timestamps) and returns its path and marker times. */
function makeMarkerVideo(markerCase: MarkerCase, index: number): { path: string; markers: number[] } {
  const ffmpeg = resolveFfmpeg().path;
  const path = join(directory, `markers-${index}.mkv`);
  const markers = markerCase.flashFrames.map((n) => markerCase.frameTime(n));
  const flash = markerCase.flashFrames.map((n) => `eq(n\\,${n})`).join('+');
  const lastTime = markerCase.frameTime(markerCase.frames - 1) + 0.1;
  // The beep is on the audio stream's own clock, which starts audioDelaySeconds after the video's.
  // By sample number (exact): a beep of 50 ms from sample round((at − delay) × rate), a whole number of milliseconds.
  const beep = markers
    .map((at) => Math.round((at - markerCase.audioDelaySeconds) * RATE))
    .map((first) => `between(n\\,${first}\\,${first + RATE / 20 - 1})`)
    .join('+');
  const audioSeconds = lastTime - markerCase.audioDelaySeconds;
  const args = [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `color=c=black:s=64x48:r=25:d=${markerCase.frames / 25},format=yuv420p,drawbox=x=0:y=0:w=64:h=48:color=white:t=fill:enable='${flash}',settb=1/1000,setpts='${markerCase.setpts}'`,
    ...(markerCase.audioDelaySeconds > 0 ? ['-itsoffset', String(markerCase.audioDelaySeconds)] : []),
    '-f', 'lavfi', '-i', `aevalsrc='0.8*cos(2*PI*1000*n/${RATE})*(${beep})':s=${RATE}:d=${audioSeconds}`,
    '-map', '0:v', '-map', '1:a',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '12', '-pix_fmt', 'yuv420p',
    ...(markerCase.setpts === 'N/25/TB' ? ['-r', '25'] : ['-vsync', 'vfr', '-enc_time_base', '1:1000']),
    '-c:a', 'flac',
    ...(markerCase.offsetSeconds > 0 ? ['-output_ts_offset', String(markerCase.offsetSeconds)] : []),
    path,
  ];
  const run = spawnSync(ffmpeg, args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ffmpeg failed: ${run.stderr}`);
  return { path, markers: markers.map((at) => at + markerCase.offsetSeconds) };
}

describe('audio and video cut by one window stay in sync (lavfi markers)', () => {
  const errors: Array<{ name: string; markers: number; maxError: number }> = [];
  afterAll(() => {
    if (errors.length > 0) console.info(`A/V sync: ${errors.map((entry) => `${entry.name}: ${entry.markers} markers, max |error| ${entry.maxError.toFixed(3)} samples`).join('; ')}`);
  });

  CASES.forEach((markerCase, caseIndex) => {
    it(`${markerCase.name}: every white frame's beep onset is at (pts − t) × rate within one sample`, async () => {
      const { path: video, markers } = makeMarkerVideo(markerCase, caseIndex);
      const beton = join(directory, `markers-${caseIndex}.beton`);
      const plugins = [videoPlugin(), audioPlugin()];
      await writeDataset(
        beton,
        { video: compressedVideo(), audio: waveform({ sampleRate: RATE, channels: 1 }) },
        { length: 1, get: () => ({ video, audio: { path: video, startTime: 'container' } }) },
        { workers: 0 },
      );
      const stored = openDataset(beton, { plugins });
      // Lengths from the metadata: every frame, every audio sample.
      expect(stored.lengths('video')[0]).toBe(markerCase.frames);
      const audioSpan = stored.timeline('audio', 0)!;
      expect(stored.lengths('audio')[0]).toBe(Math.round(audioSpan.durationSeconds * RATE));
      expect(audioSpan.startSeconds).toBeCloseTo(markerCase.offsetSeconds + markerCase.audioDelaySeconds, 9);
      stored.close();
      const clip = { sampler: 'window', frames: 64 };
      const loader = createLoader(beton, {
        batchSize: 16,
        plugins,
        repeat: 96,
        seed: 11 + caseIndex,
        window: { timeline: 'video', seconds: WINDOW_SECONDS },
        pipelines: {
          video: { decoder: 'frames', decoderOptions: clip },
          'video.times': { field: 'video', decoder: 'times', decoderOptions: clip },
          audio: { decoderOptions: { crop: 'window', seconds: WINDOW_SECONDS } },
        },
      });
      const samples = Math.round(WINDOW_SECONDS * RATE);
      let checked = 0;
      let maxError = 0;
      try {
        for await (const batch of loader) {
          const frames = (batch as Batch).video!;
          const times = (batch as Batch)['video.times']!.data as Float64Array;
          const audio = (batch as Batch).audio!.data as Float32Array;
          const window = (batch as Batch).window!.data as Float64Array;
          const frameBytes = 64 * 48 * 3;
          for (let row = 0; row < frames.shape[0]!; row++) {
            const t = window[2 * row]!;
            const count = frames.lengths![row]!;
            const pixels = frames.data as Uint8Array;
            const wave = audio.subarray(row * samples, (row + 1) * samples);
            // White frames of this window, by their presentation times.
            const flashes: number[] = [];
            for (let k = 0; k < count; k++) {
              const base = (row * 64 + k) * frameBytes;
              let sum = 0;
              for (let at = 0; at < frameBytes; at += 97) sum += pixels[base + at]!;
              if (sum / Math.ceil(frameBytes / 97) > 128) flashes.push(times[row * 64 + k]!);
            }
            // Beep onsets in this window: a sample ≥ 0.4 after a silent one (the cosine starts at its peak).
            const onsets: number[] = [];
            for (let j = 1; j < samples; j++) if (Math.abs(wave[j]!) >= 0.4 && Math.abs(wave[j - 1]!) < 1e-3) onsets.push(j);
            // Markers inside the window (by the known times) have both a flash and an onset.
            const inside = markers.filter((at) => at >= t + 1 / RATE && at < t + WINDOW_SECONDS - 1e-9);
            expect(flashes.length).toBe(inside.length);
            expect(onsets.length).toBe(inside.length);
            flashes.forEach((pts, k) => {
              expect(pts).toBeCloseTo(inside[k]!, 9);
              const expected = (pts - t) * RATE;
              const error = onsets[k]! - expected;
              maxError = Math.max(maxError, Math.abs(error));
              expect(Math.abs(error)).toBeLessThanOrEqual(1);
              checked++;
            });
          }
        }
      } finally {
        await loader.close();
      }
      expect(checked).toBeGreaterThan(20);
      errors.push({ name: markerCase.name, markers: checked, maxError });
    });
  });
});
