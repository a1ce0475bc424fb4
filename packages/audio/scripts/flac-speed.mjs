// FLAC decode speed on one thread (not a test: prints figures, asserts only exactness).
//   node scripts/flac-speed.mjs [seconds-per-measurement]
// Builds src/flac with tsup into a temporary folder (@tessera/core bundled in), makes 1-s and 10-s
// 16 kHz mono s16 clips with ffmpeg (-compression_level 5 -frame_size 4096) from several signals, and
// times parse-free decoding (decode + conversion to float32) of every clip, round-robin, many times.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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

  // The machine may be shared: time many short batches and report the median and the best batch, in
  // wall time and in this process's CPU time.
  function measure(clips) {
    const decoder = flac.createFlacDecoder();
    const maxSamples = Math.max(...clips.map((clip) => clip.info.totalSamples));
    const out = new Float32Array(maxSamples);
    const run = (count) => {
      for (let index = 0; index < count; index++) {
        const clip = clips[index % clips.length];
        decoder.decode(clip.frames, clip.info, 0, 0, clip.info.totalSamples, out, 0, maxSamples);
      }
    };
    const batch = Math.max(clips.length, Math.round(32000000 / maxSamples / clips.length) * clips.length);
    run(batch * 3); // warm up the JIT
    const wallRates = [];
    const cpuRates = [];
    const started = process.hrtime.bigint();
    while (Number(process.hrtime.bigint() - started) / 1e9 < secondsPerMeasurement) {
      const wallStart = process.hrtime.bigint();
      const cpuStart = process.cpuUsage();
      run(batch);
      const cpu = process.cpuUsage(cpuStart);
      wallRates.push(batch / (Number(process.hrtime.bigint() - wallStart) / 1e9));
      cpuRates.push(batch / ((cpu.user + cpu.system) / 1e6));
    }
    const median = (values) => values.sort((a, b) => a - b)[values.length >> 1];
    const samples = clips.reduce((sum, clip) => sum + clip.info.totalSamples, 0) / clips.length;
    const bytes = clips.reduce((sum, clip) => sum + clip.frames.byteLength, 0) / clips.length;
    return { wallMedian: median(wallRates), wallBest: Math.max(...wallRates), cpuMedian: median(cpuRates), samples, bytes, batches: wallRates.length };
  }

  console.log(`load average ${loadavg().map((value) => value.toFixed(1)).join(' ')} on this machine`);
  for (const seconds of [1, 10]) {
    const result = measure(makeClips(seconds));
    const round = (value) => Math.round(value);
    console.log(
      `${seconds}-s clips (16 kHz mono s16, ${round(result.samples)} samples, ${round(result.bytes)} frame bytes avg), one thread, decode + float32: ` +
        `wall ${round(result.wallMedian)} clips/s median, ${round(result.wallBest)} best of ${result.batches} batches; ` +
        `CPU time ${round(result.cpuMedian)} clips/s median (${(1000 / result.cpuMedian).toFixed(3)} ms/clip)`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
