import { type OutputSpec, createOutputSlot } from '@tessera/core';

/** A random source that replays fixed floats (nextInt = floor(float × bound)), for hand-checked examples. */
export function replayRandom(values: readonly number[]) {
  let index = 0;
  const nextFloat = () => values[index++ % values.length]!;
  return { nextFloat, nextInt: (bound: number) => Math.floor(nextFloat() * bound), nextUint32: () => Math.floor(nextFloat() * 2 ** 32) };
}

/** A sample context for calling operations by hand. */
export function sampleContext(values: readonly number[]) {
  return { sampleIndex: 0, epoch: 0, random: replayRandom(values) };
}

export function slotWith(spec: OutputSpec, values?: ArrayLike<number>) {
  const slot = createOutputSlot(spec);
  if (values !== undefined) (slot.data as Uint8Array).set(values);
  return slot;
}
