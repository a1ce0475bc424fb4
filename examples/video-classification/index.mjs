// Video classification with Tessera: build a dataset from a video folder (one subfolder per class)
// that stores each clip's H.264 stream as it is (no re-encode) with a keyframe index, then iterate
// batches of augmented clips — 16 frames at stride 2 from a random start, one random-resized crop
// and one horizontal flip per clip (the same for all its frames), decoded in two worker threads
// straight into [B, 3, 16, 56, 56] uint8 (CTHW) — with each frame's time beside it, and print the
// throughput.
//
//   node index.mjs [--clips N] [--epochs N] [--check] [--folder DIR]
//
// By default the folder is generated: N short H.264 clips (64×48 to 96×72, 25 fps, 1.4–2.4 s) in
// 4 class folders, made by the ffmpeg @tessera/audio resolves (TESSERA_FFMPEG, the one installed
// with @ffmpeg-installer/ffmpeg, or ffmpeg on PATH) into .output/clips-N/ and reused. --folder DIR
// uses your own videos. --check runs a small smoke version and asserts shapes and values.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveFfmpeg } from '@tessera/ffmpeg';
import { createLoader } from '@tessera/core';
import { buildVideoDataset, listVideoFolder, videoPlugin } from '@tessera/video';

const USAGE = 'usage: node index.mjs [--clips N] [--epochs N] [--check] [--folder DIR]';
process.on('uncaughtException', (error) => {
  console.error(error.code === undefined || error.code === 'E_INTERNAL' ? error : `video-classification: ${error.code}: ${error.message}`);
  process.exit(1);
});
let values;
try {
  ({ values } = parseArgs({
    options: { clips: { type: 'string' }, epochs: { type: 'string' }, check: { type: 'boolean', default: false }, folder: { type: 'string' } },
  }));
} catch (error) {
  console.error(`video-classification: ${error.message}\n${USAGE}`);
  process.exit(2);
}
const check = values.check;
const clipCount = positiveInteger('--clips', values.clips ?? (check ? '24' : '96'));
const epochs = positiveInteger('--epochs', values.epochs ?? (check ? '1' : '3'));
const CLASSES = 4;
const FPS = 25;
const FRAMES = 16;
const STRIDE = 2;
const SIZE = [56, 56];

// 1. A video folder: <root>/<class>/<clip>.mp4. By default: clips made by ffmpeg's test sources.
const output = join(import.meta.dirname, '.output');
mkdirSync(output, { recursive: true });
const root = values.folder ?? (await syntheticVideoFolder(join(output, `clips-${clipCount}`)));

// 2. Build the dataset: each stream's packets stored as they are, with a keyframe index (2 writer threads).
const path = join(output, 'train.beton');
const built = await buildVideoDataset(listVideoFolder(root), path, { field: 'compressed', workers: 2 });
console.log(
  `built ${path}: ${built.numSamples} clips, ${built.classes.length} classes, ${built.videoSeconds.toFixed(1)} s of video, ` +
    `${(built.bytesPerSecond / 1024).toFixed(1)} KiB stored per second of video, ${(built.fileByteLength / 2 ** 20).toFixed(2)} MiB in ${(built.elapsedMs / 1000).toFixed(2)} s`,
);

// 3. The training pipeline. One clip per video: 16 frames, stride 2, random start; one crop window
//    and one flip drawn per clip; "video.times" takes the same clip options and draws the same clips.
const clipOptions = { frames: FRAMES, stride: STRIDE, sampler: 'random', crop: 'random-resized', scale: [0.5, 1], ratio: [3 / 4, 4 / 3], flip: 0.5 };
const loader = createLoader(path, {
  batchSize: 8,
  order: 'random',
  seed: 7,
  workers: 2,
  plugins: [videoPlugin()],
  pipelines: {
    video: { decoder: 'frames', decoderOptions: { ...clipOptions, size: SIZE, layout: 'CTHW' } },
    'video.times': { field: 'video', decoder: 'times', decoderOptions: clipOptions },
    label: { decoder: 'int32' },
  },
});
console.log(`batches: video ${JSON.stringify(loader.outputs.video)}, times ${JSON.stringify(loader.outputs['video.times'])}, label ${JSON.stringify(loader.outputs.label)}`);

