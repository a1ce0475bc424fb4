// Opus and MP3 decode speed (not a test: prints figures, asserts only that decodes are whole).
//   node scripts/lossy-speed.mjs [seconds-per-measurement]
// Builds src/opus and src/mp3 with tsup into a temporary folder (in node_modules), makes 1-s and 10-s 16 kHz mono
// clips with ffmpeg as the writer does (Opus: libopus 32k, 20 ms frames, in Ogg; MP3: libmp3lame
// 64k with its LAME/Xing header) from several signals, and times, for each codec and length:
//   tessera    parse once (write time), then createOpusDecoder/createMp3Decoder reused for every clip
//   library    the package's public API used naively: a decoder per file (new, await ready, decode, free)
//   reused lib the package's public API with one decoder for every clip (Opus: decodeFrames with no
//              reset between clips, so not even correct; MP3: decode then await reset())
// on one thread, then tessera on 1 and 2 worker threads (clips/s summed over the threads).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const packageFolder = join(dirname(fileURLToPath(import.meta.url)), '..');
const ffmpeg = process.env.TESSERA_FFMPEG ?? 'ffmpeg';

const SOURCES = [
  "aevalsrc='(0.4*sin(2*PI*(200+300*t)*t))*(0.6+0.4*sin(2*PI*3*t))+0.05*(random(0)-0.5)':s=16000",
  'anoisesrc=color=pink:sample_rate=16000:amplitude=0.3:seed=1',
  "aevalsrc='0.3*sin(2*PI*220*t)+0.2*sin(2*PI*1330*t)*(0.5+0.5*sin(2*PI*4*t))':s=16000",
  'anoisesrc=color=brown:sample_rate=16000:amplitude=0.5:seed=2',
];

function makeFiles(work, codec, durationSeconds) {
  const files = [];
  SOURCES.forEach((source, index) => {
    for (let variant = 0; variant < 4; variant++) {
      const path = join(work, `clip-${codec}-${durationSeconds}-${index}-${variant}.${codec === 'opus' ? 'opus' : 'mp3'}`);
      const duration = durationSeconds + variant * 0.0173;
      const codecArgs = codec === 'opus' ? ['-c:a', 'libopus', '-b:a', '32k', '-frame_duration', '20'] : ['-c:a', 'libmp3lame', '-b:a', '64k'];
      execFileSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `${source}:duration=${duration}`, '-ac', '1', ...codecArgs, path]);
      files.push(new Uint8Array(readFileSync(path)));
    }
  });
  return files;
}

/**
 * Runs `step(index)` in batches for `seconds`; returns clips/s of the median and the best batch, and
 * clips per CPU second of this process (less sensitive to other processes on a shared machine).
 */
async function measure(step, seconds) {
  const rates = [];
  const cpuRates = [];
  const deadline = performance.now() + seconds * 1000;
  let index = 0;
  // Warm-up: JIT and WebAssembly tiers.
  const warmUntil = performance.now() + 300;
  for (let warm = 0; warm < 20 && performance.now() < warmUntil; warm++) await step(index++);
  while (performance.now() < deadline || rates.length < 3) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    let count = 0;
    while (performance.now() - start < 200) {
      await step(index++);
      count++;
    }
    rates.push((count * 1000) / (performance.now() - start));
    const cpu = process.cpuUsage(cpuStart);
    cpuRates.push((count * 1e6) / (cpu.user + cpu.system));
  }
  rates.sort((a, b) => a - b);
  cpuRates.sort((a, b) => a - b);
  return { median: rates[rates.length >> 1], best: rates[rates.length - 1], cpu: cpuRates[cpuRates.length >> 1] };
}

function tesseraStep(lossy, codec, streams) {
  const decoder = codec === 'opus' ? lossy.createOpusDecoder(16_000, 1) : lossy.createMp3Decoder();
  const out = new Float32Array(Math.max(...streams.map((stream) => stream.totalSamples)));
  return (index) => {
    const stream = streams[index % streams.length];
    const written = decoder.decode(stream, 0, stream.totalSamples, out, 0, out.length);
    if (written !== stream.totalSamples) throw new Error(`decoded ${written} of ${stream.totalSamples}`);
  };
}

async function workerMain() {
  const { modulePath, codec, files, seconds } = workerData;
  const lossy = await import(codec === 'opus' ? modulePath : modulePath.replace(/opus\.js$/, 'mp3.js'));
  const streams = files.map((bytes) => (codec === 'opus' ? lossy.parseOggOpus(bytes, 16_000) : lossy.parseMp3(bytes)));
  const step = tesseraStep(lossy, codec, streams);
  for (let warm = 0; warm < 20; warm++) step(warm);
  parentPort.postMessage('ready');
  await new Promise((resolve) => parentPort.once('message', resolve));
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) step(count++);
  parentPort.postMessage((count * 1000) / (performance.now() - start));
}

