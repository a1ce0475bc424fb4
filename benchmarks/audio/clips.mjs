/**
 * The audio benchmark's clips: deterministic 16 kHz mono sets of 1-s, 10-s and 30-s clips, generated
 * once into `.bench-data/audio-<hash>/` and reused. The source is speech (espeak-ng speaking a fixed
 * list of sentences in several voices, resampled to 16 kHz by ffmpeg) or, without espeak-ng, ffmpeg
 * lavfi (sine chirps plus pink noise). Each clip is a window of that source at a seeded offset, with a
 * seeded gain and a low noise floor (-50 dBFS, so pauses are not digital silence, as in recordings),
 * stored as 16-bit WAV and encoded by ffmpeg as FLAC (level 5, 4096-sample frames), Opus (.ogg,
 * 32 kb/s) and MP3 (64 kb/s). Clip k of a set depends only on the recipe and k, so a larger set
 * extends a smaller one. The matching Tessera datasets (flac/opus/mp3 fields written from the same
 * WAV clips) are written by `ensureClipDatasets`.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchDataPath, mulberry32, progress, removePath } from '../lib/index.mjs';

const execFileAsync = promisify(execFile);

export const SAMPLE_RATE = 16000;
const RECIPE_VERSION = 'audio-clips-v1';
/** The three sets: name → clip length in seconds. */
export const CLIP_SETS = { '1s': 1, '10s': 10, '30s': 30 };
export const FORMATS = ['flac', 'opus', 'mp3'];
/** File extension of each format's files. */
export const EXTENSIONS = { wav: 'wav', flac: 'flac', opus: 'ogg', mp3: 'mp3' };
/** ffmpeg's encoder arguments, the same settings the Tessera fields use (flac(), opus(), mp3() defaults). */
const ENCODER_ARGUMENTS = {
  flac: ['-c:a', 'flac', '-compression_level', '5', '-frame_size', '4096'],
  opus: ['-c:a', 'libopus', '-b:a', '32k'],
  mp3: ['-c:a', 'libmp3lame', '-b:a', '64k'],
};
const NOISE_FLOOR_RMS = 0.00316; // -50 dBFS
const SOURCE_MIN_SECONDS = 90;
/** Clips per ffmpeg run when encoding the files. */
const ENCODE_BATCH = 10;
/** Samples per writer chunk (the writer encodes a chunk's values concurrently, one ffmpeg each). */
const WRITE_CHUNK_SIZE = 4;

const SENTENCES = [
  'The quick brown fox jumps over the lazy dog near the river bank.',
  'A data loader reads batches of samples from a single file on disk.',
  'Please call the office before noon and ask for the weekly report.',
  'Seven small boats sailed past the lighthouse as the fog lifted.',
  'The training run stopped when the learning rate reached its floor.',
  'She measured the length of the table twice and wrote it down.',
  'Every morning the market opens at six and closes after lunch.',
  'Rain is expected later today, with strong winds along the coast.',
  'The library keeps old maps in a quiet room on the second floor.',
  'He turned the radio down so that the children could sleep.',
  'Numbers in the second column are given in thousands of euros.',
  'The train to the airport leaves from platform nine every hour.',
  'A spectrogram shows how the energy of a sound changes over time.',
  'They planted tomatoes, beans and onions in the garden behind the house.',
  'Our meeting was moved to Thursday because the room was booked.',
  'The bridge was closed for repairs for most of the summer.',
  'Water boils at a lower temperature high up in the mountains.',
  'Turn left at the bakery, then walk straight for two more blocks.',
  'The museum added a new wing for paintings from the last century.',
  'Most birds in this park arrive in spring and leave in autumn.',
  'The engineer checked every cable before switching the power on.',
  'A good cup of coffee needs fresh beans and clean water.',
  'The results were written to a log file after each experiment.',
  'Snow covered the fields and the roads were quiet all night.',
  'The speaker paused, looked at the audience, and began again.',
  'Five hundred clips of speech were recorded for the new test set.',
  'Keep the receipt in case the shoes do not fit.',
  'At the end of the street there is a small red post box.',
  'The orchestra tuned their instruments while the hall filled up.',
  'Light travels much faster than sound through the open air.',
];
const VOICES = ['en-us', 'en-gb', 'en-gb-scotland', 'en-gb-x-rp', 'en-us', 'en-gb-x-gbclan'];

