import type { DecoderInstance, OutputSpec } from '@tessera/core';
import { type ConformanceContext, FIELD, messageOf } from '../conformance-context.js';
import { fail } from '../conformance-error.js';
import { type WindowPlacer, describeWindow } from '../conformance-window.js';
import { formatValue } from '../deep-equal.js';
import { RANDOM_SEED_COUNT } from '../field-conformance-options.js';
import {
  type CanarySlot,
  checkOutputSpec,
  createCanarySlot,
  describeOutput,
  findBadLength,
  findDirtyPadding,
  findOutOfRange,
  firstDifferentByte,
} from '../output-probe.js';
import { MATH_RANDOM_FIX, type SeededDecodeContext, createSeededDecodeContext, decodeTracked } from '../seeded-decode-context.js';

/**
 * Every decoder decodes every sample with a DecodeContext as the loader passes it, its `random`
 * reseeded from (seed, epoch, sample): a decoder whose instance sets `random: true` under
 * `RANDOM_SEED_COUNT` seeds, the others under one. Each (seed, sample) is decoded three times:
 * twice into a slot holding sentinel pattern 0 (the two runs must be identical: same seed, same
 * output) and once into pattern 1 (any byte that differs from pattern 0's result was not written).
 * Random outputs must also be in range: floats finite (unless `allowNonFinite`), bools 0 or 1.
 * Decoders must not call Math.random, and a decoder that draws from `context.random` must set
 * `random: true` (the loader reseeds only those). With the `window` option every context also
 * carries the sample's window.
 */
export async function checkRandomDecoding(context: ConformanceContext): Promise<void> {
  const allowNonFinite = context.options.allowNonFinite;
  await context.withDataset(await context.reference(), async (dataset) => {
    for (const [decoder, options] of context.decoders()) {
      const label = `decoder "${decoder}"${options === undefined ? '' : ` with options ${JSON.stringify(options)}`}`;
      let instance: DecoderInstance;
      try {
        instance = dataset.createDecoder(FIELD, decoder, options);
      } catch (error) {
        fail(`${label}: setup threw: ${messageOf(error)}`, error);
      }
      const output: unknown = instance.output;
      checkOutputSpec(output, label);
      const random = instance.random === true;
      const nonFiniteAllowed = allowNonFinite === true || (Array.isArray(allowNonFinite) && allowNonFinite.includes(decoder));
      const probe: RandomProbe = {
        label,
        instance,
        output,
        random,
        nonFiniteAllowed,
        first: createCanarySlot(output),
        second: createCanarySlot(output),
        decodeContext: createSeededDecodeContext(),
        placer: context.windowPlacer(dataset),
      };
      const seedCount = random ? RANDOM_SEED_COUNT : 1;
      for (let seed = 0; seed < seedCount; seed++) {
        for (let sampleIndex = 0; sampleIndex < dataset.numSamples; sampleIndex++) {
          let window = '';
          try {
            window = describeWindow(probe.placer?.place(sampleIndex));
          } catch (error) {
            fail(`${label}, sample ${sampleIndex}: placing the window option on the sample's timeline failed: ${messageOf(error)}`, error);
          }
          await probeSample(probe, seed, sampleIndex, `${label}, seed ${seed}, sample ${sampleIndex} (${formatValue(context.samples[sampleIndex])})${window}`);
        }
      }
    }
  });
}

interface RandomProbe {
  label: string;
  instance: DecoderInstance;
  output: OutputSpec;
  random: boolean;
  nonFiniteAllowed: boolean;
  first: CanarySlot;
  second: CanarySlot;
  decodeContext: SeededDecodeContext;
  /** With the `window` option. */
  placer: WindowPlacer | undefined;
}

