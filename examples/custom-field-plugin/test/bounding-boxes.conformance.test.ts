/**
 * The plugin through @tessera/test-kit's conformance suite. It is imported by package name, i.e.
 * from the built dist/ (run the build first): worker threads rebuild the plugin from its origin,
 * which must be importable JavaScript.
 */
import { type BoundingBox, boundingBoxes, boxesPlugin } from '@tessera-examples/custom-field-plugin';
import { describeDifference, runFieldConformance } from '@tessera/test-kit';

const MAX_BOXES = 8;

const box = (x: number, y: number, width: number, height: number, label: number): BoundingBox => ({ x, y, width, height, label });

/** What reading gives back: the coordinates rounded to float32. */
const stored = (boxes: readonly BoundingBox[]): BoundingBox[] =>
  boxes.map((item) => ({ x: Math.fround(item.x), y: Math.fround(item.y), width: Math.fround(item.width), height: Math.fround(item.height), label: item.label }));

const fullImage = Array.from({ length: MAX_BOXES }, (_, index) => box(index * 10, index * 5, 32 + index, 24 + index, index));

runFieldConformance<readonly BoundingBox[]>({
  name: 'boxes/bounding-boxes',
  plugin: () => boxesPlugin(),
  field: boundingBoxes({ maxBoxes: MAX_BOXES }),
  values: [
    [box(10, 20, 30, 40, 1)],
    [box(0.1, 0.2, 100.5, 50.25, 3), box(64, 64, 8, 8, 0)],
    [box(1, 2, 3, 4, 5), box(6, 7, 8, 9, 10), box(11, 12, 13, 14, 15)],
  ],
  edgeValues: [
    [],
    fullImage,
    [box(-5.5, -0, 0, 0, -1), box(1e-30, 3.4e38, 1e-45, 0.5, 2 ** 31 - 1), box(0, 0, 1, 1, -(2 ** 31))],
  ],
  invalidValues: [
    // more than maxBoxes
    [...fullImage, box(1, 1, 1, 1, 1)],
    // a box with a non-number
    [box(1, 2, 3, 4, 5), { x: 'left', y: 0, width: 1, height: 1, label: 0 }],
    [box(Number.NaN, 0, 1, 1, 0)],
    [box(0, 0, 1, 1, 1.5)],
    [box(0, 0, -1, 1, 0)],
    [box(0, 0, 1e39, 1, 0)],
    'not a list',
    null,
  ],
  // float32 storage is lossy for doubles: compare against the rounded values, exactly
  equals: (written, read) => {
    const difference = describeDifference(stored(written), read);
    if (difference !== undefined) throw new Error(difference);
  },
  // 'random-box' is random: the kit also decodes it under 16 seeds (same seed → same output, every
  // byte written, finite floats); checkDecoded sees its standalone choice, the first box
  decoders: { padded: undefined, count: undefined, 'random-box': undefined },
  checkDecoded(value, slot, _output, { decoder }) {
    if (decoder === 'count') {
      if (slot.data[0] !== value.length) throw new Error(`count is ${slot.data[0]}, expected ${value.length}`);
      return;
    }
    if (decoder === 'random-box') {
      const first = stored(value)[0];
      const expected = first === undefined ? new Float32Array(5) : Float32Array.of(first.x, first.y, first.width, first.height, first.label);
      const difference = describeDifference(expected, slot.data);
      if (difference !== undefined) throw new Error(difference);
      return;
    }
    const expected = new Float32Array(MAX_BOXES * 5);
    stored(value).forEach((item, index) => {
      expected.set([item.x, item.y, item.width, item.height, item.label], index * 5);
    });
    const difference = describeDifference(expected, slot.data) ?? describeDifference(Int32Array.of(value.length), slot.lengths);
    if (difference !== undefined) throw new Error(difference);
  },
});
