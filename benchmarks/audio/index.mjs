/**
 * audio: @tessera/audio against Python's soundfile (libsndfile) and torchaudio, ffmpeg per clip and
 * the WASM decoders used naively, all in one run, on deterministic 16 kHz mono clips generated once
 * into .bench-data/ (clips.mjs: espeak-ng speech, or ffmpeg lavfi without it).
 *
 *   pnpm bench audio [--quick] [--repeats N] [--only flac,lossy,crop,mel,pipeline]
 *
 * Sections (clips/s; seconds of audio per second for log-mel):
 *   flac      FLAC decode of 1-s and 10-s clips, whole clips: Tessera's loader (decoder 'waveform',
 *             batch 32, random order) with 0/1/2 workers | soundfile.read over the .flac files,
 *             multiprocessing Pool(2) | ffmpeg per clip (50 clips, 2 in flight) | the WASM decoder with
 *             a fresh instance per file (1 thread).
 *   lossy     the same rows for Opus (.ogg) and MP3, 1-s clips.
 *   crop      a 2-s random crop of 30-s FLAC clips against decoding the whole 30-s clips (Tessera,
 *             2 workers), soundfile's sf.read(start=, frames=) beside it.
 *   mel       log-mel alone over float32 audio in memory (10-s clips; n_fft 400, hop 160, 80 mels,
 *             torchaudio preset, log10): Tessera's DSP on one thread vs torchaudio with
 *             torch.set_num_threads(1), one process.
 *   pipeline  FLAC file → log-mel (10-s clips): Tessera's loader (waveform + logMel) with 1 and 2
 *             workers vs soundfile + torchaudio in 2 processes (each torch.set_num_threads(1)).
 * The 1 → 2 worker scaling of FLAC decode and of FLAC → log-mel comes from the flac and pipeline rows.
 * Without soundfile/torchaudio in /usr/bin/python3 the figures measured earlier on this machine are
 * printed instead, marked "reference, not measured".
 *
 * Figures are best of N interleaved rounds (the machine is shared), medians alongside; the load
 * average is reported. Last stdout line: the JSON result.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { createBenchRun, formatCount, formatRatio, parseBenchOptions, printTable, progress } from '../lib/index.mjs';
import { core, coreSource } from '../lib/tessera-core.mjs';
import { SAMPLE_RATE, ensureClipDatasets, ensureClips, findFfmpeg, totalByteLength } from './clips.mjs';
import { ffmpegPerClip, naiveWasm, tesseraLoader, tesseraMelMemory } from './contenders.mjs';
import { measureRounds } from './measure-rounds.mjs';
import { PYTHON, probePython, startPythonPeers } from './python-peers.mjs';

const BENCH = 'audio';
const SECTIONS = ['flac', 'lossy', 'crop', 'mel', 'pipeline'];
/** The log-mel of every log-mel row: torchaudio's MelSpectrogram at n_fft 400, hop 160, 80 mels, then log10(max(x, 1e-10)). */
const MEL_PARAMS = { nFft: 400, hopLength: 160, nMels: 80 };
const GOALS = { vsSoundfile: 1.0, melVsTorchaudio: 1.0, pipelineVsPython: 1.0, scaling: 1.7, crop: 5.0 };
/**
 * The Python figures measured earlier on this machine (2 processes; log-mel 1 thread), printed when
 * /usr/bin/python3 lacks soundfile or torchaudio. Ranges are [low, high]; goals are judged against high.
 */
const PYTHON_REFERENCE = {
  flac1s: [6770, 6770],
  flac10s: [955, 984],
  opus1s: [400, 400],
  mp31s: [4814, 4934],
  melSecondsPerSecond: [5800, 5900],
  pipelineSecondsPerSecond: [3050, 3257],
};
const CROP_SECONDS = 2;
const FFMPEG_SAMPLE = 50;
const NAIVE_SAMPLE = 100;

const options = parseBenchOptions({ usage: 'pnpm bench audio [--quick] [--repeats N] [--only flac,lossy,crop,mel,pipeline]', sections: SECTIONS });
const { quick, sections } = options;
const repeats = options.repeats ?? (quick ? 2 : 5);
const counts = { '1s': quick ? 200 : 500, '10s': 100, '30s': 50 };