async function probeSample(probe: RandomProbe, seed: number, sampleIndex: number, where: string): Promise<void> {
  const { label, output, first, second } = probe;
  const firstDraws = await decodeWithSeed(probe, first, 0, seed, sampleIndex, where);
  if (!probe.random && firstDraws > 0) {
    fail(
      `${where}: the decoder drew ${firstDraws} number(s) from context.random, but its instance does not set random: true, so the loader does not reseed context.random for it and its output depends on worker count and timing; set random: true on the instance returned by setup()`,
    );
  }
  const overrun = first.findOverrun();
  if (overrun !== undefined) fail(`${where}: ${overrun}`);
  const unset = first.slot.lengths.indexOf(-1);
  if (unset >= 0) fail(`${where}: the decoder did not set lengths[${unset}] (output ${describeOutput(output)}): write each variable dimension's extent`);

  const secondDraws = await decodeWithSeed(probe, second, 0, seed, sampleIndex, where);
  const repeated = firstDifferentByte(first.slot.bytes, second.slot.bytes);
  const lengthsDiffer = first.slot.lengths.some((length, index) => length !== second.slot.lengths[index]);
  if (repeated >= 0 || lengthsDiffer) {
    const difference =
      repeated >= 0
        ? `byte ${repeated} of the slot is 0x${first.slot.bytes[repeated]!.toString(16)}, then 0x${second.slot.bytes[repeated]!.toString(16)}`
        : `lengths [${Array.from(first.slot.lengths).join(', ')}], then [${Array.from(second.slot.lengths).join(', ')}]`;
    const draws = firstDraws === secondDraws ? `both runs drew ${firstDraws} number(s) from context.random` : `the runs drew ${firstDraws} and ${secondDraws} number(s) from context.random`;
    fail(
      `${label} is not deterministic under a fixed seed: seed ${seed}, sample ${sampleIndex} decoded twice into identical slots gives different outputs (${difference}; ${draws}). The difference comes from outside DecodeContext: Math.random() (maybe after an await), the clock, or state kept between calls; ${MATH_RANDOM_FIX}`,
    );
  }

  await decodeWithSeed(probe, second, 1, seed, sampleIndex, where);
  const unwritten = firstDifferentByte(first.slot.bytes, second.slot.bytes);
  if (unwritten >= 0) {
    fail(
      `${where}: byte ${unwritten} of the slot was not written: it still holds what the slot held before (0x${first.slot.bytes[unwritten]!.toString(16)} after a decode into one sentinel pattern, 0x${second.slot.bytes[unwritten]!.toString(16)} into another). A decoder must write every byte of its slot${probe.random ? ' on every random path' : ''} (zero the padding): the loader reuses slots across batches`,
    );
  }
  const badLength = findBadLength(output, first.slot);
  if (badLength !== undefined) fail(`${where}: ${badLength}`);
  const dirty = findDirtyPadding(output, first.slot);
  if (dirty !== undefined) fail(`${where}: ${dirty}`);
  if (probe.random) {
    const outOfRange = findOutOfRange(output, first.slot, probe.nonFiniteAllowed);
    if (outOfRange !== undefined) {
      fail(
        `${where}: ${outOfRange}; a random decoder must stay within the stored data on every draw (nextInt(bound) gives [0, bound), nextFloat() gives [0, 1)). If such values are legitimate output, list the decoder in allowNonFinite`,
      );
    }
  }
}

/** Decodes with `context.random` reseeded as the loader would; returns the number of draws. */
async function decodeWithSeed(probe: RandomProbe, target: CanarySlot, pattern: 0 | 1, seed: number, sampleIndex: number, where: string): Promise<number> {
  target.refill(pattern);
  probe.decodeContext.reseed(seed, 0, sampleIndex);
  if (probe.placer !== undefined) probe.decodeContext.window = probe.placer.place(sampleIndex);
  let mathRandomCalls = 0;
  try {
    const call = decodeTracked(probe.instance, sampleIndex, target.slot, probe.decodeContext);
    mathRandomCalls = call.mathRandomCalls;
    if (call.pending !== undefined) await call.pending;
  } catch (error) {
    if (mathRandomCalls === 0) fail(`${where}: decode threw: ${messageOf(error)}`, error);
  }
  if (mathRandomCalls > 0) {
    fail(`${probe.label} is not deterministic under a fixed seed: it called Math.random() ${mathRandomCalls} time(s) while decoding sample ${sampleIndex} (seed ${seed}); ${MATH_RANDOM_FIX}`);
  }
  return probe.decodeContext.draws;
}
