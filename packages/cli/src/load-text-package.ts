import { importOptionalPackage } from './import-optional-package.js';

/**
 * What `tessera build text` uses from @tessera/text, declared here so the CLI does not depend on
 * it: the package is optional and loaded only by that command.
 */
export interface TextBuildProgress {
  phase: 'reading' | 'tokenizing' | 'packing';
  documents: number;
  inputBytes: number;
  totalInputBytes: number;
  samplesWritten: number;
  totalSamples: number | undefined;
}

export interface TextBuildSummary {
  output: string;
  field: string;
  fieldName: string;
  inputFiles: number;
  documents: number;
  inputBytes: number;
  tokens: number | undefined;
  numSamples: number;
  fileByteLength: number;
  elapsedMs: number;
  /** Set by the CLI: each phase's duration on the clock of the progress lines. */
  phaseElapsedMs?: Record<string, number>;
  /** Set by the CLI for `--shard I --of N`: the slice of the input documents this file holds. */
  shard?: { index: number; count: number; firstDocument: number; documents: number; totalDocuments: number };
}

export interface TextPackage {
  buildTextDataset(options: {
    inputs: readonly string[];
    output: string;
    format?: string;
    jsonKey?: string;
    field?: string;
    fieldName?: string;
    tokenizer?: string;
    windowLength?: number;
    separator?: string | number | null;
    workers?: number;
    cwd?: string;
    onProgress?: (progress: TextBuildProgress) => void;
  }): Promise<TextBuildSummary>;
  /** The input files in reading order (files, folders, globs expanded); used by `--shard` (text-shard-input.ts). */
  listInputFiles?(inputs: readonly string[], options: { format?: string; cwd?: string }): unknown[];
  /** The documents of those files, in order, as buildTextDataset reads them; used by `--shard`. */
  readDocuments?(files: readonly unknown[], options: { jsonKey?: string }): AsyncIterable<string>;
}

export const TEXT_PACKAGE = '@tessera/text';

/** Imports {@link TEXT_PACKAGE} for `tessera build text` (see importOptionalPackage). */
export function importTextPackage(cwd: string, specifier: string = TEXT_PACKAGE): Promise<TextPackage> {
  return importOptionalPackage<TextPackage>({ specifier, command: 'tessera build text', requiredExport: 'buildTextDataset', cwd });
}