const ffmpeg = await findFfmpeg();
if (ffmpeg === undefined) {
  console.error('audio benchmark: no ffmpeg (set TESSERA_FFMPEG, or apt-get install ffmpeg); it makes the clips and the Tessera datasets');
  process.exit(2);
}
let audio;
try {
  audio = await import('@tessera/audio');
} catch (error) {
  console.error(`@tessera/audio is not built (${error.message.split('\n')[0]}); run \`npx -y pnpm@10 build\` first`);
  process.exit(2);
}

const python = probePython();
const benchRun = createBenchRun(BENCH, {
  quick,
  repeats,
  core: coreSource,
  audioPackage: audio.audioPlugin().version,
  // which decoders ran: the native addon (FLAC in C, MP3 by minimp3) or JS/WASM (TESSERA_AUDIO_BACKEND=js)
  audioBackend: (({ flac, mp3, reason }) => ({ flac, mp3, reason }))(audio.audioBackend()),
  ffmpeg: `${ffmpeg.path} ${ffmpeg.version} (${ffmpeg.source})`,
  python: PYTHON,
  pythonSoundfile: python.soundfile,
  pythonTorchaudio: python.torchaudio,
  pythonReason: python.reason ?? null,
  batchSize: 32,
  melParams: MEL_PARAMS,
});
const { metrics } = benchRun;
const peers = python.soundfile ? startPythonPeers() : undefined;
if (peers !== undefined) metrics.pythonVersions = await peers.request({ op: 'hello' });
else progress(`python peers unavailable: ${python.reason}; printing reference figures (apt-get install python3-soundfile python3-torchaudio)`);

progress(`audio decoders: FLAC ${metrics.audioBackend.flac}, MP3 ${metrics.audioBackend.mp3} (${metrics.audioBackend.reason}; TESSERA_AUDIO_BACKEND=js measures the JavaScript/WebAssembly path)`);
progress(`clips: ${counts['1s']} × 1 s, ${counts['10s']} × 10 s, ${counts['30s']} × 30 s at ${SAMPLE_RATE} Hz; ffmpeg ${ffmpeg.path}`);
const clips = await ensureClips(counts, { ffmpeg });
metrics.clips = { generator: clips.generator, directory: clips.directory, counts };
const datasets = {};
const datasetsOf = async (name, formats) => {
  datasets[name] = { ...datasets[name], ...(await ensureClipDatasets(clips, name, { audio, core, ffmpeg, formats })) };
  return datasets[name];
};

const goals = [];
try {
  if (sections.has('flac')) {
    metrics.flac1s = await benchDecode('flac', '1s', { epochs: epochsFor('1s', quick ? 1000 : 2000), referenceKey: 'flac1s' });
    metrics.flac10s = await benchDecode('flac', '10s', { epochs: 3, referenceKey: 'flac10s' });
  }
  if (sections.has('lossy')) {
    metrics.opus1s = await benchDecode('opus', '1s', { epochs: 1, referenceKey: 'opus1s' });
    metrics.mp31s = await benchDecode('mp3', '1s', { epochs: epochsFor('1s', quick ? 1000 : 2000), referenceKey: 'mp31s' });
  }
  if (sections.has('crop')) metrics.crop = await benchCrop();
  if (sections.has('mel')) metrics.mel = await benchMel();
  if (sections.has('pipeline')) metrics.pipeline = await benchPipeline();
} finally {
  await peers?.close();
}
metrics.scaling = reportScaling();
metrics.goals = reportGoals();
benchRun.finish();

function epochsFor(name, clipsPerRun) {
  return Math.max(1, Math.ceil(clipsPerRun / counts[name]));
}

