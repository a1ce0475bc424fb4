#!/usr/bin/env python3
"""Reference outputs of torchaudio for @tessera/audio's DSP tests (test/dsp-*.test.ts).

Run with Debian's interpreter (python3-torchaudio, python3-numpy):
    /usr/bin/python3 packages/audio/scripts/make-mel-references.py

Writes into test/fixtures/dsp/: the generated input clips and torchaudio's outputs as little-endian
float32 .bin files, plus index.json (shapes, parameters, versions). Deterministic: the clips come from
numpy's PCG64 with fixed seeds, torch runs on one thread, and no dither is used.

What is computed:
- mel-*: torchaudio.transforms.MelSpectrogram(n_fft 400, hop 160, 80 mels, both mel scales and
  both norms) followed by log10(clamp(x, 1e-10)); planar [n_mels, frames].
- torchaudio-defaults: MelSpectrogram() with all its defaults (hop 200, 128 HTK mels), log10.
- whisper: openai-whisper's log_mel_spectrogram re-stated here (whisper itself is not installed):
  torch.stft(n_fft 400, hop 160, periodic hann, center, reflect), |.|^2 without the last frame,
  Slaney-scale Slaney-normed filters (melscale_fbanks; whisper ships librosa's, the same filters
  up to float32 rounding), log10(clamp 1e-10), max(x, max - 8), (x + 4) / 4.
- fbank: torchaudio.compliance.kaldi.fbank(num_mel_bins=80), other arguments at their defaults
  (dither 0, povey, snip edges, 512-point FFT); stored transposed to planar [80, frames].
- spectrogram: torchaudio.transforms.Spectrogram(n_fft 400, hop 160, power 1) (linear magnitude).
- resample-*: torchaudio.functional.resample with its defaults (hann-windowed sinc, width 6,
  rolloff 0.99), and one with the Kaiser window.
"""
import json
import os
import sys

import numpy as np
import torch
import torchaudio

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'dsp')


