export type { FlacStream, FlacStreamInfo } from './flac-stream.js';
export { parseFlacFile } from './parse-flac-file.js';
export { type FlacDecoder, createFlacDecoder, createJsFlacDecoder } from './flac-decoder.js';
export { encodeFlacFile } from './encode-flac-file.js';
export { stripFlacPadding } from './strip-flac-padding.js';
export { type FlacFrameRange, locateFlacFrames } from './locate-flac-frames.js';
export { DEFAULT_FLAC_BLOCK_SIZE, type EncodeFlacOptions, encodeFlac } from './flac-encoder.js';