/**
 * The ffmpeg binary, found with @tessera/audio's resolver when the package exports it: TESSERA_FFMPEG,
 * else /usr/bin/ffmpeg when present (Debian's build; the resolver would otherwise prefer an npm
 * package's binary), else the resolver's own chain. Without the resolver: TESSERA_FFMPEG,
 * /usr/bin/ffmpeg or PATH. `{ path, source, version }`, or undefined when none runs.
 */
export async function findFfmpeg() {
  const preferred = process.env.TESSERA_FFMPEG || (existsSync('/usr/bin/ffmpeg') ? '/usr/bin/ffmpeg' : undefined);
  let audio;
  try {
    audio = await import('@tessera/audio');
  } catch {
    // not built yet: fall through
  }
  if (typeof audio?.resolveFfmpeg === 'function') {
    try {
      const found = audio.resolveFfmpeg(preferred === undefined ? {} : { ffmpegPath: preferred });
      return { path: found.path, source: `@tessera/audio resolveFfmpeg (${found.source})`, version: found.version };
    } catch {
      return undefined;
    }
  }
  for (const candidate of [preferred, 'ffmpeg'].filter((candidate) => candidate !== undefined)) {
    const result = spawnSync(candidate, ['-hide_banner', '-version'], { encoding: 'utf8' });
    if (result.status === 0) return { path: candidate, source: 'TESSERA_FFMPEG, /usr/bin/ffmpeg or PATH', version: result.stdout.split('\n')[0].split(' ')[2] ?? '?' };
  }
  return undefined;
}

function hasEspeak() {
  return spawnSync('espeak-ng', ['--version'], { encoding: 'utf8' }).status === 0;
}

/**
 * The clip folder (created on first use): `{ directory, generator, sets }` where `sets[name]` is
 * `{ seconds, count, files: { wav, flac, opus, mp3 } }` (arrays of absolute paths). `counts` gives the
 * clips per set.
 */
export async function ensureClips(counts, { ffmpeg }) {
  const { generator, hash, directory } = clipRecipe(ffmpeg);
  mkdirSync(directory, { recursive: true });
  let source;
  const sets = {};
  for (const [name, seconds] of Object.entries(CLIP_SETS)) {
    const count = counts[name];
    const setDirectory = join(directory, name);
    const manifestPath = join(setDirectory, 'MANIFEST.json');
    const manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : { count: 0 };
    const files = clipFiles(setDirectory, count);
    const intact = manifest.count >= count && [0, count >> 1, count - 1].every((index) => FORMATS.every((format) => existsSync(files[format][index])) && existsSync(files.wav[index]));
    if (!intact) {
      source ??= await makeSource(generator, ffmpeg.path, directory);
      mkdirSync(setDirectory, { recursive: true });
      const first = Math.min(manifest.count, count);
      progress(`  generating ${count - first} ${seconds}-s clips (${generator}) into ${setDirectory}`);
      const missing = count - first;
      const batches = Math.ceil(missing / ENCODE_BATCH);
      let done = 0;
      await forEachInFlight(batches, 2, async (batch) => {
        const indices = [];
        for (let index = first + batch * ENCODE_BATCH; index < Math.min(count, first + (batch + 1) * ENCODE_BATCH); index++) {
          writeWav(files.wav[index], cutClip(source, name, index, seconds * SAMPLE_RATE));
          indices.push(index);
        }
        await encodeClips(ffmpeg.path, files, indices);
        done += indices.length;
        if (Math.floor(done / 100) !== Math.floor((done - indices.length) / 100)) progress(`    ${done}/${missing}`);
      });
      writeFileSync(manifestPath, `${JSON.stringify({ recipe: RECIPE_VERSION, generator, seconds, count: Math.max(count, manifest.count) }, null, 1)}\n`);
    }
    sets[name] = { seconds, count, directory: setDirectory, files };
  }
  return { directory, generator, hash, sets };
}

