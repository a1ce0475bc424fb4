/**
 * The Node-side contenders of the audio benchmark. Each is `{ id, label, clipsPerRun, start(),
 * run(), close() }`; `run()` does `clipsPerRun` clips of work (one or more epochs) and may return
 * its own elapsed milliseconds (see measure-rounds.mjs).
 *  - tesseraLoader: createLoader over a .beton (decoder 'waveform', batch 32, random order), kept
 *    across runs (a run is the next epochs), optional operations (log-mel).
 *  - ffmpegPerClip: a process per clip, `ffmpeg -i clip -f f32le -`, 2 in flight.
 *  - naiveWasm: the WASM decoders' public API as a first attempt would use it: a fresh decoder per
 *    file, whole-file decode, one thread.
 *  - tesseraMelMemory: the package's log-mel DSP on one thread over float32 audio in memory.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { MPEGDecoder } from 'mpg123-decoder';
import { OggOpusDecoder } from 'ogg-opus-decoder';
import { core } from '../lib/tessera-core.mjs';

const execFileAsync = promisify(execFile);

export const BATCH_SIZE = 32;
export const SEED = 0xa0d10;

/** Tessera's loader over `betonPath`, `epochs` epochs per run. */
export function tesseraLoader(audio, betonPath, { id, label, workers, epochs = 1, decoderOptions = {}, operations = [] }) {
  const loader = core.createLoader(betonPath, {
    batchSize: BATCH_SIZE,
    order: 'random',
    seed: SEED,
    workers,
    plugins: [audio.audioPlugin()],
    pipelines: { audio: { decoder: 'waveform', decoderOptions, operations } },
  });
  const clipsPerEpoch = loader.samplesPerEpoch;
  let checksum = 0;
  return {
    id,
    label,
    clipsPerRun: clipsPerEpoch * epochs,
    /** The first batch (workers started, decoders set up), outside the timed runs. */
    async start() {
      const iterator = loader[Symbol.asyncIterator]();
      await iterator.next();
      await iterator.return?.();
    },
    async run() {
      for (let epoch = 0; epoch < epochs; epoch++) {
        for await (const batch of loader) {
          const field = batch.audio;
          checksum += field.data[field.data.length - 1] + field.shape[0];
        }
      }
    },
    get checksum() {
      return checksum;
    },
    /** Where the decoder and operations ran ('worker' or 'main'), from loader.stats(). */
    placement: () => loader.stats().placement,
    outputs: () => loader.outputs,
    close: () => loader.close(),
  };
}

/** One ffmpeg process per clip (`-f f32le` to stdout), `inFlight` at a time, over `files`. */
export function ffmpegPerClip(ffmpegPath, files, { id, label, inFlight = 2 }) {
  let samples = 0;
  return {
    id,
    label,
    clipsPerRun: files.length,
    async start() {},
    async run() {
      let next = 0;
      const lane = async () => {
        while (next < files.length) {
          const file = files[next++];
          const { stdout } = await execFileAsync(ffmpegPath, ['-nostdin', '-v', 'error', '-i', file, '-f', 'f32le', '-'], { encoding: 'buffer', maxBuffer: 1 << 28 });
          samples += stdout.byteLength / 4;
        }
      };
      await Promise.all(Array.from({ length: inFlight }, lane));
    },
    get samples() {
      return samples;
    },
    async close() {},
  };
}

const WASM_DECODERS = {
  flac: { name: '@wasm-audio-decoders/flac FLACDecoder.decodeFile', create: () => new FLACDecoder(), decode: (decoder, bytes) => decoder.decodeFile(bytes) },
  opus: { name: 'ogg-opus-decoder OggOpusDecoder.decodeFile', create: () => new OggOpusDecoder(), decode: (decoder, bytes) => decoder.decodeFile(bytes) },
  mp3: { name: 'mpg123-decoder MPEGDecoder.decode', create: () => new MPEGDecoder(), decode: (decoder, bytes) => decoder.decode(bytes) },
};

/** The WASM decoder of `format` used naively: readFile, a fresh decoder, decode the whole file, free; one at a time. */
export function naiveWasm(format, files, { id }) {
  const wasm = WASM_DECODERS[format];
  let samples = 0;
  return {
    id,
    label: `naive ${wasm.name}, fresh decoder per file (1 thread)`,
    clipsPerRun: files.length,
    async start() {},
    async run() {
      for (const file of files) {
        const bytes = readFileSync(file);
        const decoder = wasm.create();
        await decoder.ready;
        const decoded = await wasm.decode(decoder, bytes);
        samples += decoded.samplesDecoded;
        decoder.free();
      }
    },
    get samples() {
      return samples;
    },
    async close() {},
  };
}

/**
 * `createMelSpectrogram` (torchaudio preset, n_fft 400, hop 160, 80 mels, log10) on the calling
 * thread over `clips` (Float32Arrays), `epochs` passes per run; the output buffer is made once.
 */
export function tesseraMelMemory(audio, clips, { id, label, epochs = 1, params }) {
  const plan = audio.createMelSpectrogram(params);
  const longest = Math.max(...clips.map((clip) => clip.length));
  const maxFrames = plan.frameCount(longest);
  const out = new Float32Array(plan.melCount * maxFrames);
  let checksum = 0;
  return {
    id,
    label,
    clipsPerRun: clips.length * epochs,
    async start() {
      for (const clip of clips) plan.compute(clip, 0, clip.length, out, 0, maxFrames);
    },
    async run() {
      for (let epoch = 0; epoch < epochs; epoch++) {
        for (const clip of clips) {
          const frames = plan.compute(clip, 0, clip.length, out, 0, maxFrames);
          checksum += out[frames - 1];
        }
      }
    },
    get checksum() {
      return checksum;
    },
    async close() {},
  };
}
