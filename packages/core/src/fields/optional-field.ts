/**
 * `optional(field)`: a plugin field that a sample may lack — a video without an audio track, an
 * image without a caption. The value `null` (or leaving the field out of the sample) stores "absent".
 *
 *   metadata column: the inner field's column, then one presence byte (1 present, 0 absent),
 *                    padded to the inner column's alignment
 *   descriptor:      type id 255, codec "core/optional" of @tessera/core, whose arguments are the
 *                    inner field's identity { codec, plugin, version, factory?, arguments } — a
 *                    reader without optional fields says "install @tessera/core" instead of
 *                    misreading the column
 *
 * Reading: `read` gives null for an absent sample; every decoder of the inner field is kept and
 * writes zeros (and zero lengths) for an absent sample without calling the inner decoder; the
 * decoder `present` gives a uint8 mask, which the loader adds to the batch as `<name>.present` by
 * itself, so an absent stream is never a silent run of zeros. `timeline` is false for an absent
 * sample: a window over an optional stream is E_MISSING_STREAM there.
 */
import { ArgumentError } from '../errors.js';
import type { DecoderDefinition, DecoderInstance, FieldCodec, FieldReader, FieldSpec, JsonValue, MetadataLayout, OutputSlot } from '../registry/plugin-contract.js';

export const OPTIONAL_CODEC_ID = 'core/optional';
/** The name of the presence decoder every optional field has. */
export const PRESENT_DECODER = 'present';

/** The arguments of an optional field: the inner field's identity. */
export type OptionalArguments = {
  codec: string;
  plugin: string;
  version: string;
  factory?: string;
  arguments: JsonValue;
};

/** Wraps a plugin field so samples may lack it: `{ audio: optional(waveform({ sampleRate: 16000 })) }`. */
export function optional(field: FieldSpec): FieldSpec {
  if (field === null || typeof field !== 'object' || typeof field.codecId !== 'string' || field.plugin === undefined) {
    throw new ArgumentError('optional()', 'takes a field spec made by a field constructor, e.g. optional(waveform({ sampleRate: 16000 }))');
  }
  if (field.codecId === OPTIONAL_CODEC_ID) throw new ArgumentError('optional()', 'the field is optional already');
  return { plugin: field.plugin, codecId: OPTIONAL_CODEC_ID, arguments: { codec: field.codecId, arguments: field.arguments }, ...(field.uses === undefined ? {} : { uses: field.uses }) };
}

const align = (value: number, alignment: number): number => Math.ceil(value / alignment) * alignment;

/** The byte of the presence flag in the column: right after the inner column. */
export function presenceOffset(innerLayout: MetadataLayout): number {
  return innerLayout.byteLength;
}

/**
 * The codec of one optional field, around its resolved inner codec (made per field by the writer's
 * schema plan and by the reader, which look the inner codec up in their registry).
 */