/** The generator, the recipe's hash and the folder `.bench-data/audio-<hash>` (the hash covers the recipe and ffmpeg's version). */
export function clipRecipe(ffmpeg) {
  const generator = hasEspeak() ? 'espeak-ng' : 'lavfi';
  const recipe = { version: RECIPE_VERSION, ffmpeg: ffmpeg.version, generator, sampleRate: SAMPLE_RATE, sentences: SENTENCES, voices: VOICES, noise: NOISE_FLOOR_RMS, encoders: ENCODER_ARGUMENTS };
  const hash = createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 12);
  return { generator, hash, directory: benchDataPath(`audio-${hash}`) };
}

function clipFiles(setDirectory, count) {
  const files = {};
  for (const [format, extension] of Object.entries(EXTENSIONS)) {
    files[format] = Array.from({ length: count }, (_, index) => join(setDirectory, `clip-${String(index).padStart(5, '0')}.${extension}`));
  }
  return files;
}

/** The long 16 kHz source signal (Float32Array) the clips are cut from, cached as raw float32. */
async function makeSource(generator, ffmpegPath, directory) {
  const cached = join(directory, `source-${generator}.f32`);
  if (existsSync(cached)) {
    const bytes = readFileSync(cached);
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  }
  progress(`  making the ${generator} source signal`);
  const staging = join(directory, 'source.partial');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const parts = [];
  let total = 0;
  if (generator === 'espeak-ng') {
    const random = mulberry32(0x5eec);
    for (let round = 0; total < SOURCE_MIN_SECONDS * SAMPLE_RATE; round++) {
      for (const [index, sentence] of SENTENCES.entries()) {
        const wav = join(staging, `s-${round}-${index}.wav`);
        const voice = VOICES[(index + round) % VOICES.length];
        const speed = 130 + Math.floor(random() * 60);
        const pitch = 25 + Math.floor(random() * 50);
        execFileSync('espeak-ng', ['-w', wav, '-v', voice, '-s', String(speed), '-p', String(pitch), sentence]);
        const speech = decodeToFloat(ffmpegPath, wav);
        const pause = new Float32Array(Math.floor((0.15 + random() * 0.5) * SAMPLE_RATE));
        parts.push(speech, pause);
        total += speech.length + pause.length;
      }
    }
  } else {
    // Two gliding sines and pink noise, 120 s.
    const expression = '0.25*sin(2*PI*(300+200*sin(0.7*t))*t)+0.15*sin(2*PI*(900+400*sin(0.31*t))*t)*(0.5+0.5*sin(3*t))';
    const raw = execFileSync(
      ffmpegPath,
      ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', `aevalsrc=${expression}:s=${SAMPLE_RATE}:d=120`, '-f', 'lavfi', '-i', `anoisesrc=color=pink:amplitude=0.08:seed=7:r=${SAMPLE_RATE}:d=120`, '-filter_complex', '[0:a][1:a]amix=inputs=2:duration=shortest:normalize=0', '-ac', '1', '-f', 'f32le', '-'],
      { maxBuffer: 1 << 30 },
    );
    parts.push(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4).slice());
    total = parts[0].length;
  }
  const source = new Float32Array(total);
  let offset = 0;
  for (const part of parts) {
    source.set(part, offset);
    offset += part.length;
  }
  writeFileSync(`${cached}.partial`, source);
  renameSync(`${cached}.partial`, cached);
  rmSync(staging, { recursive: true, force: true });
  return source;
}

function decodeToFloat(ffmpegPath, path) {
  const raw = execFileSync(ffmpegPath, ['-nostdin', '-v', 'error', '-i', path, '-ar', String(SAMPLE_RATE), '-ac', '1', '-f', 'f32le', '-'], { maxBuffer: 1 << 30 });
  return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4).slice();
}