/** Runs `contenders` interleaved (start() before, close() after) and returns per-id figures; `seconds` is the clip length. */
async function measureSection(title, contenders, seconds) {
  for (const contender of contenders) await contender.start();
  const [loadAtStart] = loadavg();
  progress(`${title}: ${contenders.length} contenders, 1 warmup + ${repeats} rounds (load average ${loadAtStart.toFixed(2)})`);
  let timings;
  try {
    timings = await measureRounds(contenders, { warmup: 1, repeats, onRound: (round) => progress(`  ${round}`) });
  } finally {
    for (const contender of contenders) await contender.close();
  }
  const figures = {};
  const [loadAtEnd] = loadavg();
  metrics.loadAverageBySection ??= {};
  metrics.loadAverageBySection[title] = { start: loadAtStart, end: loadAtEnd };
  if (Math.max(loadAtStart, loadAtEnd) > availableParallelism()) {
    console.log(`\n(${title}: load average ${loadAtStart.toFixed(1)} → ${loadAtEnd.toFixed(1)} on ${availableParallelism()} cores: other processes shared the cores, so these figures, and 1 → 2 worker scaling above all, are lower than on an idle machine)`);
  }
  for (const contender of contenders) {
    const { bestMs, medianMs } = timings.get(contender.id);
    const clipsPerSecond = contender.clipsPerRun / (bestMs / 1000);
    figures[contender.id] = {
      label: contender.label,
      clipsPerSecond,
      medianClipsPerSecond: contender.clipsPerRun / (medianMs / 1000),
      audioSecondsPerSecond: clipsPerSecond * seconds,
      clipsPerRun: contender.clipsPerRun,
      bestMs,
      medianMs,
    };
  }
  return figures;
}

/** A peer row measured, or the reference range when Python lacks the module: { value, measured, text }. */
function peerFigure(measured, referenceKey, unitScale = 1) {
  if (measured !== undefined) return { value: measured, measured: true };
  const [low, high] = PYTHON_REFERENCE[referenceKey];
  return { value: high * unitScale, low: low * unitScale, measured: false };
}

function countText(value) {
  return Number.isFinite(value) ? formatCount(value) : '—';
}

function peerText(figure) {
  if (figure.measured || figure.low === figure.value) return countText(figure.value);
  return `${countText(figure.low)}–${countText(figure.value)}`;
}

function addGoal(name, ratio, target, basis) {
  goals.push({ name, ratio, target, met: Number.isFinite(ratio) && ratio >= target, basis });
}

