import { TesseraError, type TesseraErrorCode } from '@tessera/core';
import type { OptionDefinitions } from '../command-line.js';
import { SHARD_OPTIONS } from '../shard-option.js';
import { UsageError } from '../usage-error.js';

/**
 * Option values and summaries shared by the `tessera build` commands of the optional modality
 * packages (audio-folder, audio, video-folder, video).
 */

/** `value` when it is one of `choices`; undefined when absent; a UsageError naming `--name` otherwise. */
export function choice(value: string | undefined, choices: readonly string[], name: string, command: string): string | undefined {
  if (value === undefined) return undefined;
  if (!choices.includes(value)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`, command);
  return value;
}

/** A decimal integer in [min, max]; undefined when absent; a UsageError naming `--name` otherwise. */
export function integer(value: string | undefined, name: string, min: number, max: number, command: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`, command);
  }
  return number;
}

/** `12.3 s`, `4.5 min`, `1.2 h`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const hours = seconds / 3600;
  return hours < 1 ? `${(seconds / 60).toFixed(1)} min` : `${hours.toFixed(1)} h`;
}

export const plural = (count: number, noun: string, plurale = `${noun}s`) => `${count} ${count === 1 ? noun : plurale}`;

/**
 * A modality package may bring its own @tessera/core copy, whose errors are not this core's
 * TesseraError: keep their codes (and an ArgumentError's `argument`) instead of E_INTERNAL. This
 * CLI's own UsageError (code E_USAGE, exit 2) passes through as it is.
 */
export function fromPluginPackage(error: unknown): unknown {
  if (error instanceof TesseraError || error instanceof UsageError || !(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^E_[A-Z_]+$/.test(code)) return error;
  const converted = new TesseraError(code as TesseraErrorCode, error.message, { cause: error });
  const argument = (error as { argument?: unknown }).argument;
  return argument === undefined ? converted : Object.assign(converted, { argument });
}

/** The options every media build command takes after its own (`what` names the inputs: 'videos', 'audio files'). */
export function commonBuildOptions(what: string) {
  return {
    workers: { type: 'string', valueName: 'N', description: 'encoder threads (default: cores, at most 4; 0 encodes on the main thread)' },
    'skip-invalid': { type: 'boolean', description: `leave unreadable ${what} out and list them` },
    json: { type: 'boolean', description: 'print the summary as one JSON object' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress on stderr' },
    ...SHARD_OPTIONS,
  } as const satisfies OptionDefinitions;
}

/**
 * An unreadable input (`code`: E_VIDEO_INPUT, E_AUDIO_INPUT, E_ENCODE) when --skip-invalid was not
 * given: the same error, saying that the flag exists (`what`: 'videos', 'files', 'images').
 */
export function withSkipInvalidHint(error: unknown, code: TesseraErrorCode, what: string): unknown {
  if (!TesseraError.is(error, code)) return error;
  return new TesseraError(code, `${error.message}; to leave unreadable ${what} out (and list them), run again with --skip-invalid`, { cause: error });
}
