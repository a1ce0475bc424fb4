// Audio classification with Tessera: build a FLAC dataset from an audio folder (one subfolder per
// class), then iterate batches of log-mel features — a random 1-s crop decoded in worker threads
// (only the FLAC frames it covers), gain and noise augmentation, an 80-bin log-mel, SpecAugment —
// and print the throughput.
//
//   node index.mjs [--clips N] [--epochs N] [--check] [--folder DIR]
//
// By default the folder is generated: N WAV clips (0.6–3 s, 16 kHz) in 8 class folders — a tone
// and harmonics per class, a pitch glide and seeded noise — written in JavaScript into
// .output/clips-N/ and reused. --folder DIR uses your own folder of audio files (any format ffmpeg
// reads). --check runs a small smoke version and asserts shapes and values.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { addNoise, audioPlugin, buildAudioDataset, gain, logMel, specAugment } from '@tessera/audio';
import { createLoader } from '@tessera/core';

const USAGE = 'usage: node index.mjs [--clips N] [--epochs N] [--check] [--folder DIR]';
process.on('uncaughtException', (error) => {
  console.error(error.code === undefined || error.code === 'E_INTERNAL' ? error : `audio-classification: ${error.code}: ${error.message}`);
  process.exit(1);
});
let values;
try {
  ({ values } = parseArgs({
    options: { clips: { type: 'string' }, epochs: { type: 'string' }, check: { type: 'boolean', default: false }, folder: { type: 'string' } },
  }));
} catch (error) {
  console.error(`audio-classification: ${error.message}\n${USAGE}`);
  process.exit(2);
}
const check = values.check;
const clipCount = positiveInteger('--clips', values.clips ?? (check ? '96' : '800'));
const epochs = positiveInteger('--epochs', values.epochs ?? (check ? '1' : '3'));
const CLASSES = 8;
const SAMPLE_RATE = 16000;

// 1. An audio folder: <root>/<class>/<clip>. By default: WAV clips written in JavaScript.
const output = join(import.meta.dirname, '.output');
mkdirSync(output, { recursive: true });
const root = values.folder ?? syntheticAudioFolder(join(output, `clips-${clipCount}`));

// 2. Build the dataset: every clip resampled to 16 kHz mono and stored as FLAC (ffmpeg encodes, in 2 workers).
const path = join(output, 'train.beton');
const built = await buildAudioDataset({ folder: root, output: path, field: 'flac', sampleRate: SAMPLE_RATE, channels: 1, workers: 2 });
console.log(
  `built ${path}: ${built.numSamples} clips, ${built.classes?.length ?? '?'} classes, ${(built.fileByteLength / 2 ** 20).toFixed(2)} MiB in ${(built.elapsedMs / 1000).toFixed(2)} s`,
);

// 3. The training pipeline: random 1-s crops → gain → noise → 80-bin log-mel → SpecAugment.
const loader = createLoader(path, {
  batchSize: 32,
  order: 'random',
  seed: 7,
  workers: 2,
  plugins: [audioPlugin()],
  pipelines: {
    audio: {
      decoder: 'waveform',
      decoderOptions: { seconds: 1, crop: 'random' },
      operations: [
        gain({ minDb: -6, maxDb: 6 }),
        addNoise({ minSnrDb: 10, maxSnrDb: 30, color: 'pink' }),
        logMel({ preset: 'torchaudio', sampleRate: SAMPLE_RATE, nFft: 400, hopLength: 160, nMels: 80 }),
        specAugment({ preset: 'lhotse' }),
      ],
    },
    label: { decoder: 'int32' },
  },
});
console.log(`batches: audio ${JSON.stringify(loader.outputs.audio)}, label ${JSON.stringify(loader.outputs.label)}`);

for (let epoch = 0; epoch < epochs; epoch++) {
  const started = performance.now();
  let clips = 0;
  let checksum = 0;
  for await (const batch of loader) {
    const { audio, label } = batch;
    clips += audio.shape[0];
    checksum += audio.data[0]; // a training step would go here (tf.tensor(audio.data, audio.shape), ...)
    if (check) {
      const [count, channels, mels, frames] = audio.shape;
      if (audio.dtype !== 'float32' || channels !== 1 || mels !== 80 || frames !== 101) throw new Error(`audio batch is ${audio.dtype} ${audio.shape}`);
      for (let row = 0; row < count; row++) {
        const length = audio.lengths[row];
        if (!(length >= 1 && length <= 101)) throw new Error(`row ${row}: ${length} frames`);
        if (label.data[row] < 0 || label.data[row] >= CLASSES) throw new Error(`row ${row}: label ${label.data[row]}`);
      }
      for (let index = 0; index < audio.data.length; index += 101) {
        if (!Number.isFinite(audio.data[index]) || audio.data[index] < -10.5 || audio.data[index] > 5) throw new Error(`log-mel value ${audio.data[index]} out of range`);
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`epoch ${epoch}: ${clips} clips in ${seconds.toFixed(2)} s = ${Math.round(clips / seconds)} clips/s (checksum ${checksum.toFixed(3)})`);
}
await loader.close();

function positiveInteger(name, text) {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    console.error(`audio-classification: ${name} must be a positive integer, got ${JSON.stringify(text)}\n${USAGE}`);
    process.exit(2);
  }
  return value;
}

/** N mono 16-bit WAV clips in CLASSES folders, deterministic; written once (to a temporary folder, then renamed). */
function syntheticAudioFolder(directory) {
  if (existsSync(directory)) return directory;
  const partial = `${directory}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  let state = 0x5eed;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let index = 0; index < clipCount; index++) {
    const label = index % CLASSES;
    const folder = join(partial, `class-${label}`);
    mkdirSync(folder, { recursive: true });
    const length = Math.round((0.6 + 2.4 * uniform()) * SAMPLE_RATE);
    const base = 110 * 2 ** (label / 2);
    const glide = 1 + 0.2 * (uniform() - 0.5);
    const pcm = new Int16Array(length);
    let phase = 0;
    for (let sample = 0; sample < length; sample++) {
      const frequency = base * (1 + ((glide - 1) * sample) / length);
      phase += (2 * Math.PI * frequency) / SAMPLE_RATE;
      const tone = 0.4 * Math.sin(phase) + 0.2 * Math.sin(2 * phase) + 0.1 * Math.sin(3 * phase);
      const envelope = Math.min(1, sample / 800, (length - sample) / 800);
      pcm[sample] = Math.round(32767 * (envelope * tone + 0.03 * (uniform() * 2 - 1)));
    }
    writeFileSync(join(folder, `clip-${String(index).padStart(5, '0')}.wav`), wavFile(pcm, SAMPLE_RATE));
  }
  renameSync(partial, directory);
  return directory;
}

function wavFile(pcm, sampleRate) {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + pcm.byteLength, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(pcm.byteLength, 40);
  return Buffer.concat([header, Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength)]);
}