async function benchDecode(format, setName, { epochs, referenceKey }) {
  const betons = await datasetsOf(setName, [format]);
  const set = clips.sets[setName];
  const seconds = set.seconds;
  const files = set.files[format];
  const contenders = [0, 1, 2].map((workers) =>
    tesseraLoader(audio, betons[format], { id: `tessera${workers}`, label: `Tessera loader, ${workers} worker${workers === 1 ? '' : 's'}`, workers, epochs }),
  );
  const placementOf = contenders[2].placement;
  if (peers !== undefined) {
    contenders.push(peers.contender({ id: 'soundfile', label: 'soundfile.read, Pool(2)', task: 'decode', files, epochs }));
    // The machine's own 1 → 2 process scaling right now, beside Tessera's (FLAC only).
    if (format === 'flac') contenders.push(peers.contender({ id: 'soundfile1', label: 'soundfile.read, Pool(1)', task: 'decode', files, epochs, processes: 1 }));
  }
  contenders.push(ffmpegPerClip(ffmpeg.path, files.slice(0, FFMPEG_SAMPLE), { id: 'ffmpeg', label: `ffmpeg per clip (${Math.min(FFMPEG_SAMPLE, files.length)} clips, 2 in flight)` }));
  contenders.push(naiveWasm(format, files.slice(0, Math.min(files.length, seconds > 1 ? NAIVE_SAMPLE / 2 : NAIVE_SAMPLE)), { id: 'naiveWasm' }));
  let placement;
  const originalClose = contenders[2].close;
  contenders[2].close = async () => {
    placement = placementOf().audio;
    await originalClose();
  };
  const figures = await measureSection(`${format} ${setName}`, contenders, seconds);
  const soundfile = peerFigure(figures.soundfile?.clipsPerSecond, referenceKey);
  const tessera2 = figures.tessera2.clipsPerSecond;
  const ratio = tessera2 / soundfile.value;
  const rows = Object.entries(figures).map(([, figure]) => [figure.label, countText(figure.clipsPerSecond), countText(figure.medianClipsPerSecond), formatRatio(figure.clipsPerSecond / soundfile.value)]);
  if (!soundfile.measured) rows.push(['soundfile.read, Pool(2) (reference, not measured)', peerText(soundfile), '', '1.00×']);
  printTable(
    `${format.toUpperCase()} decode, ${set.count} × ${seconds}-s clips (${(totalByteLength(files) / 1e6).toFixed(1)} MB of .${format === 'opus' ? 'ogg' : format} files from ffmpeg, ${(totalByteLength([betons[format]]) / 1e6).toFixed(1)} MB .beton from Tessera's writer), whole clips, best of ${repeats}`,
    ['contender', 'clips/s', 'median', 'vs soundfile'],
    rows,
  );
  const goalName = `${format.toUpperCase()} ${setName} decode: Tessera 2 workers / soundfile Pool(2)`;
  addGoal(goalName, ratio, GOALS.vsSoundfile, soundfile.measured ? 'measured' : 'reference');
  console.log(`${goalName} ${formatRatio(ratio)} (goal ≥ ${GOALS.vsSoundfile}: ${ratio >= GOALS.vsSoundfile ? 'met' : 'MISSED'}${soundfile.measured ? '' : ', against the reference figure'}); decoder placement with 2 workers: ${placement?.thread ?? '?'}`);
  return {
    contenders: figures,
    fileByteLength: totalByteLength(files),
    betonByteLength: totalByteLength([betons[format]]),
    soundfile,
    tesseraVsSoundfile: ratio,
    scaling1to2: tessera2 / figures.tessera1.clipsPerSecond,
    placementWith2Workers: placement ?? null,
    goalMet: ratio >= GOALS.vsSoundfile,
  };
}

async function benchCrop() {
  const betons = await datasetsOf('30s', ['flac']);
  const set = clips.sets['30s'];
  const files = set.files.flac;
  const cropEpochs = 10;
  const wholeEpochs = 2;
  const contenders = [
    tesseraLoader(audio, betons.flac, { id: 'tesseraCrop', label: `Tessera ${CROP_SECONDS}-s random crop, 2 workers`, workers: 2, epochs: cropEpochs, decoderOptions: { seconds: CROP_SECONDS, crop: 'random' } }),
    tesseraLoader(audio, betons.flac, { id: 'tesseraWhole', label: 'Tessera whole 30-s clips, 2 workers', workers: 2, epochs: wholeEpochs }),
  ];
  if (peers !== undefined) {
    const lengths = files.map(() => set.seconds * SAMPLE_RATE);
    contenders.push(peers.contender({ id: 'soundfileCrop', label: `soundfile sf.read(start=, frames=${CROP_SECONDS * SAMPLE_RATE}), Pool(2)`, task: 'crop', files, epochs: cropEpochs, extra: { lengths, frames: CROP_SECONDS * SAMPLE_RATE, seed: 7 } }));
    contenders.push(peers.contender({ id: 'soundfileWhole', label: 'soundfile whole 30-s clips, Pool(2)', task: 'decode', files, epochs: wholeEpochs }));
  }
  const figures = await measureSection('crop', contenders, set.seconds);
  const ratio = figures.tesseraCrop.clipsPerSecond / figures.tesseraWhole.clipsPerSecond;
  const soundfileRatio = peers === undefined ? undefined : figures.soundfileCrop.clipsPerSecond / figures.soundfileWhole.clipsPerSecond;
  const rows = Object.values(figures).map((figure) => [figure.label, countText(figure.clipsPerSecond), countText(figure.medianClipsPerSecond)]);
  printTable(`crop: ${CROP_SECONDS}-s random window of ${set.count} × 30-s FLAC clips vs whole clips, best of ${repeats}`, ['contender', 'clips/s', 'median'], rows);
  const vsSoundfile = peers === undefined ? undefined : figures.tesseraCrop.clipsPerSecond / figures.soundfileCrop.clipsPerSecond;
  console.log(
    `crop/whole: Tessera ${formatRatio(ratio)} (goal ≥ ${GOALS.crop}: ${ratio >= GOALS.crop ? 'met' : 'MISSED'}), soundfile ${formatRatio(soundfileRatio)}; Tessera crop / soundfile crop ${formatRatio(vsSoundfile)}`,
  );
  addGoal('crop 2 s of 30 s: Tessera crop / Tessera whole (2 workers)', ratio, GOALS.crop, 'measured');
  return { contenders: figures, tesseraCropVsWhole: ratio, soundfileCropVsWhole: soundfileRatio ?? null, tesseraCropVsSoundfileCrop: vsSoundfile ?? null, goalMet: ratio >= GOALS.crop };
}

