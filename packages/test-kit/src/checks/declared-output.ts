import { type DecoderInstance, type OutputSlot, type OutputSpec, type SampleWindow, createOutputSlot } from '@tessera/core';
import { type ConformanceContext, FIELD, messageOf } from '../conformance-context.js';
import { fail } from '../conformance-error.js';
import { type WindowPlacer, describeWindow } from '../conformance-window.js';
import { describeDifference, formatValue } from '../deep-equal.js';
import { checkOutputSpec, createCanarySlot, describeOutput, findBadLength, findDirtyPadding, firstDifferentByte } from '../output-probe.js';
import { MATH_RANDOM_FIX, type SeededDecodeContext, createSeededDecodeContext, decodeTracked } from '../seeded-decode-context.js';

/** With the `window` option: the context every decode gets (seed 0, epoch 0, the sample's window). */
interface WindowedDecode {
  placer: WindowPlacer;
  context: SeededDecodeContext;
}

/** The seed of the DecodeContext of a windowed suite's decodes (a fixed choice, as without a context). */
const WINDOW_SEED = 0;

/**
 * Each decoder declares a valid OutputSpec and then keeps to it for every sample: it writes only
 * inside its slot (guard bytes before and after stay intact), writes every byte of it (the result
 * does not depend on what the slot held before), sets each variable length within the declared
 * maximum and zero-fills the padding; `checkDecoded` then compares the slot with the written value.
 * Decodes have no DecodeContext, except with the `window` option: then one seeded by 0 that carries
 * the sample's window.
 */
export async function checkDeclaredOutput(context: ConformanceContext): Promise<void> {
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
      const again = dataset.createDecoder(FIELD, decoder, options).output;
      const difference = describeDifference(output, again);
      if (difference !== undefined) fail(`${label}: a second setup on the same file declares a different output: ${difference}`);

      const placer = context.windowPlacer(dataset);
      const windowed: WindowedDecode | undefined = placer === undefined ? undefined : { placer, context: createSeededDecodeContext() };
      const withoutContext = windowed === undefined ? 'without a DecodeContext' : `with the same DecodeContext: seed ${WINDOW_SEED}, the same window`;
      for (let sampleIndex = 0; sampleIndex < dataset.numSamples; sampleIndex++) {
        let window: SampleWindow | undefined;
        try {
          window = windowed === undefined ? undefined : { ...windowed.placer.place(sampleIndex) };
        } catch (error) {
          fail(`${label}, sample ${sampleIndex}: placing the window option on the sample's timeline failed: ${messageOf(error)}`, error);
        }
        const where = `${label}, sample ${sampleIndex} (${formatValue(context.samples[sampleIndex])})${describeWindow(window)}`;
        // First into a view of a larger buffer, holding stale bytes like a reused batch slot.
        const canary = createCanarySlot(output);
        await decodeInto(instance, sampleIndex, canary.slot, where, label, windowed);
        const overrun = canary.findOverrun();
        if (overrun !== undefined) fail(`${where}: ${overrun}`);
        const unset = canary.slot.lengths.indexOf(-1);
        if (unset >= 0) {
          fail(`${where}: the decoder did not set lengths[${unset}] (output ${describeOutput(output)}): write each variable dimension's extent`);
        }
        const fresh = createOutputSlot(output);
        await decodeInto(instance, sampleIndex, fresh, `${where}, into a slot from createOutputSlot()`, label, windowed);
        const byte = firstDifferentByte(fresh.bytes, canary.slot.bytes);
        if (byte >= 0) {
          // Unwritten bytes, or an output that changes from run to run? A third run into a zeroed slot tells.
          const again = createOutputSlot(output);
          await decodeInto(instance, sampleIndex, again, `${where}, into a second slot from createOutputSlot()`, label, windowed);
          const repeated = firstDifferentByte(fresh.bytes, again.bytes);
          if (repeated >= 0) {
            fail(
              `${label} is not deterministic: sample ${sampleIndex} decoded twice into zeroed slots (${withoutContext}) differs at byte ${repeated} (0x${fresh.bytes[repeated]!.toString(16)}, then 0x${again.bytes[repeated]!.toString(16)}); without a context a decoder must make a fixed choice, and with one it must draw only from context.random: ${MATH_RANDOM_FIX}`,
            );
          }
          fail(
            `${where}: byte ${byte} of the slot is 0x${fresh.bytes[byte]!.toString(16)} when decoded into a zeroed slot but 0x${canary.slot.bytes[byte]!.toString(16)} in a slot holding older data; a decoder must write every byte of its slot (zero the padding), since the loader reuses slots across batches`,
          );
        }
        if (describeDifference(fresh.lengths, canary.slot.lengths) !== undefined) {
          fail(`${where}: lengths differ between a zeroed slot [${Array.from(fresh.lengths).join(', ')}] and a reused one [${Array.from(canary.slot.lengths).join(', ')}]`);
        }
        const badLength = findBadLength(output, fresh);
        if (badLength !== undefined) fail(`${where}: ${badLength}`);
        const dirty = findDirtyPadding(output, fresh);
        if (dirty !== undefined) fail(`${where}: ${dirty}`);
        if (context.options.checkDecoded !== undefined) {
          try {
            context.options.checkDecoded(context.samples[sampleIndex], fresh, output as OutputSpec, {
              decoder,
              decoderOptions: options,
              sampleIndex,
              window,
            });
          } catch (error) {
            fail(`${where}: checkDecoded: ${messageOf(error)}`, error);
          }
        }
      }
    }
  });
}

async function decodeInto(instance: DecoderInstance, sampleIndex: number, slot: OutputSlot, where: string, label: string, windowed: WindowedDecode | undefined): Promise<void> {
  if (windowed !== undefined) {
    windowed.context.reseed(WINDOW_SEED, 0, sampleIndex);
    windowed.context.window = windowed.placer.place(sampleIndex);
  }
  let mathRandomCalls = 0;
  try {
    const call = decodeTracked(instance, sampleIndex, slot, windowed?.context);
    mathRandomCalls = call.mathRandomCalls;
    if (call.pending !== undefined) await call.pending;
  } catch (error) {
    if (mathRandomCalls === 0) fail(`${where}: decode threw: ${messageOf(error)}`, error);
  }
  if (mathRandomCalls > 0) {
    fail(`${label} is not deterministic: it called Math.random() ${mathRandomCalls} time(s) while decoding sample ${sampleIndex}; ${MATH_RANDOM_FIX}`);
  }
}
