import { readFileSync, readdirSync } from 'node:fs';
import * as audio from '@tessera/audio';
import { describe, expect, it } from 'vitest';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

describe('package hygiene', () => {
  it('is ESM with types first, built to one bundled file (the plugin and operation origin)', () => {
    expect(packageJson.type).toBe('module');
    expect(packageJson.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(packageJson.files).toContain('dist');
    expect(readdirSync(new URL('../dist/', import.meta.url)).filter((name) => name.endsWith('.js'))).toEqual(['index.js']);
    expect(audio.audioPlugin().origin).toEqual({ module: expect.stringMatching(/\/dist\/index\.js$/), exportName: 'audioPlugin', options: {} });
    // Operations are rebuilt in decode workers from the same module, by their export name.
    for (const operation of [audio.logMel({ preset: 'whisper' }), audio.specAugment({ preset: 'lhotse' }), audio.gain({ db: 3 }), audio.mixdown()]) {
      const origin = operation.origin!;
      expect(origin.module).toMatch(/\/dist\/index\.js$/);
      expect(typeof (audio as Record<string, unknown>)[origin.exportName]).toBe('function');
    }
  });

  it('peer-depends on @tessera/core; ffmpeg comes through @tessera/ffmpeg (whose binaries are optional), minimp3 (the native MP3 source) is optional, the WebAssembly decoders are dependencies', () => {
    expect(packageJson.peerDependencies).toEqual({ '@tessera/core': 'workspace:^' });
    expect(Object.keys(packageJson.dependencies).sort()).toEqual(['@tessera/ffmpeg', 'mpg123-decoder', 'opus-decoder']);
    expect(Object.keys(packageJson.optionalDependencies).sort()).toEqual(['minimp3']);
    // the native addon builds at install from what the package ships, and never fails the install
    expect(packageJson.scripts.install).toBe('node scripts/build-native.mjs');
    expect(packageJson.files).toEqual(expect.arrayContaining(['dist', 'native/tessera-audio.c', 'scripts', 'binding.gyp']));
  });

  it('names the plugin after the package, with five codecs', () => {
    const plugin = audio.audioPlugin();
    expect(plugin).toMatchObject({ specVersion: 1, name: packageJson.name, version: packageJson.version });
    expect(plugin.codecs.map((codec) => codec.id)).toEqual(['audio/waveform', 'audio/compressed', 'audio/spectrogram', 'audio/codec-tokens', 'audio/alignments']);
    expect(audio.audioPlugin()).toBe(plugin);
    expect(() => audio.audioPlugin({ ffmpeg: 'x' } as never)).toThrow(/no option "ffmpeg"/);
  });

  it('field constructors check their arguments when the writer normalizes them', () => {
    const codec = (id: string) => audio.audioPlugin().codecs.find((candidate) => candidate.id === id)!;
    expect(() => codec('audio/compressed').normalizeArguments!(audio.opus({ sampleRate: 44100 }).arguments)).toThrow(/Opus decodes at 8000, 12000, 16000, 24000, 48000 Hz only/);
    expect(() => codec('audio/waveform').normalizeArguments!(audio.waveform({ sampleRate: 16000, dtype: 'int8' as never }).arguments)).toThrow(/dtype must be one of/);
    expect(() => codec('audio/codec-tokens').normalizeArguments!(audio.codecTokens({ codec: 'x', frameRate: 75, codebooks: 8, codebookSize: 70000, dtype: 'int16' }).arguments)).toThrow(/int16 holds ids below 32768/);
    expect(() => audio.spectrogram({ preset: 'kaldi' as never })).toThrow(/preset must be 'torchaudio' or 'whisper'/);
  });

  it('exports the public API', () => {
    expect(Object.keys(audio).sort()).toEqual(
      [
        'AUDIO_EXTENSIONS', 'AUDIO_FIELD_KINDS', 'DEFAULT_FLAC_BLOCK_SIZE', 'encodeFlac', 'AudioFormatError', 'AudioInputError', 'FfmpegNotFoundError', 'LHOTSE_SPEC_AUGMENT', 'MP3_SAMPLE_RATES',
        'OPUS_SAMPLE_RATES', 'addNoise', 'alignments', 'audioBackend', 'audioPlugin', 'buildAudioDataset', 'codecTokens', 'compressedAudio', 'createFlacDecoder',
        'createKaldiFbank', 'createKaldiMelFilterbank', 'createMelFilterbank', 'createMelSpectrogram', 'createRealFft', 'createResampler',
        'createSpecAugment', 'createSpectrogram', 'createSpeedPerturbation', 'createWindow', 'encodeAudio', 'encodeFlacFile', 'ffmpegInfo', 'flac',
        'gain', 'hzToMel', 'listAudioFolder', 'loadAudio', 'logMel', 'melSpectrogram', 'melSpectrogramPreset', 'melToHz', 'mixNoiseField', 'mixdown',
        'mp3', 'opus', 'padOrTrim', 'parseFlacFile', 'readAudioManifest', 'resample', 'resolveFfmpeg', 'resolveMelSpectrogramParams', 'specAugment',
        'spectrogram', 'speedPerturb', 'stripFlacPadding', 'waveform',
      ].sort(),
    );
  });
});