/** The 10-s WAV clips as float32 (int16 / 32768, as soundfile reads them). */
function readWavClips(paths) {
  return paths.map((path) => {
    const bytes = readFileSync(path);
    const dataOffset = bytes.indexOf('data', 12, 'latin1') + 8;
    const pcm = new Int16Array(bytes.buffer.slice(bytes.byteOffset + dataOffset, bytes.byteOffset + bytes.byteLength));
    return Float32Array.from(pcm, (value) => value / 32768);
  });
}

async function benchMel() {
  const set = clips.sets['10s'];
  const epochs = 2;
  const wavClips = readWavClips(set.files.wav);
  const params = { ...audio.melSpectrogramPreset('torchaudio'), ...MEL_PARAMS, sampleRate: SAMPLE_RATE };
  const contenders = [tesseraMelMemory(audio, wavClips, { id: 'tesseraDsp', label: 'Tessera createMelSpectrogram (torchaudio preset), 1 thread', epochs, params })];
  if (peers !== undefined && python.torchaudio) {
    contenders.push(peers.contender({ id: 'torchaudio', label: 'torchaudio MelSpectrogram + log10, set_num_threads(1)', task: 'mel-memory', files: set.files.wav, epochs }));
  }
  const figures = await measureSection(`log-mel in memory (${set.count} × 10 s)`, contenders, set.seconds);
  const torchaudio = peerFigure(figures.torchaudio?.audioSecondsPerSecond, 'melSecondsPerSecond');
  const ratio = figures.tesseraDsp.audioSecondsPerSecond / torchaudio.value;
  const rows = Object.values(figures).map((figure) => [figure.label, countText(figure.audioSecondsPerSecond), countText(figure.medianClipsPerSecond * set.seconds), formatRatio(figure.audioSecondsPerSecond / torchaudio.value)]);
  if (!torchaudio.measured) rows.push(['torchaudio, 1 thread (reference, not measured)', peerText(torchaudio), '', '1.00×']);
  printTable(`log-mel only (n_fft 400, hop 160, 80 mels, log10), float32 audio in memory, one thread, best of ${repeats}`, ['contender', 'audio s/s', 'median', 'vs torchaudio'], rows);
  const goalName = 'log-mel in memory: Tessera / torchaudio, 1 thread';
  console.log(`${goalName} ${formatRatio(ratio)} (goal ≥ ${GOALS.melVsTorchaudio}: ${ratio >= GOALS.melVsTorchaudio ? 'met' : 'MISSED'})`);
  addGoal(goalName, ratio, GOALS.melVsTorchaudio, torchaudio.measured ? 'measured' : 'reference');
  return { contenders: figures, torchaudio, tesseraVsTorchaudio: ratio, goalMet: ratio >= GOALS.melVsTorchaudio };
}

