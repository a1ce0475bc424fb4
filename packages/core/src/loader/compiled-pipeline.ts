import { ArgumentError, PluginError, TesseraError, wrapPluginError } from '../errors.js';
import type { Dataset } from '../reader/open-dataset.js';
import type { DecoderInstance, JsonValue, SampleWindow } from '../registry/plugin-contract.js';
import { allocateSlotMemory, checkOutputSpec, createSlots, specByteLength } from '../registry/output-slots.js';
import type { ReseedableRandomSource } from './orders/random.js';
import { type WindowState, updateWindow } from './sample-window.js';
import type {
  FieldPipeline,
  OutputSlot,
  OutputSpec,
  SampleContext,
  SampleOperation,
  SampleOperationInstance,
} from './pipeline-contract.js';

/**
 * One field's decoder and sample operations, set up once, run per sample into preallocated slots.
 * Stages run stage-major over a batch; intermediate stages write into per-position scratch slots
 * (so asynchronous stages can have many samples in flight); the last stage writes into the batch slot.
 */
export interface CompiledField {
  /** The output's name in the batch (the pipeline's key). */
  readonly name: string;
  /** The stored field decoded (equal to `name` unless the pipeline names another field). */
  readonly source: string;
  /** The decoder's own `description`, when it gives one. */
  readonly description: string | undefined;
  /** spec of what the field's pipeline produces per sample */
  readonly output: OutputSpec;
  readonly elementCount: number;
  readonly byteLength: number;
  readonly stageNames: readonly string[];
  /**
   * Runs every stage for the samples at batch positions [from, to), stage by stage (each stage over
   * all positions, so asynchronous stages have every sample of the range in flight), writing the
   * last stage into `targets[position]`. Adds each stage's wall time to `stageMilliseconds`.
   * Returns a promise only when some stage is asynchronous.
   */
  runBatch(
    sampleIndices: Uint32Array,
    /** per position: which occurrence of its sample (0 without the loader's `repeat`) */
    occurrences: Uint32Array,
    from: number,
    to: number,
    targets: readonly OutputSlot[],
    contexts: readonly SampleRunContext[],
    stageMilliseconds: Float64Array,
  ): void | Promise<void>;
}

/** Reused per batch position: the random source is reseeded for every sample and stage. */
export interface SampleRunContext extends SampleContext {
  sampleIndex: number;
  epoch: number;
  /** which of the `occurrences` of the sample in the epoch (the loader's `repeat`) */
  occurrence: number;
  occurrences: number;
  readonly random: ReseedableRandomSource;
  seed: number;
  /** with the loader's `window`: the sample's window (set before the first stage of every field) */
  window?: SampleWindow;
  /** with the loader's `window`: the planner and the (sample, occurrence, epoch) `window` holds */
  readonly windowState?: WindowState;
}

const SCRATCH_ALIGNMENT = 64;
const alignTo = (value: number, alignment: number) => Math.ceil(value / alignment) * alignment;

interface Stage {
  name: string;
  output: OutputSpec;
  /** per-position scratch output (undefined for the last stage, which writes to the target) */
  scratch: OutputSlot[] | undefined;
}

