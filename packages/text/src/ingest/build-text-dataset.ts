import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { ArgumentError, type Dataset, type FieldSpec, type IndexedSource, TesseraError, createOutputSlot, openDataset, writeDataset } from '@tessera/core';
import { hierarchicalText, packedTokens, rawText, tokens } from '../field-specs.js';
import type { PackedTokensArguments } from '../fields/packed-tokens-codec.js';
import type { StoredTokenIds } from '../fields/token-ids.js';
import { textPlugin } from '../text-plugin.js';
import { type InputFile, TEXT_INPUT_FORMATS, type TextInputFormat, listInputFiles } from './input-files.js';
import { packDocuments } from './pack-documents.js';
import { readDocuments } from './read-documents.js';

export type TextFieldKind = 'raw' | 'tokens' | 'packed' | 'hierarchical';
export const TEXT_FIELD_KINDS: readonly TextFieldKind[] = ['raw', 'tokens', 'packed', 'hierarchical'];

export interface BuildTextDatasetOptions {
  /** Files, folders (every non-hidden file below) and globs, read in this order (see `listInputFiles`). */
  inputs: string | readonly string[];
  /** The .beton file to write (atomically). */
  output: string;
  /** How files hold documents. Default: jsonl for .jsonl/.ndjson files, one document per file otherwise. */
  format?: TextInputFormat;
  /** The key of the text in JSON lines. Default 'text'. */
  jsonKey?: string;
  /** The kind of field. Default 'packed' with a tokenizer, 'raw' without. */
  field?: TextFieldKind;
  /** The field's name in the file. Default 'text'. */
  fieldName?: string;
  /** A local tokenizer.json (or its folder): needed by 'tokens' and 'packed', optional for 'hierarchical'. */
  tokenizer?: string;
  /** 'packed': tokens per chunk and window (T). Default 1024. */
  windowLength?: number;
  /** 'packed': the token after every document. Default the tokenizer's eos_token. */
  separator?: string | number | null;
  /** 'tokens': let the tokenizer add its special tokens. Default true. */
  addSpecialTokens?: boolean;
  /** Writer threads that tokenize in parallel (0: on this thread). Default: available cores, at most 4. */
  workers?: number;
  /** Page size of the output (see WriteOptions). Default 'auto'. */
  pageSize?: number | 'auto';
  /** Relative inputs resolve against it. Default process.cwd(). */
  cwd?: string;
  onProgress?: (progress: BuildTextProgress) => void;
  signal?: AbortSignal;
}

export interface BuildTextProgress {
  /** 'reading' (raw, hierarchical without tokenizer), 'tokenizing' (the parallel pass), 'packing' (packed: chunks being written). */
  phase: 'reading' | 'tokenizing' | 'packing';
  /** Documents handed to the writer so far. */
  documents: number;
  inputBytes: number;
  totalInputBytes: number;
  /** Samples written in this phase, and how many there will be when known. */
  samplesWritten: number;
  totalSamples: number | undefined;
}

export interface BuildTextSummary {
  output: string;
  field: TextFieldKind;
  fieldName: string;
  inputFiles: number;
  documents: number;
  inputBytes: number;
  /** Token count of the stored ids (tokens, packed, tokenized hierarchical); undefined for text. */
  tokens: number | undefined;
  numSamples: number;
  fileByteLength: number;
  elapsedMs: number;
}

/**
 * Builds a text dataset from .txt and .jsonl files, streaming (documents are read as the writer
 * asks for them). Tokenizing fields are tokenized by the writer's worker threads. For 'packed', the
 * documents are first tokenized in parallel into a temporary `tokens` file beside the output (the
 * chunks of one stream cannot be cut before every earlier document is tokenized), then packed into
 * chunks of `windowLength` tokens; the temporary file is removed.
 */