def chirp_clip(sample_rate, count, seed, low_hz, high_hz):
    """A linear chirp from low_hz to high_hz, a 440 Hz tone, a silent stretch and white noise."""
    rng = np.random.Generator(np.random.PCG64(seed))
    t = np.arange(count, dtype=np.float64) / sample_rate
    duration = count / sample_rate
    phase = 2 * np.pi * (low_hz * t + (high_hz - low_hz) * t * t / (2 * duration))
    signal = 0.5 * np.sin(phase) + 0.2 * np.sin(2 * np.pi * 440 * t)
    signal *= np.minimum(1.0, 0.2 + t / duration)  # a rising envelope
    quiet = slice(count // 3, count // 3 + count // 20)
    signal[quiet] *= 1e-3  # ~60 dB down: exercises the log floor
    signal += 0.02 * rng.standard_normal(count)
    return signal.astype(np.float32)


def write_bin(name, array):
    array = np.ascontiguousarray(array, dtype='<f4')
    with open(os.path.join(OUT, name), 'wb') as handle:
        handle.write(array.tobytes())
    return name


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    clips = {
        'clip-16k-a': (16000, 16000 + 37, 1234, 60.0, 7600.0),
        'clip-16k-b': (16000, 7919, 98765, 3000.0, 200.0),
        'clip-44k': (44100, 22050 + 13, 555, 50.0, 20000.0),
        'clip-22k': (22050, 11025 + 7, 777, 80.0, 10000.0),
        'clip-8k': (8000, 4001, 4242, 100.0, 3900.0),
    }
    index = {
        'generator': 'scripts/make-mel-references.py',
        'torch': torch.__version__,
        'torchaudio': torchaudio.__version__,
        'numpy': np.__version__,
        'clips': {},
        'references': [],
    }
    waveforms = {}
    for name, (rate, count, seed, low, high) in clips.items():
        samples = chirp_clip(rate, count, seed, low, high)
        waveforms[name] = torch.from_numpy(samples)
        index['clips'][name] = {'file': write_bin(f'{name}.bin', samples), 'sampleRate': rate, 'samples': count}

    def add(name, kind, clip, params, tensor):
        array = tensor.detach().cpu().numpy().astype(np.float32)
        index['references'].append({'name': name, 'kind': kind, 'clip': clip, 'params': params, 'shape': list(array.shape), 'file': write_bin(f'{name}.bin', array)})

    for clip in ('clip-16k-a', 'clip-16k-b'):
        waveform = waveforms[clip]
        for scale in ('htk', 'slaney'):
            for norm in (None, 'slaney'):
                transform = torchaudio.transforms.MelSpectrogram(sample_rate=16000, n_fft=400, hop_length=160, n_mels=80, mel_scale=scale, norm=norm)
                mel = torch.clamp(transform(waveform), min=1e-10).log10()
                params = {'sampleRate': 16000, 'nFft': 400, 'hopLength': 160, 'nMels': 80, 'melScale': scale, 'norm': norm or 'none', 'log': 'log10'}
                add(f'mel-{scale}-{norm or "none"}-{clip}', 'mel-log10', clip, params, mel)
        # Whisper's log-mel, re-stated
        window = torch.hann_window(400)
        stft = torch.stft(waveform, 400, 160, window=window, return_complex=True)
        magnitudes = stft[..., :-1].abs() ** 2
        filters = torchaudio.functional.melscale_fbanks(201, 0.0, 8000.0, 80, 16000, norm='slaney', mel_scale='slaney').T
        log_spec = torch.clamp(filters @ magnitudes, min=1e-10).log10()
        log_spec = torch.maximum(log_spec, log_spec.max() - 8.0)
        add(f'whisper-{clip}', 'whisper', clip, {'preset': 'whisper', 'nMels': 80}, (log_spec + 4.0) / 4.0)
        fbank = torchaudio.compliance.kaldi.fbank(waveform.unsqueeze(0), num_mel_bins=80)
        add(f'fbank-{clip}', 'kaldi-fbank', clip, {'nMels': 80}, fbank.T)
    waveform = waveforms['clip-16k-a']
    mel = torch.clamp(torchaudio.transforms.MelSpectrogram()(waveform), min=1e-10).log10()
    add('torchaudio-defaults-clip-16k-a', 'mel-log10', 'clip-16k-a', {'preset': 'torchaudio'}, mel)
    spectrogram = torchaudio.transforms.Spectrogram(n_fft=400, hop_length=160, power=1)(waveforms['clip-16k-b'])
    add('spectrogram-clip-16k-b', 'spectrogram', 'clip-16k-b', {'nFft': 400, 'hopLength': 160, 'power': 1}, spectrogram)

    for clip, source, target in (('clip-44k', 44100, 16000), ('clip-22k', 22050, 16000), ('clip-16k-a', 16000, 8000), ('clip-8k', 8000, 16000)):
        resampled = torchaudio.functional.resample(waveforms[clip], source, target)
        add(f'resample-{source}-{target}', 'resample', clip, {'from': source, 'to': target, 'method': 'sinc-hann'}, resampled)
    kaiser = torchaudio.functional.resample(waveforms['clip-44k'], 44100, 16000, resampling_method='kaiser_window', beta=14.769656459379492)
    add('resample-44100-16000-kaiser', 'resample', 'clip-44k', {'from': 44100, 'to': 16000, 'method': 'kaiser', 'beta': 14.769656459379492}, kaiser)

    with open(os.path.join(OUT, 'index.json'), 'w') as handle:
        json.dump(index, handle, indent=1)
        handle.write('\n')
    total = sum(os.path.getsize(os.path.join(OUT, name)) for name in os.listdir(OUT))
    print(f'wrote {len(index["references"])} references and {len(clips)} clips, {total} bytes, into {os.path.normpath(OUT)}', file=sys.stderr)


if __name__ == '__main__':
    main()