async function benchPipeline() {
  const betons = await datasetsOf('10s', ['flac']);
  const set = clips.sets['10s'];
  const epochs = 2;
  const operations = [audio.logMel({ preset: 'torchaudio', ...MEL_PARAMS, sampleRate: SAMPLE_RATE })];
  const contenders = [1, 2].map((workers) =>
    tesseraLoader(audio, betons.flac, { id: `tessera${workers}`, label: `Tessera loader waveform + logMel, ${workers} worker${workers === 1 ? '' : 's'}`, workers, epochs, operations }),
  );
  if (peers !== undefined && python.torchaudio) {
    contenders.push(peers.contender({ id: 'python', label: 'soundfile + torchaudio, Pool(2), set_num_threads(1)', task: 'logmel', files: set.files.flac, epochs }));
    contenders.push(peers.contender({ id: 'python1', label: 'soundfile + torchaudio, Pool(1), set_num_threads(1)', task: 'logmel', files: set.files.flac, epochs, processes: 1 }));
  }
  const figures = await measureSection(`FLAC → log-mel (${set.count} × 10 s)`, contenders, set.seconds);
  const peer = peerFigure(figures.python?.audioSecondsPerSecond, 'pipelineSecondsPerSecond');
  const ratio = figures.tessera2.audioSecondsPerSecond / peer.value;
  const rows = Object.values(figures).map((figure) => [figure.label, countText(figure.audioSecondsPerSecond), countText(figure.medianClipsPerSecond * set.seconds), formatRatio(figure.audioSecondsPerSecond / peer.value)]);
  if (!peer.measured) rows.push(['soundfile + torchaudio, 2 processes (reference, not measured)', peerText(peer), '', '1.00×']);
  printTable(`FLAC file → log-mel [80, frames] (10-s clips, batch 32, random order), best of ${repeats}`, ['contender', 'audio s/s', 'median', 'vs Python'], rows);
  const goalName = 'FLAC → log-mel: Tessera 2 workers / soundfile + torchaudio 2 processes';
  console.log(`${goalName} ${formatRatio(ratio)} (goal ≥ ${GOALS.pipelineVsPython}: ${ratio >= GOALS.pipelineVsPython ? 'met' : 'MISSED'})`);
  addGoal(goalName, ratio, GOALS.pipelineVsPython, peer.measured ? 'measured' : 'reference');
  return { contenders: figures, python: peer, tesseraVsPython: ratio, scaling1to2: figures.tessera2.clipsPerSecond / figures.tessera1.clipsPerSecond, goalMet: ratio >= GOALS.pipelineVsPython };
}

function reportScaling() {
  const entries = [
    ['FLAC 1-s decode', metrics.flac1s],
    ['FLAC 10-s decode', metrics.flac10s],
    ['FLAC → log-mel (10 s)', metrics.pipeline],
  ].filter(([, section]) => section !== undefined);
  if (entries.length === 0) return undefined;
  const scaling = {};
  const rows = entries.map(([name, section]) => {
    const one = section.contenders.tessera1.clipsPerSecond;
    const two = section.contenders.tessera2.clipsPerSecond;
    const { soundfile: peerTwo, soundfile1: peerOne, python: pipelineTwo, python1: pipelineOne } = section.contenders;
    const peerRatio = peerOne !== undefined ? peerTwo.clipsPerSecond / peerOne.clipsPerSecond : pipelineOne !== undefined ? pipelineTwo.clipsPerSecond / pipelineOne.clipsPerSecond : undefined;
    scaling[name] = { workers1: one, workers2: two, ratio: two / one, pythonProcesses1to2: peerRatio ?? null };
    addGoal(`scaling 1 → 2 workers: ${name}`, two / one, GOALS.scaling, 'measured');
    return [name, countText(one), countText(two), formatRatio(two / one), two / one >= GOALS.scaling ? 'met' : 'MISSED', formatRatio(peerRatio)];
  });
  printTable(`1 → 2 worker scaling (clips/s; goal ≥ ${GOALS.scaling}×), beside Python's 1 → 2 processes in the same run`, ['path', '1 worker', '2 workers', 'ratio', 'goal', 'Python 1 → 2'], rows);
  return scaling;
}

function reportGoals() {
  printTable(
    'goals',
    ['goal', 'measured', 'target', 'met', 'basis'],
    goals.map((goal) => [goal.name, formatRatio(goal.ratio), `≥ ${goal.target.toFixed(1)}×`, goal.met ? 'yes' : 'NO', goal.basis === 'measured' ? 'measured' : 'reference, not measured']),
  );
  return goals;
}
