import { PluginError } from '@tessera/core';
import { OpusDecoder } from 'opus-decoder';
import { MAX_OPUS_CHANNELS, standardOpusMapping } from './opus-channel-mapping.js';
import { MAX_PACKET_SAMPLES_48K } from './opus-packet.js';

/**
 * The libopus WebAssembly instance of `opus-decoder`, driven directly: one instance per thread,
 * shared by every Opus decoder of the thread (decoding is synchronous, so they never interleave).
 * The package's object API allocates arrays per packet and its free()/reset() double-free and leak;
 * only its instantiation is used here, then its exported C functions.
 *
 * Tested with opus-decoder 0.7.12. Its `opus_frame_decoder_destroy(state)` frees the state and
 * the libopus decoder but not the 23 KB PCM buffer whose pointer is the state's word 5, so
 * `destroyState` frees that buffer too; `loadOpusEngine` checks the layout and refuses to run on a
 * version where it differs (rather than leak 23 KB per clip).
 */
interface OpusWasmExports {
  HEAP: ArrayBuffer;
  malloc(bytes: number): number;
  free(pointer: number): void;
  opus_frame_decoder_create(sampleRate: number, channels: number, streams: number, coupled: number, mappingPointer: number, preSkip: number, forceStereo: number): number;
  opus_frame_decode_float_deinterleaved(state: number, inputPointer: number, inputBytes: number, outputPointer: number): number;
  opus_frame_decoder_destroy(state: number): void;
}

const STATE_PCM_BUFFER_WORD = 5;
const STATE_DECODER_WORD = 7;

/** Input staging area in the WebAssembly heap: packets are copied in blocks of up to this many bytes. */
export const OPUS_INPUT_CAPACITY_BYTES = 256 * 1024;

export interface OpusEngine {
  readonly bytes: Uint8Array;
  readonly floats: Float32Array;
  readonly inputPointer: number;
  /** Float index (not byte address) of the planar output: channel c at floats[outputIndex + c * samples + i]. */
  readonly outputIndex: number;
  /** A libopus decoder in its initial state; 0 when the heap is exhausted. */
  createState(sampleRate: number, channels: number): number;
  destroyState(state: number): void;
  /** Samples per channel decoded into the output, or a libopus error code (< 0). */
  decodePacket(state: number, inputPointer: number, inputBytes: number): number;
  /** Set when the instance trapped: its heap may be inconsistent, so it is replaced. */
  broken: boolean;
}

export const OPUS_ERROR_NAMES: ReadonlyMap<number, string> = new Map([
  [-1, 'OPUS_BAD_ARG'],
  [-2, 'OPUS_BUFFER_TOO_SMALL'],
  [-3, 'OPUS_INTERNAL_ERROR'],
  [-4, 'OPUS_INVALID_PACKET'],
  [-5, 'OPUS_UNIMPLEMENTED'],
  [-6, 'OPUS_INVALID_STATE'],
  [-7, 'OPUS_ALLOC_FAIL'],
]);

export async function loadOpusEngine(): Promise<OpusEngine> {
  const library = new OpusDecoder({ sampleRate: 48_000, channels: 1 });
  await library.ready;
  const wasm = (library as unknown as { _common?: { wasm?: OpusWasmExports } })._common?.wasm;
  if (wasm === undefined || typeof wasm.opus_frame_decoder_create !== 'function' || typeof wasm.opus_frame_decode_float_deinterleaved !== 'function' || !(wasm.HEAP instanceof ArrayBuffer)) {
    throw new PluginError('E_PLUGIN', 'opus-decoder does not expose the libopus functions @tessera/audio drives (tested with opus-decoder 0.7.12); install that version', { plugin: '@tessera/audio' });
  }
  const words = new Int32Array(wasm.HEAP);
  const inputPointer = wasm.malloc(OPUS_INPUT_CAPACITY_BYTES);
  const outputPointer = wasm.malloc(MAX_OPUS_CHANNELS * MAX_PACKET_SAMPLES_48K * 4);
  const mappingPointer = wasm.malloc(256);
  if (inputPointer === 0 || outputPointer === 0 || mappingPointer === 0) {
    throw new PluginError('E_PLUGIN', 'the opus-decoder WebAssembly heap has no room for the decode buffers', { plugin: '@tessera/audio' });
  }
  const bytes = new Uint8Array(wasm.HEAP);
  const engine: OpusEngine = {
    bytes,
    floats: new Float32Array(wasm.HEAP),
    inputPointer,
    outputIndex: outputPointer >> 2,
    broken: false,
    createState(sampleRate, channels) {
      const mapping = standardOpusMapping(channels)!;
      for (let channel = 0; channel < channels; channel++) bytes[mappingPointer + channel] = mapping.channelMapping[channel]!;
      return wasm.opus_frame_decoder_create(sampleRate, channels, mapping.streamCount, mapping.coupledStreamCount, mappingPointer, 0, 0);
    },
    destroyState(state) {
      const pcmBuffer = words[(state >> 2) + STATE_PCM_BUFFER_WORD]!;
      wasm.opus_frame_decoder_destroy(state);
      wasm.free(pcmBuffer);
    },
    decodePacket(state, input, inputBytes) {
      return wasm.opus_frame_decode_float_deinterleaved(state, input, inputBytes, outputPointer);
    },
  };
  // The layout check: a state holds its channel count in word 1 and two heap
  // pointers (PCM buffer, decoder); destroying it must give every byte back.
  const probe = engine.createState(48_000, 2);
  const layoutKnown =
    probe !== 0 && words[(probe >> 2) + 1] === 2 && words[(probe >> 2) + STATE_PCM_BUFFER_WORD]! > 0 && words[(probe >> 2) + STATE_DECODER_WORD]! > 0;
  if (layoutKnown) engine.destroyState(probe);
  const again = layoutKnown ? engine.createState(48_000, 2) : 0;
  if (!layoutKnown || again !== probe) {
    throw new PluginError('E_PLUGIN', 'this opus-decoder version lays out its decoder state differently from 0.7.12, which @tessera/audio resets in place; install opus-decoder 0.7.12', { plugin: '@tessera/audio' });
  }
  engine.destroyState(again);
  return engine;
}

let current: OpusEngine = await loadOpusEngine();
let replacing: Promise<void> | undefined;

/** This thread's engine; a broken one is replaced in the background and reported as unavailable until then. */
export function opusEngine(): OpusEngine | undefined {
  if (!current.broken) return current;
  if (replacing === undefined) {
    replacing = loadOpusEngine().then(
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