/** Clip `index` of set `name`: a seeded window of the source, a seeded gain, the noise floor; int16. */
function cutClip(source, name, index, length) {
  const seed = createHash('sha256').update(`${RECIPE_VERSION}:${name}:${index}`).digest().readUInt32LE(0);
  const random = mulberry32(seed);
  const pcm = new Int16Array(length);
  const spare = source.length - length;
  const start = Math.floor(random() * (spare + 1));
  const gain = 0.6 + 0.9 * random();
  for (let position = 0; position < length; position++) {
    // Sum of four uniforms: near-Gaussian noise with unit variance after scaling by sqrt(3).
    const noise = (random() + random() + random() + random() - 2) * Math.sqrt(3);
    const value = gain * source[(start + position) % source.length] + NOISE_FLOOR_RMS * noise;
    pcm[position] = Math.max(-32768, Math.min(32767, Math.round(value * 32767)));
  }
  return pcm;
}

function writeWav(path, pcm) {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.byteLength, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.byteLength, 40);
  writeFileSync(path, Buffer.concat([header, Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength)]));
}

/** One ffmpeg run encodes a few clips, each to FLAC, Opus and MP3 (ffmpeg's start-up dominates a 1-s clip). */
async function encodeClips(ffmpegPath, files, indices) {
  const inputs = indices.flatMap((index) => ['-i', files.wav[index]]);
  const outputs = indices.flatMap((index, input) => FORMATS.flatMap((format) => ['-map', `${input}:a`, ...ENCODER_ARGUMENTS[format], '-map_metadata', '-1', files[format][index]]));
  await execFileAsync(ffmpegPath, ['-nostdin', '-v', 'error', '-y', ...inputs, ...outputs]);
}

/** Runs `task(0..count-1)` with at most `inFlight` pending at once. */
async function forEachInFlight(count, inFlight, task) {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
}

/**
 * The Tessera datasets of a set: `{ flac, opus, mp3 }` paths of .beton files with one field `audio`
 * (flac()/opus()/mp3() at 16 kHz mono with the package's defaults: level 5 and 4096-sample frames,
 * 32 and 64 kb/s, as the files), written from the set's WAV clips (the same PCM as the files) with 2
 * writer workers and encoded by the package's writer itself (ffmpeg, or its own encoder where it has
 * one, so the bytes need not equal the files'); reused when a completion marker holding the same tag
 * exists and the file opens with the right sample count.
 */
export async function ensureClipDatasets(clips, name, { audio, core, ffmpeg, formats = FORMATS }) {
  const set = clips.sets[name];
  const betons = {};
  for (const format of formats) {
    const path = join(clips.directory, `${name}-${set.count}-${format}.beton`);
    const marker = `${path}.complete`;
    const tag = `${clips.hash}:${name}:${set.count}:${format}:${audio.audioPlugin().version}`;
    if (!(existsSync(marker) && existsSync(path) && readFileSync(marker, 'utf8') === tag && datasetHolds(core, audio, path, set.count))) {
      removePath(marker);
      progress(`  writing ${path} (${set.count} ${set.seconds}-s clips, ${format})`);
      const started = performance.now();
      const field = audio[format]({ sampleRate: SAMPLE_RATE });
      const records = set.files.wav.map((wav) => ({ audio: wav }));
      const previous = process.env.TESSERA_FFMPEG;
      process.env.TESSERA_FFMPEG = ffmpeg.path; // the writer encodes with the ffmpeg that made the files
      try {
        // Each value of a chunk spawns its own ffmpeg at once: small chunks keep that to a few processes.
        await core.writeDataset(path, { audio: field }, records, { workers: 2, chunkSize: WRITE_CHUNK_SIZE });
      } finally {
        if (previous === undefined) delete process.env.TESSERA_FFMPEG;
        else process.env.TESSERA_FFMPEG = previous;
      }
      writeFileSync(marker, tag);
      progress(`    ${((performance.now() - started) / 1000).toFixed(1)} s, ${(statSync(path).size / 1e6).toFixed(1)} MB`);
    }
    betons[format] = path;
  }
  return betons;
}

function datasetHolds(core, audio, path, count) {
  try {
    const dataset = core.openDataset(path, { plugins: [audio.audioPlugin()] });
    try {
      return dataset.numSamples === count;
    } finally {
      dataset.close();
    }
  } catch {
    return false;
  }
}

/** Total bytes of a list of files. */
export function totalByteLength(paths) {
  return paths.reduce((sum, path) => sum + statSync(path).size, 0);
}
