// FLAC decode speed on one thread (not a test: prints figures, asserts only exactness).
//   node scripts/flac-speed.mjs [seconds-per-measurement]
// Builds src/flac with tsup into a temporary folder (@tessera/core bundled in), makes 1-s and 10-s
// 16 kHz mono s16 clips with ffmpeg (-compression_level 5 -frame_size 4096) from several signals, and
// times parse-free decoding (decode + conversion to float32) of every clip, round-robin, many times.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const packageFolder = join(dirname(fileURLToPath(import.meta.url)), '..');
const ffmpeg = process.env.TESSERA_FFMPEG ?? 'ffmpeg';
const secondsPerMeasurement = Number(process.argv[2] ?? 3);
const work = mkdtempSync(join(tmpdir(), 'flac-speed-'));

try {
  const { build } = await import('tsup');
  await build({
    entry: [join(packageFolder, 'src/flac/index.ts')],
    config: false,
    format: ['esm'],
    target: 'node20',
    noExternal: ['@tessera/core'],
    outDir: work,
    silent: true,
  });
  const flac = await import(pathToFileURL(join(work, 'index.js')).href);

  const sources = [
    'sine=frequency=440:sample_rate=16000',
    'anoisesrc=color=pink:sample_rate=16000:amplitude=0.3:seed=1',
    'anoisesrc=color=brown:sample_rate=16000:amplitude=0.5:seed=2',
    "aevalsrc='0.4*sin(2*PI*(200+300*t)*t)*(0.6+0.4*sin(2*PI*3*t))':s=16000",
  ];
  function makeClips(durationSeconds) {
    const clips = [];
    sources.forEach((source, index) => {
      for (let variant = 0; variant < 4; variant++) {
        const path = join(work, `clip-${durationSeconds}-${index}-${variant}.flac`);
        // Lengths a little off whole seconds, so the last frame is short, as in real datasets.
        const duration = durationSeconds + variant * 0.0173;
        execFileSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `${source}:duration=${duration}`,
          '-ac', '1', '-sample_fmt', 's16', '-c:a', 'flac', '-compression_level', '5', '-frame_size', '4096', path]);
        clips.push(flac.parseFlacFile(new Uint8Array(readFileSync(path))));
      }
    });
    return clips;
  }

  function measure(clips) {
    const decoder = flac.createFlacDecoder();
    const maxSamples = Math.max(...clips.map((clip) => clip.info.totalSamples));
    const out = new Float32Array(maxSamples);
    let checksum = 0;
    const run = (count) => {
      for (let index = 0; index < count; index++) {
        const clip = clips[index % clips.length];
        checksum += decoder.decode(clip.frames, clip.info, 0, 0, clip.info.totalSamples, out, 0, maxSamples);
      }
    };
    run(clips.length * 20); // warm up the JIT
    let clipsDone = 0;
    const started = process.hrtime.bigint();
    let elapsedSeconds = 0;
    while (elapsedSeconds < secondsPerMeasurement) {
      run(clips.length * 5);
      clipsDone += clips.length * 5;
      elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    }
    const samples = clips.reduce((sum, clip) => sum + clip.info.totalSamples, 0) / clips.length;
    const bytes = clips.reduce((sum, clip) => sum + clip.frames.byteLength, 0) / clips.length;
    return { clipsPerSecond: clipsDone / elapsedSeconds, msPerClip: (elapsedSeconds * 1000) / clipsDone, samples, bytes, checksum };
  }

  for (const seconds of [1, 10]) {
    const result = measure(makeClips(seconds));
    console.log(
      `${seconds}-s clips (16 kHz mono s16, ${Math.round(result.samples)} samples, ${Math.round(result.bytes)} frame bytes avg): ` +
        `${Math.round(result.clipsPerSecond)} clips/s, ${result.msPerClip.toFixed(4)} ms/clip, ` +
        `${((result.clipsPerSecond * result.samples) / 1e6).toFixed(1)} M samples/s (one thread, decode + float32)`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
