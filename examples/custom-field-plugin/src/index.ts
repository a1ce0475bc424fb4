export { boundingBoxes, boxesPlugin } from './boxes-plugin.js';
export { boundingBoxesCodec } from './bounding-boxes-codec.js';
export type { BoundingBox } from './bounding-boxes-codec.js';
export type { BoundingBoxesArguments } from './bounding-boxes-arguments.js';
export { boxMask } from './box-mask.js';
export type { BoxMaskOptions } from './box-mask.js';