export async function buildTextDataset(options: BuildTextDatasetOptions): Promise<BuildTextSummary> {
  const started = performance.now();
  if (options === null || typeof options !== 'object') throw new ArgumentError('options', 'buildTextDataset({ inputs, output, ... }) needs options');
  const kind = options.field ?? (options.tokenizer === undefined ? 'raw' : 'packed');
  if (!TEXT_FIELD_KINDS.includes(kind)) throw new ArgumentError('field', `must be one of ${TEXT_FIELD_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  if (options.format !== undefined && !TEXT_INPUT_FORMATS.includes(options.format)) {
    throw new ArgumentError('format', `must be one of ${TEXT_INPUT_FORMATS.join(', ')}, got ${JSON.stringify(options.format)}`);
  }
  if ((kind === 'tokens' || kind === 'packed') && options.tokenizer === undefined) {
    throw new ArgumentError('tokenizer', `a "${kind}" field needs a tokenizer: the path of a local tokenizer.json`);
  }
  if (typeof options.output !== 'string' || options.output.length === 0) throw new ArgumentError('output', 'must be the path of the .beton file to write');
  const fieldName = options.fieldName ?? 'text';
  const cwd = options.cwd ?? process.cwd();
  const output = resolve(cwd, options.output);
  const workers = options.workers ?? Math.min(4, availableParallelism());
  const files = listInputFiles(options.inputs, { format: options.format, cwd });
  const totalInputBytes = files.reduce((sum, file) => sum + file.byteLength, 0);
  const state = createReadState();
  const report = (phase: BuildTextProgress['phase'], samplesWritten: number, totalSamples: number | undefined) => {
    if (phase !== 'packing') state.written(samplesWritten);
    options.onProgress?.({ phase, documents: state.documentsWritten, inputBytes: state.bytesWritten, totalInputBytes, samplesWritten, totalSamples });
  };

  const base = { output, field: kind, fieldName, inputFiles: files.length };
  const tokenized = kind !== 'raw' && !(kind === 'hierarchical' && options.tokenizer === undefined);
  const phase = tokenized ? 'tokenizing' : 'reading';

  if (kind !== 'packed') {
    const spec: FieldSpec =
      kind === 'raw'
        ? rawText()
        : kind === 'tokens'
          ? tokens({ tokenizer: options.tokenizer, addSpecialTokens: options.addSpecialTokens })
          : hierarchicalText({ tokenizer: options.tokenizer });
    report(phase, 0, undefined);
    const summary = await writeDataset(output, { [fieldName]: spec }, samplesOf(files, fieldName, options, state), {
      workers,
      pageSize: options.pageSize,
      signal: options.signal,
      onProgress: (progress) => report(phase, progress.samplesWritten, undefined),
    });
    return {
      ...base,
      documents: state.documents,
      inputBytes: state.inputBytes,
      tokens: tokenized ? countTokens(output, fieldName, kind) : undefined,
      numSamples: summary.numSamples,
      fileByteLength: summary.fileByteLength,
      elapsedMs: performance.now() - started,
    };
  }

  // Packed: tokenize in parallel into a temporary tokens file, then pack its stream in order.
  const packed = packedTokens({ tokenizer: options.tokenizer, windowLength: options.windowLength, separator: options.separator });
  const temporary = join(dirname(output), `.${basename(output)}.${process.pid}.tokens.tmp`);
  try {
    report('tokenizing', 0, undefined);
    await writeDataset(temporary, { ids: tokens({ tokenizer: options.tokenizer, addSpecialTokens: false }) }, samplesOf(files, 'ids', options, state, 'ids'), {
      workers,
      signal: options.signal,
      onProgress: (progress) => report('tokenizing', progress.samplesWritten, undefined),
    });
    const dataset = openDataset(temporary, { plugins: [textPlugin()] });
    try {
      const args = packed.arguments as PackedTokensArguments;
      const lengths = dataset.createDecoder('ids', 'length');
      const slot = createOutputSlot(lengths.output);
      let totalTokens = 0;
      for (let sampleIndex = 0; sampleIndex < dataset.numSamples; sampleIndex++) {
        lengths.decode(sampleIndex, slot);
        totalTokens += (slot.data as Int32Array)[0]! + (args.separatorId === null ? 0 : 1);
      }
      const chunkCount = Math.ceil(totalTokens / args.windowLength);
      report('packing', 0, chunkCount);
      const summary = await writeDataset(output, { [fieldName]: packed }, packedSource(dataset, fieldName, args, chunkCount), {
        workers: 0,
        pageSize: options.pageSize,
        signal: options.signal,
        onProgress: (progress) => report('packing', progress.samplesWritten, chunkCount),
      });
      return {
        ...base,
        documents: state.documents,
        inputBytes: state.inputBytes,
        tokens: totalTokens,
        numSamples: summary.numSamples,
        fileByteLength: summary.fileByteLength,
        elapsedMs: performance.now() - started,
      };
    } finally {
      dataset.close();
    }
  } finally {
    rmSync(temporary, { force: true });
  }
}

/**
 * What has been read, and what the writer has written of it: the writer reads ahead, so progress
 * maps written samples back to the input bytes read up to their document (a queue bounded by the
 * read-ahead).
 */
function createReadState() {
  const ends: number[] = [];
  let head = 0;
  const state = {
    documents: 0,
    inputBytes: 0,
    documentsWritten: 0,
    bytesWritten: 0,
    readDone: false,
    read(inputBytes: number) {
      state.documents++;
      state.inputBytes = inputBytes;
      ends.push(inputBytes);
    },
    written(samples: number) {
      while (state.documentsWritten < samples && head < ends.length) {
        state.bytesWritten = ends[head++]!;
        state.documentsWritten++;
      }
      if (state.readDone && state.documentsWritten >= state.documents) state.bytesWritten = state.inputBytes;
      if (head > 4096) {
        ends.splice(0, head);
        head = 0;
      }
    },
  };
  return state;
}

async function* samplesOf(
  files: readonly InputFile[],
  fieldName: string,
  options: BuildTextDatasetOptions,
  state: ReturnType<typeof createReadState>,
  key = fieldName,
): AsyncGenerator<Record<string, string>> {
  let inputBytes = 0;
  for await (const document of readDocuments(files, { jsonKey: options.jsonKey, onBytes: (byteLength) => (inputBytes = byteLength) })) {
    state.read(inputBytes);
    yield { [key]: document };
  }
  // Bytes after the last document (blank lines, empty files) count as read.
  state.inputBytes = inputBytes;
  state.readDone = true;
}

/** The packed chunks as an indexed source of known length (so the writer needs no spool), read strictly in order. */
function packedSource(tokensDataset: Dataset, fieldName: string, args: PackedTokensArguments, chunkCount: number): IndexedSource {
  function* documents(): Generator<StoredTokenIds> {
    for (let sampleIndex = 0; sampleIndex < tokensDataset.numSamples; sampleIndex++) yield tokensDataset.read(sampleIndex, 'ids') as StoredTokenIds;
  }
  const chunks = packDocuments(documents(), { windowLength: args.windowLength, separatorId: args.separatorId, dtype: args.dtype });
  let next = 0;
  return {
    length: chunkCount,
    get(index) {
      if (index !== next) throw new TesseraError('E_INTERNAL', `internal: packed chunks are made in order, asked for ${index} after ${next - 1}`);
      next++;
      const step = chunks.next();
      if (step.done) throw new TesseraError('E_INTERNAL', `internal: the stream ended after ${index} chunks, ${chunkCount} were counted`);
      return { [fieldName]: step.value };
    },
  };
}

function countTokens(path: string, fieldName: string, kind: TextFieldKind): number {
  const dataset = openDataset(path, { plugins: [textPlugin()] });
  try {
    let total = 0;
    if (kind === 'tokens') {
      const decoder = dataset.createDecoder(fieldName, 'length');
      const slot = createOutputSlot(decoder.output);
      for (let sampleIndex = 0; sampleIndex < dataset.numSamples; sampleIndex++) {
        decoder.decode(sampleIndex, slot);
        total += (slot.data as Int32Array)[0]!;
      }
    } else {
      const field = dataset.field(fieldName);
      for (let sampleIndex = 0; sampleIndex < dataset.numSamples; sampleIndex++) total += field.metadata.getUint32(field.recordOffset(sampleIndex) + 8, true);
    }
    return total;
  } finally {
    dataset.close();
  }
}
