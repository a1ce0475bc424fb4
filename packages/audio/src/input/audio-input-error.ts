import { TesseraError } from '@tessera/core';

export interface AudioInputErrorDetails {
  /** The input as the user named it: a file path, `bytes (N bytes)`, `PCM (N samples at R Hz)`. */
  input?: string;
  /** 1-based line of the manifest that named the input. */
  line?: number;
  /** ffmpeg's last stderr lines, when ffmpeg failed. */
  stderr?: string;
  cause?: unknown;
}

/**
 * An audio input cannot be loaded: unreadable or undecodable (E_AUDIO_INPUT), or PCM at another rate
 * than the field's with resampling off (E_AUDIO_SAMPLE_RATE). Names the input and, when ffmpeg
 * failed, carries its last stderr lines.
 */
export class AudioInputError extends TesseraError {
  readonly input: string | undefined;
  readonly line: number | undefined;
  readonly stderr: string | undefined;

  constructor(code: 'E_AUDIO_INPUT' | 'E_AUDIO_SAMPLE_RATE', message: string, details: AudioInputErrorDetails = {}) {
    const where = details.input === undefined ? '' : details.line === undefined ? `${details.input}: ` : `${details.input} (line ${details.line}): `;
    const stderr = details.stderr === undefined || details.stderr.length === 0 ? '' : `\nffmpeg said:\n${indent(details.stderr)}`;
    super(code, `${where}${message}${stderr}`, { cause: details.cause });
    this.name = 'AudioInputError';
    this.input = details.input;
    this.line = details.line;
    this.stderr = details.stderr;
  }
}

const indent = (text: string): string =>
  text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