export function compileField(
  dataset: Dataset,
  name: string,
  pipeline: FieldPipeline,
  positions: number,
  stageSalt: number,
  source: string = name,
): CompiledField {
  let decoder: DecoderInstance;
  try {
    decoder = dataset.createDecoder(source, pipeline.decoder, pipeline.decoderOptions as JsonValue | undefined);
  } catch (error) {
    if (error instanceof TesseraError) throw error;
    throw wrapPluginError(error, { plugin: 'unknown', hook: 'decoder setup', field: name });
  }
  checkOutputSpec(decoder.output, `decoder ${pipeline.decoder ?? '(default)'} of field "${name}"`);
  const operations: SampleOperation[] = [];
  for (const operation of pipeline.operations ?? []) {
    if (operation.kind === 'sample') operations.push(operation);
    else if (operation.kind !== 'batch') throw new ArgumentError(`pipelines.${name}`, `operation ${JSON.stringify((operation as { name?: string }).name)} has no kind 'sample' or 'batch'`);
  }
  const instances: SampleOperationInstance[] = [];
  const stages: Stage[] = [{ name: `decode:${pipeline.decoder ?? 'default'}`, output: decoder.output, scratch: undefined }];
  let current = decoder.output;
  for (const operation of operations) {
    let instance: SampleOperationInstance;
    try {
      instance = operation.setup(current);
    } catch (error) {
      throw new PluginError('E_PLUGIN', `operation ${operation.name} cannot follow ${JSON.stringify(current)} in field "${name}": ${error instanceof Error ? error.message : String(error)}`, {
        plugin: operation.name,
        hook: 'setup',
        field: name,
        cause: error,
      });
    }
    checkOutputSpec(instance.output, `operation ${operation.name} of field "${name}"`);
    if (instance.inPlace && !sameSpec(instance.output, current)) {
      throw new PluginError('E_PLUGIN', `operation ${operation.name} is in place but changes the output ${JSON.stringify(current)} → ${JSON.stringify(instance.output)}`, {
        plugin: operation.name,
        field: name,
      });
    }
    instances.push(instance);
    stages.push({ name: operation.name, output: instance.output, scratch: undefined });
    current = instance.output;
  }
  // Where each stage writes: the last stage (and the stages feeding in-place operations that end
  // the chain) write to the batch slot; every other stage to per-position scratch.
  const last = stages.length - 1;
  for (let index = last - 1; index >= 0; index--) {
    const consumer = instances[index]!;
    if (consumer.inPlace) {
      stages[index]!.scratch = stages[index + 1]!.scratch;
      continue;
    }
    const spec = stages[index]!.output;
    const stride = alignTo(Math.max(specByteLength(spec), 8), SCRATCH_ALIGNMENT);
    const memory = allocateSlotMemory(stride * positions, false, { where: `stage ${stages[index]!.name} of field "${name}"`, spec, count: positions });
    stages[index]!.scratch = createSlots(spec, memory, 0, positions, stride);
  }
  const output = current;
  const elementCount = output.shape.reduce((product, extent) => product * extent, 1);
  const stageNames = stages.map((stage) => stage.name);
  const slotOf = (stageIndex: number, position: number, target: OutputSlot) => stages[stageIndex]!.scratch?.[position] ?? target;

  const plugin = dataset.fields.find((field) => field.name === source)?.plugin ?? 'unknown';
  const fail = (error: unknown, stageIndex: number, sampleIndex: number): never => {
    if (error instanceof TesseraError && (error.code === 'E_SAMPLE_INDEX' || error.code === 'E_ALLOCATION_OUT_OF_BOUNDS')) throw error;
    throw wrapPluginError(error, { plugin: stageIndex === 0 ? plugin : stageNames[stageIndex]!, hook: stageNames[stageIndex]!, field: name, sampleIndex });
  };

  /** One stage over positions [from, to): synchronous unless some call returned a promise. */
  const runStage = (
    stageIndex: number,
    sampleIndices: Uint32Array,
    occurrences: Uint32Array,
    from: number,
    to: number,
    targets: readonly OutputSlot[],
    contexts: readonly SampleRunContext[],
  ): Promise<void> | undefined => {
    let pending: Array<Promise<void>> | undefined;
    if (stageIndex === 0) {
      const reseed = decoder.random === true;
      for (let position = from; position < to; position++) {
        const sampleIndex = sampleIndices[position]!;
        const context = contexts[position]!;
        context.sampleIndex = sampleIndex;
        const occurrence = occurrences[position]!;
        context.occurrence = occurrence;
        if (context.windowState !== undefined) {
          try {
            context.window = updateWindow(context.windowState, sampleIndex, occurrence, context.epoch);
          } catch (error) {
            if (error instanceof TesseraError) throw error;
            fail(error, 0, sampleIndex);
          }
        }
        // The first occurrence keeps the streams a loader without `repeat` uses.
        if (reseed && occurrence === 0) context.random.reseed(context.seed, context.epoch, sampleIndex, stageSalt);
        else if (reseed) context.random.reseed(context.seed, context.epoch, sampleIndex, stageSalt, occurrence);
        // biome-ignore lint/complexity/noUselessUndefinedInitialization: TypeScript needs it assigned before the catch
        let result: void | Promise<void> = undefined;
        try {
          result = decoder.decode(sampleIndex, slotOf(0, position, targets[position]!), context);
        } catch (error) {
          fail(error, 0, sampleIndex);
        }
        if (result !== undefined) (pending ??= []).push((result as Promise<void>).catch((error: unknown) => fail(error, 0, sampleIndex)));
      }
    } else {
      const instance = instances[stageIndex - 1]!;
      const salt = stageSalt + stageIndex;
      for (let position = from; position < to; position++) {
        const sampleIndex = sampleIndices[position]!;
        const context = contexts[position]!;
        context.sampleIndex = sampleIndex;
        const occurrence = occurrences[position]!;
        context.occurrence = occurrence;
        if (occurrence === 0) context.random.reseed(context.seed, context.epoch, sampleIndex, salt);
        else context.random.reseed(context.seed, context.epoch, sampleIndex, salt, occurrence);
        const target = targets[position]!;
        // biome-ignore lint/complexity/noUselessUndefinedInitialization: TypeScript needs it assigned before the catch
        let result: void | Promise<void> = undefined;
        try {
          result = instance.apply(slotOf(stageIndex - 1, position, target), slotOf(stageIndex, position, target), context);
        } catch (error) {
          fail(error, stageIndex, sampleIndex);
        }
        if (result !== undefined) (pending ??= []).push((result as Promise<void>).catch((error: unknown) => fail(error, stageIndex, sampleIndex)));
      }
    }
    return pending === undefined ? undefined : Promise.all(pending).then(() => undefined);
  };

  return {
    name,
    source,
    description: typeof decoder.description === 'string' ? decoder.description : undefined,
    output,
    elementCount,
    byteLength: specByteLength(output),
    stageNames,
    runBatch(sampleIndices, occurrences, from, to, targets, contexts, stageMilliseconds) {
      for (let stageIndex = 0; stageIndex <= last; stageIndex++) {
        const started = performance.now();
        const pending = runStage(stageIndex, sampleIndices, occurrences, from, to, targets, contexts);
        if (pending !== undefined) {
          return pending.then(async () => {
            stageMilliseconds[stageIndex] = stageMilliseconds[stageIndex]! + performance.now() - started;
            for (let next = stageIndex + 1; next <= last; next++) {
              const nextStarted = performance.now();
              await runStage(next, sampleIndices, occurrences, from, to, targets, contexts);
              stageMilliseconds[next] = stageMilliseconds[next]! + performance.now() - nextStarted;
            }
          });
        }
        stageMilliseconds[stageIndex] = stageMilliseconds[stageIndex]! + performance.now() - started;
      }
      return undefined;
    },
  };
}

function sameSpec(a: OutputSpec, b: OutputSpec): boolean {
  return a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((extent, index) => extent === b.shape[index]) && String(a.variableDims ?? []) === String(b.variableDims ?? []);
}
