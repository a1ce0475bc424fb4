export { createMp3Decoder, createWasmMp3Decoder } from './mp3-decoder.js';
export type { PacketDecoder, PacketStream } from '../opus/packet-stream.js';
export { MP3_DECODER_DELAY_SAMPLES, parseMp3 } from './parse-mp3.js';
