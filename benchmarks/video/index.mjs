/**
 * `pnpm bench video [--quick] [--repeats N] [--only 320-gop30,320-gop250,640-gop30,jpeg-320,vfr-offset]`
 *
 * Random 16-frame clips, stride 2, from H.264 videos (10 s, 30 fps, testsrc2 + noise, CRF 22.7: about
 * 77 KB/s of video at 320×240, the issue's 79 KB/s; made with /usr/bin/ffmpeg and cached in
 * .bench-data/): clips/s of Tessera's loader (compressedVideo field,
 * frames decoder; workers 0, 1, 2; native size, and resized to 112×112) beside, in the same run,
 * PyAV (Debian's python3-av, a Pool of 1 and 2 processes, one decoding thread each: open, seek to
 * the keyframe before the clip, decode, to_ndarray rgb24; Tessera on 2 workers and PyAV Pool(2) measured
 * in alternating rounds, so a shared machine's changes of speed hit both) and an ffmpeg process per clip. Prints
 * the stored bytes per second of video. Also: JPEG q90 frames beside PIL and OpenCV (jpeg-320), and a
 * variable-frame-rate video and one whose first pts is 3 s sampled by time (vfr-offset) beside PyAV
 * by time. The last line is the JSON result.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createLoader, openDataset, writeDataset } from '@tessera/core';
import { compressedVideo, videoBackend, videoFrames, videoPlugin } from '@tessera/video';
import { benchDataPath, createBenchRun, formatCount, formatRatio, parseBenchOptions, printTable, progress } from '../lib/index.mjs';

const SETS = {
  '320-gop30': { width: 320, height: 240, gop: 30 },
  '320-gop250': { width: 320, height: 240, gop: 250 },
  '640-gop30': { width: 640, height: 360, gop: 30 },
};
const CLIP = { frames: 16, stride: 2 };
const PYTHON = process.env.TESSERA_BENCH_PYTHON || '/usr/bin/python3';
const FFMPEG = process.env.TESSERA_BENCH_FFMPEG || '/usr/bin/ffmpeg';
/** The issue's reference figures (PyAV clips/s here), printed when PyAV cannot run. */
const REFERENCE = { '320-gop30': { pyav2: 73, pyav1: 37 }, '640-gop30': { pyav2: 27.8 }, resized112: { pyav2: 48 }, jpeg: { pil1: 118, opencv1: 93 } };

const options = parseBenchOptions({ usage: 'pnpm bench video [--quick] [--repeats N] [--only 320-gop30,320-gop250,640-gop30,jpeg-320,vfr-offset]', sections: [...Object.keys(SETS), 'jpeg-320', 'vfr-offset'] });
const quick = options.quick;
const repeats = options.repeats ?? (quick ? 2 : 6);
const videoCount = quick ? 6 : 12;
// The loader visits each video `copies` times per epoch (`repeat`: a random clip each time), so one
// epoch is the round's clips, as many as PyAV's pool.map gets: with a 12-sample epoch, the loader's
// drain and refill at every epoch end would be timed.
const copies = quick ? 2 : 4;
const run = createBenchRun('video', { quick, repeats, videoCount, copies, clip: CLIP });
const metrics = run.metrics;
metrics.backend = videoBackend();

const pyav = spawnSync(PYTHON, ['-c', 'import av; print(av.__version__)'], { encoding: 'utf8' });
const pyavReason = pyav.status === 0 ? undefined : `${PYTHON} has no PyAV (apt-get install python3-av)`;
metrics.pyav = pyavReason === undefined ? pyav.stdout.trim() : null;
if (pyavReason) console.log(`PyAV not measured: ${pyavReason}; the issue's reference figures are printed instead`);
const hasFfmpeg = existsSync(FFMPEG);