async function threaded(modulePath, codec, files, threads, seconds) {
  const workers = Array.from({ length: threads }, () => new Worker(fileURLToPath(import.meta.url), { workerData: { modulePath, codec, files, seconds } }));
  await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('message', resolve))));
  const results = workers.map((worker) => new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); }));
  for (const worker of workers) worker.postMessage('go');
  const rates = await Promise.all(results);
  await Promise.all(workers.map((worker) => worker.terminate()));
  return rates.reduce((sum, rate) => sum + rate, 0);
}

function figure(result) {
  return `${result.median.toFixed(0)} (best ${result.best.toFixed(0)}, per CPU s ${result.cpu.toFixed(0)})`;
}

async function main() {
  const seconds = Number(process.argv[2] ?? 3);
  const work = mkdtempSync(join(tmpdir(), 'lossy-speed-'));
  const buildFolder = mkdtempSync(join(packageFolder, 'node_modules', '.lossy-speed-'));
  try {
    const { build } = await import('tsup');
    await build({
      entry: { opus: join(packageFolder, 'src/opus/index.ts'), mp3: join(packageFolder, 'src/mp3/index.ts') },
      config: false,
      format: ['esm'],
      target: 'node20',
      noExternal: ['@tessera/core'],
      // Inside the package's node_modules so the decoders' packages resolve from the built files.
      outDir: buildFolder,
      silent: true,
    });
    const modulePath = pathToFileURL(join(buildFolder, 'opus.js')).href;
    const mp3Path = pathToFileURL(join(buildFolder, 'mp3.js')).href;
    const lossy = { ...(await import(modulePath)), ...(await import(mp3Path)) };
    const { OpusDecoder } = await import('opus-decoder');
    const { MPEGDecoder } = await import('mpg123-decoder');
    console.log(`node ${process.version}, ${cpus().length} cores (${cpus()[0].model}), load ${loadavg().map((value) => value.toFixed(2)).join(' ')}; ${seconds} s per figure; clips/s: median of 200 ms batches (best batch, clips per CPU second of this process)`);
    const lines = [];
    for (const codec of ['opus', 'mp3']) {
      for (const duration of [1, 10]) {
        const files = makeFiles(work, codec, duration);
        const streams = files.map((bytes) => (codec === 'opus' ? lossy.parseOggOpus(bytes, 16_000) : lossy.parseMp3(bytes)));
        const ours = await measure(tesseraStep(lossy, codec, streams), seconds);
        let naive;
        let reused;
        if (codec === 'opus') {
          // The library takes packets, not files: the Ogg demux is ours in all three rows.
          const packetLists = streams.map((stream) => Array.from({ length: stream.packetByteOffsets.length - 1 }, (_, packet) => stream.packets.subarray(stream.packetByteOffsets[packet], stream.packetByteOffsets[packet + 1])));
          naive = await measure(async (index) => {
            const decoder = new OpusDecoder({ sampleRate: 16_000, channels: 1, preSkip: streams[index % streams.length].delaySamples * 3 });
            await decoder.ready;
            decoder.decodeFrames(packetLists[index % packetLists.length]);
            decoder.free();
          }, seconds);
          const shared = new OpusDecoder({ sampleRate: 16_000, channels: 1 });
          await shared.ready;
          reused = await measure((index) => {
            shared.decodeFrames(packetLists[index % packetLists.length]);
          }, seconds);
        } else {
          naive = await measure(async (index) => {
            const decoder = new MPEGDecoder();
            await decoder.ready;
            decoder.decode(files[index % files.length]);
            decoder.free();
          }, seconds);
          const shared = new MPEGDecoder();
          await shared.ready;
          reused = await measure(async (index) => {
            shared.decode(files[index % files.length]);
            await shared.reset();
          }, seconds);
        }
        const one = await threaded(modulePath, codec, files, 1, seconds);
        const two = await threaded(modulePath, codec, files, 2, seconds);
        lines.push(
          `${codec.padEnd(4)} ${String(duration).padStart(2)} s: tessera ${figure(ours)} | library, decoder per file ${figure(naive)} | library, one decoder ${figure(reused)} | tessera in workers: 1 thread ${one.toFixed(0)}, 2 threads ${two.toFixed(0)}`,
        );
        console.log(lines[lines.length - 1]);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(buildFolder, { recursive: true, force: true });
  }
}

if (isMainThread) await main();
else await workerMain();
