import { PluginError } from '@tessera/core';
import { MPEGDecoder } from 'mpg123-decoder';

/**
 * The mpg123 WebAssembly instance of `mpg123-decoder`, driven directly: one instance per thread,
 * shared by every MP3 decoder of the thread. The package's object API copies every frame into
 * fresh arrays (two slices per read, then a concatenation per channel) and its free() frees the
 * handle twice; only its instantiation is used here, then its exported C functions: a handle in
 * feed mode (gapless off: delay and padding are handled by the caller), fed the clip's frames,
 * read into one reused output block. Tested with mpg123-decoder 1.0.3.
 */
interface Mpg123WasmExports {
  HEAP: ArrayBuffer;
  malloc(bytes: number): number;
  free(pointer: number): void;
  mpeg_frame_decoder_create(handlePointer: number, gapless: number): number;
  mpeg_decoder_feed(handle: number, inputPointer: number, inputBytes: number): number;
  mpeg_decoder_read(handle: number, outputPointer: number, outputBytes: number, samplesPointer: number, sampleRatePointer: number, errorStringPointer: number): number;
  mpeg_frame_decoder_destroy(handle: number): void;
}

/** mpg123's return codes the read loop acts on. */
export const MPG123_NEED_MORE = -10;
export const MPG123_NEW_FORMAT = -11;

/** Bytes of frames staged in the heap per feed. */
export const MP3_INPUT_CAPACITY_BYTES = 256 * 1024;
/** Output block: up to this many samples per channel per read (mpg123 always writes two channels). */
export const MP3_OUTPUT_SAMPLES = 16 * 1152;

export interface Mp3Engine {
  readonly floats: Float32Array;
  readonly bytes: Uint8Array;
  readonly inputPointer: number;
  /** Float index of the output block: channel c at floats[outputIndex + c * samples + i]. */
  readonly outputIndex: number;
  /** A fresh mpg123 handle, or 0 when it cannot be made. */
  createHandle(): number;
  destroyHandle(handle: number): void;
  feed(handle: number, inputBytes: number): number;
  /** Decodes into the output block; `samplesRead()` gives the samples per channel it wrote. */
  read(handle: number): number;
  samplesRead(): number;
  errorText(): string;
  broken: boolean;
}

export async function loadMp3Engine(): Promise<Mp3Engine> {
  const library = new MPEGDecoder({ enableGapless: false });
  await library.ready;
  const wasm = (library as unknown as { _common?: { wasm?: Mpg123WasmExports } })._common?.wasm;
  if (wasm === undefined || typeof wasm.mpeg_decoder_read !== 'function' || typeof wasm.mpeg_frame_decoder_create !== 'function' || !(wasm.HEAP instanceof ArrayBuffer)) {
    throw new PluginError('E_PLUGIN', 'mpg123-decoder does not expose the mpg123 functions @tessera/audio drives (tested with mpg123-decoder 1.0.3); install that version', { plugin: '@tessera/audio' });
  }
  const inputPointer = wasm.malloc(MP3_INPUT_CAPACITY_BYTES);
  const outputPointer = wasm.malloc(2 * MP3_OUTPUT_SAMPLES * 4);
  const scalars = wasm.malloc(16); // handle, samples, sample rate, error string pointer
  if (inputPointer === 0 || outputPointer === 0 || scalars === 0) {
    throw new PluginError('E_PLUGIN', 'the mpg123-decoder WebAssembly heap has no room for the decode buffers', { plugin: '@tessera/audio' });
  }
  const words = new Uint32Array(wasm.HEAP);
  const bytes = new Uint8Array(wasm.HEAP);
  const scalarWord = scalars >> 2;
  return {
    floats: new Float32Array(wasm.HEAP),
    bytes,
    inputPointer,
    outputIndex: outputPointer >> 2,
    broken: false,
    createHandle() {
      words[scalarWord] = 0;
      const error = wasm.mpeg_frame_decoder_create(scalars, 0);
      return error === 0 ? words[scalarWord]! : 0;
    },
    destroyHandle(handle) {
      // Frees the handle and everything mpg123 holds for it (the package frees it a second time).
      wasm.mpeg_frame_decoder_destroy(handle);
    },
    feed(handle, inputBytes) {
      return wasm.mpeg_decoder_feed(handle, inputPointer, inputBytes);
    },
    read(handle) {
      words[scalarWord + 1] = 0;
      return wasm.mpeg_decoder_read(handle, outputPointer, 2 * MP3_OUTPUT_SAMPLES * 4, scalars + 4, scalars + 8, scalars + 12);
    },
    samplesRead() {
      return words[scalarWord + 1]!;
    },
    errorText() {
      let pointer = words[scalarWord + 3]!;
      let text = '';
      while (pointer > 0 && pointer < bytes.length && bytes[pointer] !== 0 && text.length < 200) text += String.fromCharCode(bytes[pointer++]!);
      return text;
    },
  };
}

let current: Mp3Engine = await loadMp3Engine();
let replacing: Promise<void> | undefined;

/** This thread's engine; a broken one is replaced in the background and reported as unavailable until then. */
export function mp3Engine(): Mp3Engine | undefined {
  if (!current.broken) return current;
  if (replacing === undefined) {
    replacing = loadMp3Engine().then(
      (engine) => {
        current = engine;
        replacing = undefined;
      },
      () => {
        replacing = undefined;
      },
    );
  }
  return undefined;
}
