#!/usr/bin/env node
/**
 * Log-mel speed, one thread: seconds of 16 kHz audio turned into 80-bin log10 mels (n_fft 400,
 * hop 160) per second of wall time, for Tessera's JS DSP and, when Debian's torchaudio is
 * installed, torchaudio in the same run (torch.set_num_threads(1)).
 *
 *   npx tsup src/dsp/index.ts --format esm -d /tmp/dspbuild && node scripts/mel-speed.mjs [/tmp/dspbuild/index.js]
 *
 * Both sides are timed in CPU time of the process (process.cpuUsage, time.process_time), best of
 * 5 trials of ≥ 0.4 s: on one thread that equals wall time on an idle machine and stays meaningful
 * on a loaded one (shared caches still cost a little). A report, not a test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const modulePath = process.argv[2] ?? '/tmp/dspbuild/index.js';
const { createMelSpectrogram, createKaldiFbank, melSpectrogramPreset } = await import(pathToFileURL(modulePath).href);

const SAMPLE_RATE = 16000;
const CLIP_SECONDS = 10;
const clip = new Float32Array(SAMPLE_RATE * CLIP_SECONDS);
let state = 12345;
for (let index = 0; index < clip.length; index++) {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  clip[index] = 0.5 * Math.sin((2 * Math.PI * 440 * index) / SAMPLE_RATE) + 0.1 * (state / 2 ** 32 - 0.5);
}

function cpuSeconds() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

function measure(name, plan) {
  const out = new Float32Array(plan.melCount * plan.frameCount(clip.length));
  const frames = plan.frameCount(clip.length);
  for (let round = 0; round < 20; round++) plan.compute(clip, 0, clip.length, out, 0, frames); // warm-up
  let best = 0;
  for (let trial = 0; trial < 5; trial++) {
    const start = cpuSeconds();
    let processed = 0;
    while (cpuSeconds() - start < 0.4) {
      plan.compute(clip, 0, clip.length, out, 0, frames);
      processed += CLIP_SECONDS;
    }
    best = Math.max(best, processed / (cpuSeconds() - start));
  }
  console.log(`${name.padEnd(44)} ${Math.round(best).toString().padStart(7)} s of audio / s`);
}

measure('tessera log10 mel (htk, 400/160, 80)', createMelSpectrogram({ nFft: 400, hopLength: 160, nMels: 80, log: 'log10' }));
measure('tessera whisper log-mel (80)', createMelSpectrogram(melSpectrogramPreset('whisper')));
measure('tessera kaldi fbank (80, 512-point FFT)', createKaldiFbank({ nMels: 80 }));

const python = '/usr/bin/python3';
if (existsSync(python)) {
  const program = `
import time, torch, torchaudio
torch.set_num_threads(1)
x = torch.from_numpy(__import__('numpy').random.default_rng(0).standard_normal(${clip.length}).astype('float32'))
def run(name, f):
    for _ in range(5): f()
    best = 0
    for _ in range(5):
        start = time.process_time(); n = 0
        while time.process_time() - start < 0.4:
            f(); n += ${CLIP_SECONDS}
        best = max(best, n / (time.process_time() - start))
    print(f"{name:44s} {best:7.0f} s of audio / s")
mel = torchaudio.transforms.MelSpectrogram(sample_rate=16000, n_fft=400, hop_length=160, n_mels=80)
run('torchaudio log10 mel (htk, 400/160, 80)', lambda: torch.clamp(mel(x), min=1e-10).log10())
run('torchaudio kaldi fbank (80)', lambda: torchaudio.compliance.kaldi.fbank(x.unsqueeze(0), num_mel_bins=80))
`;
  try {
    // OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on this machine for old OpenBLAS builds) slow torch's
    // matrix product; the baseline runs without them, so it is not handicapped.
    const env = { ...process.env };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    process.stdout.write(execFileSync(python, ['-c', program], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    console.log('torchaudio: not measured (python3-torchaudio missing or failing)');
  }
}
