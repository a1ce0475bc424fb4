/**
 * The kit against a plugin that breaks one rule at a time: every fault must fail the check that
 * guards that rule, with a message that says what is wrong. The same plugin without a fault is the
 * control and passes the whole suite.
 */
import { describe, expect, it } from 'vitest';
import { type ConformanceCheckId, createFieldConformance, describeDifference, runFieldConformance } from '../src/index.js';
import { type Fault, faultyPlugin, points } from './fixtures/faulty-plugin.mjs';

const MAX_POINTS = 8;
const values = [[1, 2, 3], [255], [0, 0, 0, 0]];
const edgeValues = [[], [9, 8, 7, 6, 5, 4, 3, 2]];
const invalidValues = ['abc', [1, 2, 3, 4, 5, 6, 7, 8, 9], [256], [1.5]];
const decoders = { padded: undefined, count: undefined, 'random-subset': undefined };

runFieldConformance<number[]>({
  name: 'faulty/points without a fault (control)',
  plugin: () => faultyPlugin(),
  field: points({ maxPoints: MAX_POINTS }),
  values,
  edgeValues,
  invalidValues,
  decoders,
  checkDecoded(value, slot, _output, { decoder }) {
    if (decoder === 'count') {
      if (slot.data[0] !== value.length) throw new Error(`count ${slot.data[0]}, expected ${value.length}`);
      return;
    }
    if (decoder === 'random-subset') {
      // without a DecodeContext: the fixed choice (points 0 and 1)
      const expected = Float32Array.from([0, 1], (index) => (value.length === 0 ? 0 : value[index % value.length]! / 255));
      const difference = describeDifference(expected, slot.data);
      if (difference !== undefined) throw new Error(difference);
      return;
    }
    const expected = new Uint8Array(MAX_POINTS);
    expected.set(value);
    const difference = describeDifference(expected, slot.bytes) ?? describeDifference(Int32Array.of(value.length), slot.lengths);
    if (difference !== undefined) throw new Error(difference);
  },
});

runFieldConformance<number[]>({
  name: 'faulty/points at version 0.3.1 (0.x compatibility rules)',
  plugin: () => faultyPlugin({ version: '0.3.1' }),
  field: points({ maxPoints: MAX_POINTS }, { version: '0.3.1' }),
  values,
});

const cases: Array<[Fault, ConformanceCheckId, RegExp]> = [
  ['overrun', 'declared-output', /wrote past the 8 bytes of its declared output/],
  ['ignores-byte-offset', 'declared-output', /before its slot \(does it ignore slot\.bytes\.byteOffset\?\)/],
  ['dirty-padding', 'declared-output', /a decoder must write every byte of its slot/],
  ['nonzero-padding', 'declared-output', /padding element \[3\] .* holds byte 0xff/],
  ['unset-length', 'declared-output', /did not set lengths\[0\]/],
  ['length-too-large', 'declared-output', /lengths\[0\] = 9 is outside \[0, 8\]/],
  ['bad-output', 'declared-output', /output shape \[-8\] must be an array of non-negative integers/],
  ['bad-output', 'empty-dataset', /on an empty dataset: output shape \[-8\]/],
  ['impure-encode', 'deterministic-write', /workers: 2 differs from the one written with workers: 0 .*field "under_test"/],
  ['lossy-read', 'value-round-trip', /sample 0 .*expected an array of length 3, got length 2/],
  ['binary-to-json', 'value-round-trip', /toJSON\(\) is binary/],
  ['worker-differs', 'worker-decoding', /decoder "padded": sample 0 decodes differently in the worker/],
  ['accepts-invalid', 'invalid-values', /invalidValues\[0\] \("abc"\) at sample 3, workers: 0: writeDataset accepted it/],
  ['no-origin', 'plugin-shape', /has no origin/],
  ['no-origin', 'worker-decoding', /has no origin/],
  ['no-origin', 'deterministic-write', /writing with workers: 2 failed/],
  ['args-not-idempotent', 'argument-round-trip', /normalizeArguments\(\) is not idempotent/],
  ['random-out-of-range', 'random-decoding', /decoder "random-subset", seed \d+, sample \d+ \(.*\): element [01] of the float32 output is NaN; a random decoder must stay within the stored data/],
  ['math-random', 'random-decoding', /decoder "random-subset" is not deterministic under a fixed seed: it called Math\.random\(\) 2 time\(s\) while decoding sample 0 \(seed 0\); use DecodeContext\.random/],
  ['math-random', 'declared-output', /decoder "random-subset" is not deterministic: it called Math\.random\(\) 2 time\(s\) while decoding sample 0; use DecodeContext\.random/],
  ['random-stateful', 'random-decoding', /decoder "random-subset" is not deterministic under a fixed seed: seed 0, sample 0 decoded twice into identical slots gives different outputs \(byte \d+ .*both runs drew 2 number\(s\) from context\.random\)/],
  ['random-unwritten', 'random-decoding', /decoder "random-subset", seed 0, sample 0 \(.*\): byte 4 of the slot was not written: it still holds what the slot held before .* on every random path/],
  ['random-undeclared', 'random-decoding', /decoder "random-subset", seed 0, sample 0 .*drew 2 number\(s\) from context\.random, but its instance does not set random: true/],
];

describe('the kit catches faulty codecs', () => {
  for (const [fault, checkId, message] of cases) {
    it(`${checkId} fails for fault "${fault}"`, async () => {
      const suite = createFieldConformance<unknown>({
        name: fault,
        plugin: () => faultyPlugin({ fault }),
        field: points({ maxPoints: MAX_POINTS }, { fault }),
        values,
        edgeValues,
        invalidValues,
        decoders,
      });
      suite.setup();
      try {
        const check = suite.checks.find((candidate) => candidate.id === checkId)!;
        await expect(check.run()).rejects.toThrow(message);
      } finally {
        suite.dispose();
      }
    });
  }

  it('names the missing check inputs up front', () => {
    expect(() => createFieldConformance({ name: 'x', plugin: () => faultyPlugin(), field: points({ maxPoints: 1 }), values: [] })).toThrow(
      /at least one representative value/,
    );
  });

  it('refuses a plugin whose origin is a TypeScript source', async () => {
    const plugin = { ...faultyPlugin(), origin: { module: 'file:///somewhere/src/index.ts', exportName: 'faultyPlugin' } };
    const suite = createFieldConformance({ name: 'ts origin', plugin: () => plugin, field: { ...points({ maxPoints: 2 }), plugin }, values: [[1]] });
    suite.setup();
    try {
      await expect(suite.checks.find((check) => check.id === 'plugin-shape')!.run()).rejects.toThrow(/a TypeScript source; .*build the package/);
    } finally {
      suite.dispose();
    }
  });
});
