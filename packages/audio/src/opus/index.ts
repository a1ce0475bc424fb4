export { createOpusDecoder } from './opus-decoder.js';
export type { PacketDecoder, PacketStream } from './packet-stream.js';
export { OPUS_DECODE_RATES, OPUS_PRE_ROLL_MS, parseOggOpus } from './parse-ogg-opus.js';