for (let epoch = 0; epoch < epochs; epoch++) {
  const started = performance.now();
  let clips = 0;
  let checksum = 0;
  let shape;
  for await (const batch of loader) {
    const { video, label } = batch;
    const times = batch['video.times'];
    shape = video.shape;
    clips += video.shape[0];
    checksum += video.data[0]; // a training step would go here (tf.tensor(video.data, video.shape).div(255), ...)
    if (check) checkBatch(video, times, label);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`epoch ${epoch}: ${clips} clips [${shape}] in ${seconds.toFixed(2)} s = ${Math.round(clips / seconds)} clips/s (checksum ${checksum})`);
}
await loader.close();

/** Shapes, labels, and frame times 2 frames (0.08 s) apart: every clip is one run of the video. */
function checkBatch(video, times, label) {
  const [count, channels, frames, height, width] = video.shape;
  if (video.dtype !== 'uint8' || channels !== 3 || frames !== FRAMES || height !== SIZE[0] || width !== SIZE[1]) throw new Error(`video batch is ${video.dtype} [${video.shape}]`);
  if (times.dtype !== 'float64' || times.shape.join() !== `${count},${FRAMES}`) throw new Error(`times batch is ${times.dtype} [${times.shape}]`);
  for (let row = 0; row < count; row++) {
    if (label.data[row] < 0 || label.data[row] >= CLASSES) throw new Error(`row ${row}: label ${label.data[row]}`);
    const clip = times.data.subarray(row * FRAMES, (row + 1) * FRAMES);
    for (let k = 1; k < FRAMES; k++) {
      if (Math.abs(clip[k] - clip[k - 1] - STRIDE / FPS) > 1e-6) throw new Error(`row ${row}: frame times ${Array.from(clip)} are not ${STRIDE / FPS} s apart`);
    }
    const pixels = video.data.subarray(row * 3 * FRAMES * height * width, (row + 1) * 3 * FRAMES * height * width);
    if (pixels.every((value) => value === pixels[0])) throw new Error(`row ${row}: a blank clip`);
  }
}

function positiveInteger(name, text) {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    console.error(`video-classification: ${name} must be a positive integer, got ${JSON.stringify(text)}\n${USAGE}`);
    process.exit(2);
  }
  return value;
}

/**
 * N H.264 clips in CLASSES folders, deterministic: class k is ffmpeg's moving test pattern turned
 * k × 90° around the hue circle; sizes, lengths and start offsets vary by clip. Written once (to a
 * temporary folder, then renamed), two ffmpeg processes at a time.
 */
async function syntheticVideoFolder(directory) {
  if (existsSync(directory)) return directory;
  const ffmpeg = resolveFfmpeg({ requiredEncoders: ['libx264'], purpose: 'making the example clips' }).path;
  const partial = `${directory}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  const jobs = Array.from({ length: clipCount }, (_, index) => {
    const label = index % CLASSES;
    const folder = join(partial, `class-${label}`);
    mkdirSync(folder, { recursive: true });
    const [width, height] = [[64, 48], [80, 60], [96, 72]][index % 3];
    const seconds = 1.4 + (index % 6) * 0.2;
    const source = `testsrc2=size=${width}x${height}:rate=${FPS}:duration=${seconds + 1},trim=start=${(index % 5) * 0.2}:duration=${seconds},setpts=PTS-STARTPTS,hue=h=${label * 90}`;
    const file = join(folder, `clip-${String(index).padStart(4, '0')}.mp4`);
    return ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', source, '-c:v', 'libx264', '-preset', 'veryfast', '-g', '12', '-pix_fmt', 'yuv420p', '-threads', '1', '-y', file];
  });
  const run = (args) =>
    new Promise((resolve, reject) => execFile(ffmpeg, args, (error, _stdout, stderr) => (error ? reject(new Error(`${ffmpeg} failed: ${stderr || error.message}`)) : resolve())));
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await run(jobs[next++]);
  };
  await Promise.all([worker(), worker()]);
  renameSync(partial, directory);
  return directory;
}
