/**
 * Typed errors of @tessera/video. Codes are listed in @tessera/core's errors.ts and docs/errors.md.
 */
import { FormatError, TesseraError } from '@tessera/core';

/** Stored or input video contradicts its format (packet index, a packet the decoder rejects, …). */
export class VideoFormatError extends FormatError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('E_VIDEO_FORMAT', message, { cause: options.cause });
    this.name = 'VideoFormatError';
  }
}

export interface VideoInputErrorDetails {
  /** The input as the user gave it (a path, a manifest line). */
  input: string;
  cause?: unknown;
}

/** A video input cannot be read: missing, not a container FFmpeg opens, truncated, no video stream. */
export class VideoInputError extends TesseraError {
  readonly input: string;

  constructor(message: string, details: VideoInputErrorDetails) {
    super('E_VIDEO_INPUT', `${details.input}: ${message}`, { cause: details.cause });
    this.name = 'VideoInputError';
    this.input = details.input;
  }
}

export interface BackendAttempt {
  backend: string;
  reason: string;
}

/** No video backend can be loaded: lists every backend tried, why it failed, and the fixes. */
export class VideoBackendError extends TesseraError {
  readonly attempts: readonly BackendAttempt[];

  constructor(attempts: readonly BackendAttempt[]) {
    const tried = attempts.map((attempt) => `  - ${attempt.backend}: ${attempt.reason}`).join('\n');
    super(
      'E_VIDEO_BACKEND',
      `no video decoding backend could be loaded; tried:\n${tried}\nFix: install node-av (\`npm install node-av\`; its prebuilt binary comes in an optional package such as @seydx/node-av-linux-x64, so do not install with --no-optional), on Node.js ≥ 20.19`,
    );
    this.name = 'VideoBackendError';
    this.attempts = attempts;
  }
}
