/**
 * Typed errors of @tessera/audio. Codes are listed in @tessera/core's errors.ts and docs/errors.md.
 */
import { FormatError } from '@tessera/core';

export interface AudioFormatErrorDetails {
  /** Byte offset, in the bytes being parsed or decoded, of the first byte that contradicts the format. */
  byteOffset?: number;
  cause?: unknown;
}

/** Encoded audio (FLAC, …) contradicts its format: the message says where (byte offset), what and why. */
export class AudioFormatError extends FormatError {
  readonly byteOffset: number | undefined;

  constructor(message: string, details: AudioFormatErrorDetails = {}) {
    const at = details.byteOffset === undefined ? '' : ` (at byte offset ${details.byteOffset})`;
    super('E_AUDIO_FORMAT', `${message}${at}`, { cause: details.cause });
    this.name = 'AudioFormatError';
    this.byteOffset = details.byteOffset;
  }
}
