import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDataset } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_LINE_ERROR, runCaptured } from './helpers/run-captured.js';

/** The built @tessera/video (the CLI imports it at run time); these tests need its buildVideoDataset. */
const video = (await import('@tessera/video').catch(() => ({}))) as { buildVideoDataset?: unknown; videoPlugin?: () => unknown };
const NOT_BUILT = '@tessera/video (dist) does not export buildVideoDataset yet: build the package';
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const skip = video.buildVideoDataset === undefined || !hasFfmpeg;
const why = video.buildVideoDataset === undefined ? NOT_BUILT : hasFfmpeg ? 'videos made by ffmpeg (lavfi)' : 'no ffmpeg on PATH to make the test videos';

let directory: string;
let root: string;
/** The test videos: class/name → frames (10 fps). */
const VIDEOS: Record<string, number> = { 'circle/a.mp4': 10, 'circle/b.mp4': 8, 'square/c.mp4': 12 };
const [WIDTH, HEIGHT] = [32, 24];
/** The built command (turbo builds the package before its tests). */
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

function ffmpeg(args: string[]): Buffer {
  const run = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], { maxBuffer: 1 << 24 });
  if (run.status !== 0) throw new Error(`ffmpeg ${args.join(' ')}: ${run.stderr.toString()}`);
  return run.stdout;
}