export function createOptionalCodec(inner: FieldCodec): FieldCodec<unknown, OptionalArguments> & { readonly inner: FieldCodec } {
  const innerArguments = (args: OptionalArguments) => args.arguments;
  const layoutOf = (args: OptionalArguments): MetadataLayout => inner.metadataLayout(innerArguments(args));
  /** The inner codec's view of a field: the same column and file, with the inner arguments and codec id. */
  const readers = new WeakMap<FieldReader, FieldReader>();
  const innerReader = (field: FieldReader<OptionalArguments>): FieldReader => {
    let reader = readers.get(field);
    if (reader === undefined) {
      // The reader itself underneath (methods run with it as `this`), the inner arguments on top.
      reader = Object.create(field, {
        arguments: { value: (field.arguments as OptionalArguments).arguments, enumerable: true },
        codecId: { value: inner.id, enumerable: true },
      }) as FieldReader;
      readers.set(field, reader);
    }
    return reader;
  };
  const presence = new WeakMap<FieldReader, number>();
  const flagOffset = (field: FieldReader<OptionalArguments>): number => {
    let offset = presence.get(field);
    if (offset === undefined) {
      offset = presenceOffset(layoutOf(field.arguments));
      presence.set(field, offset);
    }
    return offset;
  };
  const isPresent = (field: FieldReader<OptionalArguments>, sampleIndex: number): boolean => field.metadata.getUint8(field.recordOffset(sampleIndex) + flagOffset(field)) !== 0;

  const decoders: Record<string, DecoderDefinition<OptionalArguments>> = {};
  for (const [name, definition] of Object.entries(inner.decoders)) {
    decoders[name] = {
      ...(definition.options === undefined ? {} : { options: definition.options }),
      setup(field, options) {
        const instance: DecoderInstance = definition.setup(innerReader(field), options);
        const flag = flagOffset(field);
        const wrapped: DecoderInstance = {
          output: instance.output,
          ...(instance.description === undefined ? {} : { description: instance.description }),
          ...(instance.random === undefined ? {} : { random: instance.random }),
          decode(sampleIndex: number, slot: OutputSlot, context) {
            if (field.metadata.getUint8(field.recordOffset(sampleIndex) + flag) === 0) {
              slot.bytes.fill(0);
              slot.lengths.fill(0);
              return;
            }
            return context === undefined ? instance.decode(sampleIndex, slot) : instance.decode(sampleIndex, slot, context);
          },
        };
        return wrapped;
      },
    };
  }
  decoders[PRESENT_DECODER] = {
    options: [],
    setup(field) {
      const flag = flagOffset(field);
      return {
        output: { dtype: 'uint8', shape: [] },
        decode(sampleIndex: number, slot: OutputSlot) {
          slot.bytes[0] = field.metadata.getUint8(field.recordOffset(sampleIndex) + flag) === 0 ? 0 : 1;
        },
      };
    },
  };

  const codec: FieldCodec<unknown, OptionalArguments> & { readonly inner: FieldCodec } = {
    id: OPTIONAL_CODEC_ID,
    inner,
    metadataLayout(args) {
      const layout = layoutOf(args);
      return { byteLength: align(layout.byteLength + 1, layout.alignment), alignment: layout.alignment };
    },
    encode(value, args, target) {
      if (value === null || value === undefined) return;
      target.metadata.setUint8(presenceOffset(layoutOf(args)), 1);
      return inner.encode(value, innerArguments(args), target);
    },
    ...(inner.toTransferable === undefined
      ? {}
      : { toTransferable: (value: unknown, args: OptionalArguments) => (value === null || value === undefined ? null : inner.toTransferable!(value, innerArguments(args))) }),
    ...(inner.validate === undefined ? {} : { validate: (field: FieldReader<OptionalArguments>) => inner.validate!(innerReader(field)) }),
    read(field, sampleIndex) {
      return isPresent(field, sampleIndex) ? inner.read(innerReader(field), sampleIndex) : null;
    },
    toJSON(field, sampleIndex) {
      if (!isPresent(field, sampleIndex)) return null;
      return inner.toJSON === undefined ? inner.read(innerReader(field), sampleIndex) : inner.toJSON(innerReader(field), sampleIndex);
    },
    /** An absent value is the JSON null; a present one the inner field's preview (or its toJSON value). */
    preview(field, sampleIndex, options) {
      if (!isPresent(field, sampleIndex)) return { kind: 'json', value: null };
      if (inner.preview !== undefined) return inner.preview(innerReader(field), sampleIndex, options);
      return { kind: 'json', value: inner.toJSON === undefined ? inner.read(innerReader(field), sampleIndex) : inner.toJSON(innerReader(field), sampleIndex) };
    },
    ...(inner.statistics === undefined
      ? {}
      : { statistics: (field: FieldReader<OptionalArguments>, sampleIndex: number) => (isPresent(field, sampleIndex) ? inner.statistics!(innerReader(field), sampleIndex) : {}) }),
    ...(inner.length === undefined
      ? {}
      : { length: (field: FieldReader<OptionalArguments>, sampleIndex: number) => (isPresent(field, sampleIndex) ? inner.length!(innerReader(field), sampleIndex) : 0) }),
    ...(inner.timeline === undefined
      ? {}
      : { timeline: (field: FieldReader<OptionalArguments>, sampleIndex: number, out) => isPresent(field, sampleIndex) && inner.timeline!(innerReader(field), sampleIndex, out) }),
    ...(inner.anchors === undefined
      ? {}
      : { anchors: (field: FieldReader<OptionalArguments>, sampleIndex: number, out: Float64Array) => (isPresent(field, sampleIndex) ? inner.anchors!(innerReader(field), sampleIndex, out) : 0) }),
    decoders,
    defaultDecoder: inner.defaultDecoder,
  };
  return codec;
}

export const isOptionalCodec = (codec: FieldCodec): codec is FieldCodec<unknown, OptionalArguments> & { readonly inner: FieldCodec } =>
  codec.id === OPTIONAL_CODEC_ID && (codec as { inner?: unknown }).inner !== undefined;