/** 10-s test videos of one set, made once (testsrc2 at a per-video offset + temporal noise). */
function makeVideos(name, { width, height, gop }) {
  const folder = benchDataPath(`video-${name}-v2`);
  mkdirSync(folder, { recursive: true });
  const files = [];
  for (let index = 0; index < videoCount; index++) {
    const file = join(folder, `clip-${String(index).padStart(2, '0')}.mp4`);
    if (!existsSync(file)) {
      if (!hasFfmpeg) throw new Error(`${FFMPEG} is missing: the test videos are made with ffmpeg's lavfi (apt-get install ffmpeg, or TESSERA_BENCH_FFMPEG)`);
      progress(`making ${file}`);
      const made = spawnSync(
        FFMPEG,
        ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=30:duration=${10 + index}`, '-ss', String(index), '-t', '10', '-vf', `noise=alls=8:allf=t:all_seed=${index + 1}`, '-c:v', 'libx264', '-preset', 'medium', '-crf', '22.7', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-pix_fmt', 'yuv420p', file],
        { encoding: 'utf8' },
      );
      if (made.status !== 0) throw new Error(`ffmpeg failed for ${file}: ${made.stderr}`);
    }
    files.push(file);
  }
  return files;
}

/**
 * Tessera's loader, one epoch per round after an untimed one. With `peer(round)` (a function returning
 * the peer's milliseconds for the same clips), the peer's rounds alternate with Tessera's — T P T P … —
 * so a change in the machine's speed (a shared VM's) hits both alike: `{ …, peer }` then holds the
 * peer's figures and `pairedRatio` the median of the per-round ratios.
 */
async function tesseraClipsPerSecond(path, workers, decoderOptions, clips, { peer, repeat = copies } = {}) {
  const loader = createLoader(path, { batchSize: 4, order: 'random', seed: 5, repeat, workers, plugins: [videoPlugin()], pipelines: { video: { decoder: 'frames', decoderOptions } } });
  try {
    for await (const _batch of loader) {
      // warm-up: workers start, pages come in
    }
    const ours = [];
    const theirs = [];
    for (let round = 0; round < repeats; round++) {
      const started = performance.now();
      for await (const _batch of loader) {
        // the batch is ready: that is what is timed
      }
      ours.push(performance.now() - started);
      if (peer !== undefined) theirs.push(peer(round));
    }
    const rate = (list) => {
      const sorted = [...list].sort((a, b) => a - b);
      return { clipsPerSecond: (clips * 1000) / sorted[0], medianClipsPerSecond: (clips * 1000) / sorted[sorted.length >> 1] };
    };
    const result = { ...rate(ours), decoders: loader.stats().decoders.video };
    if (peer !== undefined) {
      result.peer = rate(theirs);
      const ratios = ours.map((ms, round) => theirs[round] / ms).sort((a, b) => a - b);
      result.pairedRatio = ratios[ratios.length >> 1];
    }
    return result;
  } finally {
    await loader.close();
  }
}

/** One PyAV round (its own pool, warmed before the timing): milliseconds, as Python measured them. */
function pyavRoundMs(files, processes, size, clips, byTime, round) {
  const request = byTime === undefined ? { files: files.map((file) => [file, 300]), clips, ...CLIP, size, processes, rounds: 1, seed: 5 + round } : { files: files.map((file) => [file, byTime.seconds]), clips, frames: CLIP.frames, fps: byTime.fps, size, processes, rounds: 1, seed: 5 + round };
  const result = spawnSync(PYTHON, [join(import.meta.dirname, 'python', 'pyav_clips.py')], { input: `${JSON.stringify(request)}\n`, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`PyAV peer failed: ${result.stderr}`);
  const reply = JSON.parse(result.stdout.trim().split('\n').at(-1));
  metrics.pyavVersions = reply.versions;
  return reply.roundsMs[0];
}

function pyavClipsPerSecond(files, processes, size, clips, byTime) {
  const request = byTime === undefined ? { files: files.map((file) => [file, 300]), clips, ...CLIP, size, processes, rounds: repeats, seed: 5 } : { files: files.map((file) => [file, byTime.seconds]), clips, frames: CLIP.frames, fps: byTime.fps, size, processes, rounds: repeats, seed: 5 };
  const result = spawnSync(PYTHON, [join(import.meta.dirname, 'python', 'pyav_clips.py')], { input: `${JSON.stringify(request)}\n`, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`PyAV peer failed: ${result.stderr}`);
  const reply = JSON.parse(result.stdout.trim().split('\n').at(-1));
  metrics.pyavVersions = reply.versions;
  const best = Math.min(...reply.roundsMs);
  const median = [...reply.roundsMs].sort((a, b) => a - b)[reply.roundsMs.length >> 1];
  return { clipsPerSecond: (clips * 1000) / best, medianClipsPerSecond: (clips * 1000) / median };
}

/** An ffmpeg process per clip (2 in flight): -ss before -i, every 2nd frame, -fps_mode passthrough (or frames are duplicated). */
async function ffmpegClipsPerSecond(files, clips) {
  const { spawn } = await import('node:child_process');
  const one = (file, startSeconds) =>
    new Promise((resolve, reject) => {
      const child = spawn(FFMPEG, ['-v', 'error', '-ss', startSeconds.toFixed(3), '-i', file, '-vf', "select='not(mod(n\\,2))'", '-fps_mode', 'passthrough', '-frames:v', String(CLIP.frames), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let bytes = 0;
      child.stdout.on('data', (chunk) => {
        bytes += chunk.length;
      });
      child.on('error', reject);
      child.on('exit', () => resolve(bytes));
    });
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < clips) {
      const index = next++;
      await one(files[index % files.length], ((index * 7919) % 200) / 30);
    }
  };
  await Promise.all([lane(), lane()]);
  return (clips * 1000) / (performance.now() - started);
}

const results = {};
const goals = [];
for (const [name, set] of Object.entries(SETS)) {
  if (!options.sections.has(name)) continue;
  const files = makeVideos(name, set);
  const path = join(benchDataPath(`video-${name}-v2`), `videos-${videoCount}.beton`);
  if (!existsSync(path)) await writeDataset(path, { video: compressedVideo() }, files.map((video) => ({ video })));
  const clips = videoCount * copies;
  const section = { videos: videoCount, clipsPerRound: clips };
  const mp4Bytes = files.reduce((sum, file) => sum + statSync(file).size, 0);
  // The stored streams' bytes (the representation's cost); the file adds page padding, which for a
  // dataset this small (pages sized to the whole dataset) is most of it.
  const dataset = openDataset(path, { plugins: [videoPlugin()] });
  let storedBytes = 0;
  for (let index = 0; index < dataset.numSamples; index++) storedBytes += dataset.toJSON(index, 'video').byteLength;
  dataset.close();
  const seconds = 10 * videoCount;
  section.storageKBPerSecondOfVideo = { mp4: mp4Bytes / 1000 / seconds, storedStreams: storedBytes / 1000 / seconds, betonFile: statSync(path).size / 1000 / seconds };
  progress(`${name}: Tessera`);
  const native = { frames: CLIP.frames, stride: CLIP.stride };
  const withPyav = (size) => (pyavReason === undefined ? { peer: (round) => pyavRoundMs(files, 2, size, clips, undefined, round) } : {});
  for (const workers of [0, 1]) section[`tessera${workers}`] = await tesseraClipsPerSecond(path, workers, native, clips);
  // Tessera on 2 workers and PyAV Pool(2), rounds alternating.
  progress(`${name}: Tessera 2 workers and PyAV Pool(2), alternating`);
  const { peer: measuredPyav2, pairedRatio, ...tessera2 } = await tesseraClipsPerSecond(path, 2, native, clips, withPyav(null));
  section.tessera2 = tessera2;
  if (measuredPyav2) Object.assign(section, { pyav2: measuredPyav2, pairedRatio });
  if (name === '320-gop30') {
    const { peer, pairedRatio: paired112, ...resized } = await tesseraClipsPerSecond(path, 2, { ...native, size: [112, 112] }, clips, withPyav([112, 112]));
    section.tessera2Resized112 = resized;
    if (peer) Object.assign(section, { pyav2Resized112: peer, pairedRatioResized112: paired112 });
  }
  if (pyavReason === undefined) {
    progress(`${name}: PyAV Pool(1)`);
    section.pyav1 = pyavClipsPerSecond(files, 1, null, clips);
  }
  if (hasFfmpeg) section.ffmpegPerClip = await ffmpegClipsPerSecond(files, quick ? 8 : 20);
  const pyav2 = section.pyav2?.clipsPerSecond ?? REFERENCE[name]?.pyav2;
  const pyav1 = section.pyav1?.clipsPerSecond ?? REFERENCE[name]?.pyav1;
  section.pyavBasis = section.pyav2 ? 'measured' : 'reference';
  section.tessera2VsPyav2 = pyav2 ? section.tessera2.clipsPerSecond / pyav2 : null;
  section.tessera1VsPyav1 = pyav1 ? section.tessera1.clipsPerSecond / pyav1 : null;
  section.scalingTessera1to2 = section.tessera2.clipsPerSecond / section.tessera1.clipsPerSecond;
  if (section.pyav2) section.scalingPyav1to2 = section.pyav2.clipsPerSecond / section.pyav1.clipsPerSecond;
  if (section.tessera2Resized112) {
    const peer = section.pyav2Resized112?.clipsPerSecond ?? REFERENCE.resized112.pyav2;
    section.resized112VsPyav2 = section.tessera2Resized112.clipsPerSecond / peer;
    goals.push({ name: 'to 112×112: Tessera w2 / PyAV 2 processes', ratio: section.resized112VsPyav2, target: 1.5, met: section.resized112VsPyav2 >= 1.5 });
  }
  if (name !== '320-gop250' && section.tessera2VsPyav2 !== null) {
    goals.push({ name: `${name}: Tessera w2 / PyAV 2 processes`, ratio: section.tessera2VsPyav2, target: 1, met: section.tessera2VsPyav2 >= 1 });
    if (name === '320-gop30') goals.push({ name: `${name}: Tessera w2 / PyAV 2 processes (second goal)`, ratio: section.tessera2VsPyav2, target: 1.5, met: section.tessera2VsPyav2 >= 1.5 });
  }
  results[name] = section;
  const row = (label, value, peer) => [label, formatCount(value?.clipsPerSecond ?? value), value?.medianClipsPerSecond === undefined ? '—' : formatCount(value.medianClipsPerSecond), peer === undefined ? '—' : formatRatio((value?.clipsPerSecond ?? value) / peer)];
  printTable(`${name}: ${set.width}×${set.height} H.264 GOP ${set.gop}, 16-frame clips, stride 2 (${clips} clips per round; ratio vs PyAV 2 processes)`, ['contender', 'clips/s best', 'median', 'ratio'], [
    row('Tessera loader, 0 workers', section.tessera0, pyav2),
    row('Tessera loader, 1 worker', section.tessera1, pyav2),
    row('Tessera loader, 2 workers', section.tessera2, pyav2),
    ...(section.tessera2Resized112 ? [row('Tessera 2 workers, to 112×112', section.tessera2Resized112, section.pyav2Resized112?.clipsPerSecond ?? REFERENCE.resized112.pyav2)] : []),
    ...(section.pyav1 ? [row('PyAV, Pool(1)', section.pyav1, pyav2), row('PyAV, Pool(2)', section.pyav2, pyav2)] : [[`PyAV 2 processes (issue's reference figure)`, pyav2 ?? '—', '—', '—']]),
    ...(section.pyav2Resized112 ? [row('PyAV Pool(2), reformat to 112×112', section.pyav2Resized112, section.pyav2Resized112.clipsPerSecond)] : []),
    ...(section.ffmpegPerClip ? [row('ffmpeg process per clip (2 in flight)', section.ffmpegPerClip, pyav2)] : []),
  ]);
  console.log(`storage: mp4 ${section.storageKBPerSecondOfVideo.mp4.toFixed(1)} KB/s of video, stored streams ${section.storageKBPerSecondOfVideo.storedStreams.toFixed(1)} KB/s (.beton file ${section.storageKBPerSecondOfVideo.betonFile.toFixed(1)} KB/s with page padding); scaling 1→2 workers ${section.scalingTessera1to2.toFixed(2)}× (PyAV 1→2 processes ${section.scalingPyav1to2?.toFixed(2) ?? '—'}×)${section.pairedRatio ? `; Tessera w2 / PyAV Pool(2) round by round (alternating), median ${section.pairedRatio.toFixed(2)}×${section.pairedRatioResized112 ? `, to 112×112 ${section.pairedRatioResized112.toFixed(2)}×` : ''}` : ''}`);
}
// ── JPEG frames: the 320×240 videos as one JPEG per frame (PIL, quality 90) ──────────────────────
if (options.sections.has('jpeg-320')) {
  const name = 'jpeg-320';
  const videos = makeVideos('320-gop30', SETS['320-gop30']);
  const folders = [];
  const imaging = spawnSync(PYTHON, ['-c', 'import PIL, cv2, numpy'], { encoding: 'utf8' });
  if (imaging.status !== 0) console.log(`PIL/OpenCV not measured: ${PYTHON} lacks them (apt-get install python3-pil python3-opencv); the issue's reference figures are printed instead`);
  if (pyavReason === undefined && imaging.status === 0) {
    for (const video of videos) {
      const folder = `${video.slice(0, -4)}-q90`;
      if (!existsSync(join(folder, 'frame-00299.jpg'))) {
        progress(`extracting ${folder}`);
        const made = spawnSync(PYTHON, [join(import.meta.dirname, 'python', 'jpeg_clips.py')], { input: `${JSON.stringify({ op: 'extract', video, folder, quality: 90 })}\n`, encoding: 'utf8' });
        if (made.status !== 0) throw new Error(`frame extraction failed: ${made.stderr}`);
      }
      folders.push([folder, 300]);
    }
  }
  // The same JPEG bytes for every contender: pre-extracted frames stored as given (without PyAV and
  // PIL, Tessera extracts and encodes them itself at quality 90).
  const path = join(benchDataPath('video-320-gop30-v2'), `frames-q90-${videoCount}.beton`);
  if (!existsSync(path)) {
    const values = folders.length > 0 ? folders.map(([folder, count]) => ({ video: { frames: Array.from({ length: count }, (_, index) => join(folder, `frame-${String(index).padStart(5, '0')}.jpg`)), fps: 30 } })) : videos.map((video) => ({ video }));
    await writeDataset(path, { video: videoFrames({ quality: 90 }) }, values);
  }
  const clips = videoCount * copies;
  const section = { videos: videoCount, clipsPerRound: clips };
  const dataset = openDataset(path, { plugins: [videoPlugin()] });
  let storedBytes = 0;
  for (let index = 0; index < dataset.numSamples; index++) storedBytes += dataset.toJSON(index, 'video').byteLength;
  dataset.close();
  section.storageKBPerSecondOfVideo = { storedFrames: storedBytes / 1000 / (10 * videoCount) };
  progress(`${name}: Tessera`);
  const native = { frames: CLIP.frames, stride: CLIP.stride };
  for (const workers of [0, 1, 2]) section[`tessera${workers}`] = await tesseraClipsPerSecond(path, workers, native, clips);
  const jpegPeer = (reader, processes) => {
    const request = { op: 'read', folders, clips, ...CLIP, reader, processes, rounds: repeats, seed: 5 };
    const result = spawnSync(PYTHON, [join(import.meta.dirname, 'python', 'jpeg_clips.py')], { input: `${JSON.stringify(request)}\n`, encoding: 'utf8', maxBuffer: 1 << 24 });
    if (result.status !== 0) throw new Error(`${reader} peer failed: ${result.stderr}`);
    const reply = JSON.parse(result.stdout.trim().split('\n').at(-1));
    Object.assign((metrics.jpegPeerVersions ??= {}), reply.versions);
    const sorted = [...reply.roundsMs].sort((a, b) => a - b);
    return { clipsPerSecond: (clips * 1000) / sorted[0], medianClipsPerSecond: (clips * 1000) / sorted[sorted.length >> 1] };
  };
  if (folders.length > 0) {
    progress(`${name}: PIL and OpenCV`);
    section.pil1 = jpegPeer('pil', 1);
    section.pil2 = jpegPeer('pil', 2);
    section.opencv1 = jpegPeer('opencv', 1);
  }
  const pil1 = section.pil1?.clipsPerSecond ?? REFERENCE.jpeg.pil1;
  section.peerBasis = section.pil1 ? 'measured' : 'reference';
  section.tessera2VsPil1 = section.tessera2.clipsPerSecond / pil1;
  section.scalingTessera1to2 = section.tessera2.clipsPerSecond / section.tessera1.clipsPerSecond;
  goals.push({ name: 'JPEG frames 320×240: Tessera w2 / PIL 1 process', ratio: section.tessera2VsPil1, target: 2, met: section.tessera2VsPil1 >= 2 });
  const compressed = results['320-gop30']?.tessera2?.clipsPerSecond;
  if (compressed !== undefined) {
    section.tessera2VsCompressedPath = section.tessera2.clipsPerSecond / compressed;
    goals.push({ name: 'JPEG frames / compressed path (Tessera w2, 320×240 GOP 30)', ratio: section.tessera2VsCompressedPath, target: 3, met: section.tessera2VsCompressedPath >= 3 });
  }
  const compressedStorage = results['320-gop30']?.storageKBPerSecondOfVideo?.storedStreams;
  if (compressedStorage !== undefined) section.storageVsCompressed = section.storageKBPerSecondOfVideo.storedFrames / compressedStorage;
  results[name] = section;
  const row = (label, value) => [label, formatCount(value.clipsPerSecond), formatCount(value.medianClipsPerSecond), formatRatio(value.clipsPerSecond / pil1)];
  printTable(`${name}: 320×240 JPEG q90 frames, 16-frame clips, stride 2 (${clips} clips per round; ratio vs PIL 1 process)`, ['contender', 'clips/s best', 'median', 'ratio'], [
    row('Tessera loader, 0 workers', section.tessera0),
    row('Tessera loader, 1 worker', section.tessera1),
    row('Tessera loader, 2 workers', section.tessera2),
    ...(section.pil1 ? [row('PIL, Pool(1)', section.pil1), row('PIL, Pool(2)', section.pil2), row('OpenCV, Pool(1)', section.opencv1)] : [["PIL 1 process (issue's reference figure)", pil1, '—', '—']]),
  ]);
  console.log(`storage: JPEG q90 frames ${section.storageKBPerSecondOfVideo.storedFrames.toFixed(1)} KB/s of video${section.storageVsCompressed ? ` (${section.storageVsCompressed.toFixed(1)}× the H.264 stream)` : ''}; scaling 1→2 workers ${section.scalingTessera1to2.toFixed(2)}×`);
}
// ── a variable-frame-rate video and one whose first pts is 3 s: clips by time (16 frames at 15 fps) ──
if (options.sections.has('vfr-offset')) {
  const name = 'vfr-offset';
  const folder = benchDataPath('video-vfr-offset-v1');
  mkdirSync(folder, { recursive: true });
  const encode = ['-c:v', 'libx264', '-preset', 'medium', '-crf', '22.7', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-pix_fmt', 'yuv420p'];
  const made = {
    // 5 s at 30 fps, then 5 s at 15 fps (225 frames), time base 1/90000
    'vfr.mp4': ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30:duration=10', '-vf', "noise=alls=8:allf=t:all_seed=3,select='lt(n\\,150)+not(mod(n\\,2))',setpts='if(lt(N\\,150)\\,N/30\\,5+(N-150)/15)/TB'", '-fps_mode', 'vfr', ...encode],
    'offset.mp4': ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30:duration=10', '-vf', 'noise=alls=8:allf=t:all_seed=4', ...encode, '-output_ts_offset', '3'],
  };
  const files = [];
  for (const [file, args] of Object.entries(made)) {
    const path = join(folder, file);
    if (!existsSync(path)) {
      progress(`making ${path}`);
      const result = spawnSync(FFMPEG, ['-v', 'error', '-y', ...args, path], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`ffmpeg failed for ${path}: ${result.stderr}`);
    }
    files.push(path);
  }
  const path = join(folder, 'vfr-offset.beton');
  if (!existsSync(path)) await writeDataset(path, { video: compressedVideo() }, files.map((video) => ({ video })));
  const copiesHere = copies * 6; // 2 videos: as many clips per round as the other sets
  const clips = files.length * copiesHere;
  const byTime = { frames: CLIP.frames, fps: 15 };
  const section = { videos: files.length, clipsPerRound: clips, clip: byTime };
  progress(`${name}: Tessera`);
  section.tessera1 = await tesseraClipsPerSecond(path, 1, byTime, clips, { repeat: copiesHere });
  progress(`${name}: Tessera 2 workers and PyAV Pool(2) by time, alternating`);
  const peer = pyavReason === undefined ? (round) => pyavRoundMs(files, 2, null, clips, { fps: 15, seconds: 10 }, round) : undefined;
  const { peer: pyav2, pairedRatio, ...tessera2 } = await tesseraClipsPerSecond(path, 2, byTime, clips, { repeat: copiesHere, peer });
  section.tessera2 = tessera2;
  if (pyav2) Object.assign(section, { pyav2, pairedRatio, tessera2VsPyav2: tessera2.clipsPerSecond / pyav2.clipsPerSecond });
  results[name] = section;
  const peerRate = section.pyav2?.clipsPerSecond;
  const row = (label, value) => [label, formatCount(value.clipsPerSecond), formatCount(value.medianClipsPerSecond), peerRate === undefined ? '—' : formatRatio(value.clipsPerSecond / peerRate)];
  printTable(`${name}: 320×240 H.264 VFR (30 then 15 fps) and first pts 3 s, clips of 16 frames at 15 fps by time (${clips} clips per round; ratio vs PyAV 2 processes)`, ['contender', 'clips/s best', 'median', 'ratio'], [
    row('Tessera loader, 1 worker', section.tessera1),
    row('Tessera loader, 2 workers', section.tessera2),
    ...(section.pyav2 ? [row('PyAV Pool(2), by time (seek, decode, frame shown at each instant)', section.pyav2)] : []),
  ]);
}
metrics.sets = results;
metrics.goals = goals;
printTable('goals', ['goal', 'ratio', 'target', 'met'], goals.map((goal) => [goal.name, formatRatio(goal.ratio), `${goal.target}`, goal.met ? 'met' : 'missed']));
run.finish();