/** Every frame of a video as ffmpeg decodes it: RGB24, THWC. */
const decodeAll = (path: string): Buffer => ffmpeg(['-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);

function readDataset<T>(path: string, run: (dataset: ReturnType<typeof openDataset>) => T): T {
  const dataset = openDataset(path, { plugins: [video.videoPlugin!() as never] });
  try {
    return run(dataset);
  } finally {
    dataset.close();
  }
}

beforeAll(() => {
  if (skip) return;
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-video-'));
  root = join(directory, 'shapes');
  Object.entries(VIDEOS).forEach(([name, frames], index) => {
    mkdirSync(join(root, name, '..'), { recursive: true });
    // testsrc2 moves, so every frame differs; the seed offset makes each video's frames differ too.
    const source = `testsrc2=size=${WIDTH}x${HEIGHT}:rate=10:duration=${frames / 10},trim=start_frame=0,setpts=PTS-STARTPTS,hue=h=${index * 90}`;
    ffmpeg(['-f', 'lavfi', '-i', source, '-c:v', 'libx264', '-g', '5', '-bf', '0', '-pix_fmt', 'yuv420p', '-y', join(root, name)]);
  });
  writeFileSync(join(root, 'square', 'notes.txt'), 'not a video');
});

afterAll(() => {
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
});

describe.skipIf(skip)(`tessera build video-folder (${why})`, () => {
  it('writes video and label fields (2 writer threads) with a summary giving the bytes per second of video', async () => {
    const output = join(directory, 'shapes.beton');
    const { exitCode, stdout, stderr } = await runCaptured(['build', 'video-folder', root, output, '--workers', '2', '-q']);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(
      new RegExp(`^wrote ${output}: 3 videos in 2 classes, 3\\.0 s of video \\(30 frames\\), field "video" \\(compressed\\) [\\d.]+ [KM]?i?B = [\\d.]+ [KM]?i?B per second of video \\+ label; file .*; 1 non-video file left out\\n$`),
    );
    const order = ['circle/a.mp4', 'circle/b.mp4', 'square/c.mp4'];
    readDataset(output, (dataset) => {
      expect(dataset.fields.map((field) => field.name)).toEqual(['video', 'label']);
      expect(order.map((_, index) => Number(dataset.read(index, 'label')))).toEqual([0, 0, 1]);
      expect(order.map((_, index) => (dataset.toJSON(index, 'video') as { frames: number }).frames)).toEqual(order.map((name) => VIDEOS[name]));
      // Every frame of the first video, decoded by the frames decoder, against ffmpeg's decoding of the source file.
      const frames = VIDEOS['circle/a.mp4']!;
      const decoder = dataset.createDecoder('video', 'frames', { frames, sampler: 'uniform' });
      expect(decoder.output).toMatchObject({ dtype: 'uint8', shape: [frames, HEIGHT, WIDTH, 3] });
      const bytes = new Uint8Array(frames * HEIGHT * WIDTH * 3);
      decoder.decode(0, { data: bytes, bytes, byteOffset: 0, shape: [frames, HEIGHT, WIDTH, 3] } as never);
      const reference = decodeAll(join(root, 'circle', 'a.mp4'));
      expect(reference.length).toBe(frames * HEIGHT * WIDTH * 3);
      // Same stream, same decoder and swscale conversion (bilinear YUV 4:2:0 → RGB24): equal byte for byte.
      expect(Buffer.from(bytes).equals(reference)).toBe(true);
      // And the frames differ from each other (testsrc2 moves): a real comparison, not of blank pictures.
      expect(Buffer.compare(reference.subarray(0, HEIGHT * WIDTH * 3), reference.subarray((frames - 1) * HEIGHT * WIDTH * 3))).not.toBe(0);
    });
  });

  it('the built tessera command: --json prints the summary; bytesPerSecond is the stored stream bytes over the seconds of video', () => {
    const output = join(directory, 'json.beton');
    const run = spawnSync(process.execPath, [CLI, 'build', 'video-folder', root, '-o', output, '--json', '-q', '--workers', '0'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const stdout = run.stdout;
    const summary = JSON.parse(stdout) as { videoSeconds: number; bytesPerSecond: number; storage: Array<{ byteLength: number }> } & Record<string, unknown>;
    expect(summary).toMatchObject({ output, source: 'folder', field: 'compressed', classes: ['circle', 'square'], numSamples: 3, frames: 30, skipped: [], ignoredFiles: 1 });
    expect(summary.videoSeconds).toBeCloseTo(3, 9);
    const stored = readDataset(output, (dataset) => [0, 1, 2].reduce((sum, index) => sum + (dataset.toJSON(index, 'video') as { byteLength: number }).byteLength, 0));
    expect(summary.storage[0]!.byteLength).toBe(stored);
    expect(summary.bytesPerSecond).toBe(stored / summary.videoSeconds);
  });

  it('a corrupt video exits 1 naming it (and --skip-invalid); with --skip-invalid it is left out and listed', async () => {
    const folder = join(directory, 'with-corrupt');
    mkdirSync(join(folder, 'circle'), { recursive: true });
    ffmpeg(['-i', join(root, 'circle', 'a.mp4'), '-c', 'copy', '-y', join(folder, 'circle', 'a.mp4')]);
    writeFileSync(join(folder, 'circle', 'broken.mp4'), Buffer.from('this is not an mp4 file at all'));
    const output = join(directory, 'corrupt.beton');
    const strict = await runCaptured(['build', 'video-folder', folder, output, '-q', '--workers', '0']);
    expect(strict.exitCode).toBe(1);
    expect(strict.stderr).toMatch(ONE_LINE_ERROR);
    expect(strict.stderr).toContain(`tessera: E_VIDEO_INPUT: ${join(folder, 'circle', 'broken.mp4')}: FFmpeg cannot open it`);
    expect(strict.stderr).toContain('; to leave unreadable videos out (and list them), run again with --skip-invalid');
    const lenient = await runCaptured(['build', 'video-folder', folder, output, '-q', '--workers', '0', '--skip-invalid']);
    expect(lenient.exitCode).toBe(0);
    expect(lenient.stdout).toContain(': 1 video in 1 class, 1.0 s of video (10 frames)');
    expect(lenient.stdout).toContain('; 1 unreadable video skipped\n');
    expect(lenient.stdout).toContain(`skipped ${join(folder, 'circle', 'broken.mp4')}: FFmpeg cannot open it`);
    readDataset(output, (dataset) => expect(dataset.numSamples).toBe(1));
  });

  it('--codec re-encodes: --max-side and --gop shape the stored stream', async () => {
    const output = join(directory, 'encoded.beton');
    const { exitCode, stdout } = await runCaptured(['build', 'video-folder', root, output, '--codec', 'h264', '--gop', '4', '--crf', '30', '--max-side', '16', '-q', '--workers', '0']);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('field "video" (compressed)');
    readDataset(output, (dataset) => {
      expect([0, 1, 2].map((index) => dataset.toJSON(index, 'video'))).toMatchObject([
        { width: 16, height: 12, frames: 10, keyframes: 3 },
        { width: 16, height: 12, frames: 8, keyframes: 2 },
        { width: 16, height: 12, frames: 12, keyframes: 3 },
      ]);
    });
  });

  it('bad command lines exit 2 with one line: an unknown --field, options the field does not take, a representation not there', async () => {
    const out = join(directory, 'x.beton');
    const cases: [string[], RegExp][] = [
      [['build', 'video-folder', root, out, '--field', 'pixels'], /E_USAGE: --field must be one of compressed, frames, flow, got "pixels"/],
      [['build', 'video-folder', root, out, '--fps', 'fast'], /--fps must be a positive number/],
      [['build', 'video-folder', root, out, '--crf', '99'], /--crf must be an integer from 0 to 63/],
      [['build', 'video-folder', root, out, '--codec', 'mpeg2'], /--codec must be one of h264, h265, vp9, av1/],
      [['build', 'video-folder', root, out, '--crf', '20'], /E_USAGE: --crf: needs --codec/],
      [['build', 'video-folder', root, out, '--codec', 'h264', '--crf', '60'], /E_USAGE: --crf: must be an integer from 0 to 51 for h264, got 60/],
      [['build', 'video-folder', root, out, '--field', 'compressed', '--quality', '90'], /E_USAGE: --quality: does not apply to field 'compressed'/],
      [['build', 'video-folder', root, out, '--field', 'frames', '--gop', '12'], /E_USAGE: --gop: does not apply to field 'frames'/],
      [['build', 'video-folder'], /needs DIR/],
      [['build', 'video', out], /needs --manifest FILE/],
    ];
    for (const [argv, message] of cases) {
      const { exitCode, stderr } = await runCaptured([...argv, '-q']);
      expect(exitCode, argv.join(' ')).toBe(2);
      expect(stderr).toMatch(ONE_LINE_ERROR);
      expect(stderr).toMatch(message);
    }
  });

  it('a missing folder exits 1 (E_IO); --field flow needs a manifest: a usage error for a folder, E_ARGUMENT for rows without flow', async () => {
    const missing = await runCaptured(['build', 'video-folder', join(directory, 'absent'), join(directory, 'x.beton'), '-q']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/^tessera: E_IO: cannot read the video folder .*absent/);
    const folder = await runCaptured(['build', 'video-folder', root, join(directory, 'x.beton'), '--field', 'flow', '-q']);
    expect(folder.exitCode).toBe(2);
    expect(folder.stderr).toMatch(/^tessera: E_USAGE: --field flow reads each video's flow from a manifest's "flow" column/);
    const manifest = join(directory, 'no-flow.jsonl');
    writeFileSync(manifest, `${JSON.stringify({ path: join(root, 'circle', 'a.mp4') })}\n`);
    const rows = await runCaptured(['build', 'video', '--manifest', manifest, join(directory, 'x.beton'), '--field', 'flow', '-q']);
    expect(rows.exitCode).toBe(1);
    expect(rows.stderr).toMatch(/^tessera: E_ARGUMENT: flow: .*a\.mp4 \(line 1\) has no "flow"/);
  });

  it('--field flow from a manifest: each row\'s .npy stored beside its video, the summary gives both fields\' bytes per second', async () => {
    const [height, width] = [3, 4];
    const frames = VIDEOS['square/c.mp4']!;
    const values = Float32Array.from({ length: (frames - 1) * height * width * 2 }, (_, index) => ((index % 41) - 20) / 16);
    const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${frames - 1}, ${height}, ${width}, 2), }`;
    const header = `${dict}${' '.repeat(64 - ((10 + dict.length + 1) % 64))}\n`;
    const npy = Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]), Buffer.from(header, 'latin1'), Buffer.from(values.buffer)]);
    writeFileSync(join(root, 'c.flow.npy'), npy);
    const manifest = join(root, 'flow.csv');
    writeFileSync(manifest, 'path,flow,label\nsquare/c.mp4,c.flow.npy,3\n');
    const output = join(directory, 'flow.beton');
    const { exitCode, stdout } = await runCaptured(['build', 'video', '--manifest', manifest, output, '--field', 'flow', '-q', '--workers', '0']);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/: 1 video, 1\.2 s of video \(12 frames\), field "flow" \(flow\) .* per second of video, field "video" \(compressed\) .* per second of video \+ label; /);
    readDataset(output, (dataset) => {
      expect(dataset.fields.map((field) => field.name)).toEqual(['video', 'flow', 'label']);
      expect((dataset.read(0, 'flow') as { flow: Float32Array }).flow).toEqual(values);
    });
  });
});

describe.skipIf(skip)(`tessera build video --manifest (${why})`, () => {
  it('ranges, class-name labels and captions from a CSV manifest; --field frames stores JPEG frames at --max-side', async () => {
    const manifest = join(root, 'train.csv');
    writeFileSync(manifest, 'path,start,end,label,caption\ncircle/a.mp4,0.5,1,round,"a circle, moving"\nsquare/c.mp4,,,boxy,\n');
    const output = join(directory, 'manifest.beton');
    const { exitCode, stdout } = await runCaptured(['build', 'video', '--manifest', manifest, output, '--field', 'frames', '--max-side', '16', '--quality', '85', '-q', '--workers', '0'], { cwd: directory });
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/: 2 videos in 2 classes, 1\.7 s of video \(17 frames\), field "video" \(frames\) .* per second of video \+ label, caption; /);
    readDataset(output, (dataset) => {
      expect(dataset.fields.map((field) => field.name)).toEqual(['video', 'label', 'caption']);
      // [0.5, 1) with a keyframe every 5 frames at 10 fps: frames 5–9.
      expect([0, 1].map((index) => dataset.toJSON(index, 'video') as { frames: number; width: number; height: number })).toMatchObject([
        { frames: 5, width: 16, height: 12 },
        { frames: 12, width: 16, height: 12 },
      ]);
      expect([0, 1].map((index) => Number(dataset.read(index, 'label')))).toEqual([1, 0]);
      expect([0, 1].map((index) => dataset.read(index, 'caption'))).toEqual(['a circle, moving', null]);
    });
  });

  it('a manifest row naming a missing file exits 1 naming the file and line', async () => {
    const manifest = join(root, 'broken.jsonl');
    writeFileSync(manifest, `${JSON.stringify({ path: 'circle/a.mp4' })}\n${JSON.stringify({ path: 'circle/gone.mp4' })}\n`);
    const strict = await runCaptured(['build', 'video', '--manifest', manifest, join(directory, 'broken.beton'), '-q', '--workers', '0']);
    expect(strict.exitCode).toBe(1);
    expect(strict.stderr).toMatch(ONE_LINE_ERROR);
    expect(strict.stderr).toContain(`tessera: E_VIDEO_INPUT: ${join(root, 'circle', 'gone.mp4')} (manifest line 2): FFmpeg cannot open it`);
    const bad = await runCaptured(['build', 'video', '--manifest', manifest.replace('.jsonl', '.txt'), join(directory, 'broken.beton'), '-q']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/^tessera: E_ARGUMENT: manifest: .*a manifest is a \.jsonl or \.csv file, got \.txt/);
  });
});
