/**
 * Mel scales:
 * - 'htk': 2595·log10(1 + f/700)
 * - 'slaney' (Auditory Toolbox, librosa's default, torchaudio's 'slaney'): linear 3 mels per
 *   200 Hz below 1 kHz, logarithmic above (27 mels per factor 6.4)
 * - 'kaldi': 1127·ln(1 + f/700) (the HTK curve in natural log, as Kaldi and torchaudio.compliance.kaldi use it)
 */
export type MelScale = 'htk' | 'slaney' | 'kaldi';

const SLANEY_HZ_PER_MEL = 200 / 3;
const SLANEY_MIN_LOG_HZ = 1000;
const SLANEY_MIN_LOG_MEL = SLANEY_MIN_LOG_HZ / SLANEY_HZ_PER_MEL;
const SLANEY_LOG_STEP = Math.log(6.4) / 27;

export function hzToMel(frequencyHz: number, scale: MelScale): number {
  switch (scale) {
    case 'htk':
      return 2595 * Math.log10(1 + frequencyHz / 700);
    case 'kaldi':
      return 1127 * Math.log(1 + frequencyHz / 700);
    default:
      return frequencyHz >= SLANEY_MIN_LOG_HZ ? SLANEY_MIN_LOG_MEL + Math.log(frequencyHz / SLANEY_MIN_LOG_HZ) / SLANEY_LOG_STEP : frequencyHz / SLANEY_HZ_PER_MEL;
  }
}

export function melToHz(mel: number, scale: MelScale): number {
  switch (scale) {
    case 'htk':
      return 700 * (10 ** (mel / 2595) - 1);
    case 'kaldi':
      return 700 * (Math.exp(mel / 1127) - 1);
    default:
      return mel >= SLANEY_MIN_LOG_MEL ? SLANEY_MIN_LOG_HZ * Math.exp(SLANEY_LOG_STEP * (mel - SLANEY_MIN_LOG_MEL)) : SLANEY_HZ_PER_MEL * mel;
  }
}
