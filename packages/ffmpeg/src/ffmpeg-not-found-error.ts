import { TesseraError } from '@tessera/core';

/** One link of the ffmpeg resolution chain and why it gave no usable binary. */
export interface FfmpegAttempt {
  /** 'ffmpegPath option', 'TESSERA_FFMPEG', 'ffmpeg-static', '@ffmpeg-installer/ffmpeg', 'PATH'. */
  link: string;
  /** The binary looked at, when the link named one. */
  path?: string;
  reason: string;
}

export const FFMPEG_FIXES = [
  'point TESSERA_FFMPEG at an ffmpeg binary (TESSERA_FFMPEG=/path/to/ffmpeg), or pass ffmpegPath',
  'npm i @ffmpeg-installer/ffmpeg (ships a static ffmpeg inside the npm package)',
  'install one on PATH: apt install ffmpeg, brew install ffmpeg, or choco install ffmpeg',
];

/** No usable ffmpeg: lists every link of the chain that was tried, why each failed, and the fixes. */
export class FfmpegNotFoundError extends TesseraError {
  readonly attempts: readonly FfmpegAttempt[];

  /** `purpose` says what ffmpeg was needed for ('to decode, resample and encode audio'). */
  constructor(attempts: readonly FfmpegAttempt[], note?: string, purpose?: string) {
    const tried = attempts.map((attempt) => `  - ${attempt.link}${attempt.path === undefined ? '' : ` (${attempt.path})`}: ${attempt.reason}`).join('\n');
    const fixes = FFMPEG_FIXES.map((fix) => `  - ${fix}`).join('\n');
    super(
      'E_FFMPEG_NOT_FOUND',
      `ffmpeg is needed${purpose === undefined ? '' : ` ${purpose}`}, and none was found${note === undefined ? '' : ` (${note})`}. Tried:\n${tried}\nFixes:\n${fixes}`,
    );
    this.name = 'FfmpegNotFoundError';
    this.attempts = attempts;
  }
}
