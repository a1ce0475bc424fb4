export { boundingBoxes, boxesPlugin } from './boxes-plugin.js';
export { boundingBoxesCodec } from './bounding-boxes-codec.js';
export type { BoundingBox } from './bounding-boxes-codec.js';
export type { BoundingBoxesArguments } from './bounding-boxes-arguments.js';
