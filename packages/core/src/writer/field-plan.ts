import { ArgumentError, PluginError, TesseraError, wrapPluginError } from '../errors.js';
import { corePlugin } from '../fields/core-plugin.js';
import type { FieldCodec, FieldSpec, JsonValue, MetadataLayout, TesseraPlugin } from '../registry/plugin-contract.js';
import { type Registry, createRegistry } from '../registry/registry.js';
import { TYPE_ID } from '../spec/constants.js';
import { checkFieldName } from '../spec/field-descriptor.js';
import { computeRecordLayout } from '../spec/metadata-layout.js';
import { encodePluginArguments } from '../spec/plugin-arguments.js';
import { importFromOrigin } from '../util/import-origin.js';
import { OPTIONAL_CODEC_ID, type OptionalArguments, createOptionalCodec } from '../fields/optional-field.js';
import { PACKAGE_VERSION } from '../version.js';

/** One schema field, resolved against the registry: everything the writer needs about it. */
export interface FieldPlan {
  name: string;
  codec: FieldCodec;
  plugin: TesseraPlugin;
  typeId: number;
  arguments: JsonValue;
  /** the 1024 descriptor argument bytes (possibly shorter: the rest is zero) */
  argumentBytes: Uint8Array;
  layout: MetadataLayout;
  /** byte offset of the column inside a record */
  columnOffset: number;
}

export interface SchemaPlan {
  fields: FieldPlan[];
  recordByteLength: number;
  registry: Registry;
}

/** What crosses to a worker thread to rebuild the plan there. */
export interface SerializedSchema {
  plugins: Array<{ name: string; module: string; exportName: string; options?: JsonValue }>;
  fields: Array<{ name: string; codecId: string; arguments: JsonValue }>;
}

export type Schema = Readonly<Record<string, FieldSpec>>;

export function planSchema(schema: Schema, extraPlugins: readonly TesseraPlugin[] = []): SchemaPlan {
  if (schema === null || typeof schema !== 'object') throw new ArgumentError('schema', 'expected an object mapping field names to field specs');
  const entries = Object.entries(schema);
  if (entries.length === 0) throw new ArgumentError('schema', 'has no fields; describe at least one, e.g. { label: int64() }');
  if (entries.length > 0xffff) throw new ArgumentError('schema', `has ${entries.length} fields, more than 65535`);
  const plugins: TesseraPlugin[] = [corePlugin()];
  for (const [name, spec] of entries) {
    checkFieldName(name);
    if (spec === null || typeof spec !== 'object' || typeof spec.codecId !== 'string' || spec.plugin === undefined) {
      throw new ArgumentError(`schema.${name}`, 'is not a field spec; use a field constructor such as int64(), bytes(), ndarray({...})');
    }
    if (!plugins.includes(spec.plugin)) plugins.push(spec.plugin);
    if (spec.uses !== undefined) {
      if (!Array.isArray(spec.uses)) throw new ArgumentError(`schema.${name}`, 'has a `uses` that is not an array of plugins');
      for (const used of spec.uses) if (!plugins.includes(used)) plugins.push(used);
    }
  }
  for (const plugin of extraPlugins) if (!plugins.includes(plugin)) plugins.push(plugin);
  const registry = createRegistry(plugins);
  const fields: FieldPlan[] = [];
  for (const [name, spec] of entries) {
    if (spec.codecId === OPTIONAL_CODEC_ID) {
      fields.push(planOptionalField(name, spec, registry));
      continue;
    }
    const entry = registry.byCodecId(spec.codecId);
    if (entry === undefined) {
      throw new PluginError('E_PLUGIN_MISSING', `field "${name}" uses codec ${spec.codecId}, which no given plugin provides`, {
        plugin: spec.plugin.name,
        field: name,
      });
    }
    const { codec, plugin, typeId } = entry;
    let args: JsonValue;
    let argumentBytes: Uint8Array;
    let layout: MetadataLayout;
    try {
      args = codec.normalizeArguments ? codec.normalizeArguments(spec.arguments) : spec.arguments;
      argumentBytes =
        typeId === TYPE_ID.PLUGIN
          ? encodePluginArguments(
              { codec: codec.id, plugin: plugin.name, version: plugin.version, factory: plugin.origin?.exportName, arguments: args },
              name,
            )
          : codec.encodeFfcvArguments!(args);
      layout = codec.metadataLayout(args);
    } catch (error) {
      if (error instanceof TesseraError && error.code === 'E_FIELD_ARGUMENTS') throw error;
      const wrapped = wrapPluginError(error, { plugin: plugin.name, hook: 'arguments', field: name });
      throw new PluginError('E_FIELD_ARGUMENTS', wrapped.message, { plugin: plugin.name, hook: 'arguments', field: name, cause: error });
    }
    if (!Number.isInteger(layout.byteLength) || layout.byteLength < 0 || ![1, 2, 4, 8].includes(layout.alignment)) {
      throw new PluginError('E_PLUGIN', `codec ${codec.id} declares an invalid metadata layout ${JSON.stringify(layout)}`, {
        plugin: plugin.name,
        field: name,
      });
    }
    fields.push({ name, codec, plugin, typeId, arguments: args, argumentBytes, layout, columnOffset: 0 });
  }
  const record = computeRecordLayout(fields.map((field) => field.layout));
  fields.forEach((field, index) => {
    field.columnOffset = record.offsets[index]!;
  });
  return { fields, recordByteLength: record.byteLength, registry };
}

/**
 * An optional field: the inner plugin field's plan (arguments normalized by its codec) wrapped by
 * `createOptionalCodec`, stored as core/optional with the inner identity as its arguments.
 */
function planOptionalField(name: string, spec: FieldSpec, registry: Registry): FieldPlan {
  const given = spec.arguments as Partial<OptionalArguments> | null;
  const innerId = given?.codec;
  const entry = typeof innerId === 'string' ? registry.byCodecId(innerId) : undefined;
  if (entry === undefined) {
    throw new PluginError('E_PLUGIN_MISSING', `field "${name}" is optional(${String(innerId)}), a codec no given plugin provides`, { plugin: spec.plugin.name, field: name });
  }
  const { codec: inner, plugin, typeId } = entry;
  if (typeId !== TYPE_ID.PLUGIN) {
    throw new ArgumentError(`schema.${name}`, `optional() takes plugin fields; ${inner.id} is one of FFCV's own field types, whose layout FFCV fixes (store a sentinel value, or use json())`);
  }
  const codec = createOptionalCodec(inner);
  let args: OptionalArguments;
  let argumentBytes: Uint8Array;
  let layout: MetadataLayout;
  try {
    const innerArgs = inner.normalizeArguments ? inner.normalizeArguments(given!.arguments as JsonValue) : (given!.arguments as JsonValue);
    args = { codec: inner.id, plugin: plugin.name, version: plugin.version, ...(plugin.origin === undefined ? {} : { factory: plugin.origin.exportName }), arguments: innerArgs };
    argumentBytes = encodePluginArguments({ codec: OPTIONAL_CODEC_ID, plugin: '@tessera/core', version: PACKAGE_VERSION, arguments: args as unknown as JsonValue }, name);
    layout = codec.metadataLayout(args);
  } catch (error) {
    if (error instanceof TesseraError && error.code === 'E_FIELD_ARGUMENTS') throw error;
    const wrapped = wrapPluginError(error, { plugin: plugin.name, hook: 'arguments', field: name });
    throw new PluginError('E_FIELD_ARGUMENTS', wrapped.message, { plugin: plugin.name, hook: 'arguments', field: name, cause: error });
  }
  return { name, codec: codec as FieldCodec, plugin, typeId: TYPE_ID.PLUGIN, arguments: args as unknown as JsonValue, argumentBytes, layout, columnOffset: 0 };
}

export function serializeSchema(plan: SchemaPlan): SerializedSchema {
  const plugins: SerializedSchema['plugins'] = [];
  for (const plugin of plan.registry.plugins) {
    if (plugin.origin === undefined) {
      throw new PluginError(
        'E_PLUGIN',
        `plugin ${plugin.name} has no origin, so worker threads cannot load it; give it an origin or write with workers: 0`,
        { plugin: plugin.name },
      );
    }
    plugins.push({ name: plugin.name, ...plugin.origin });
  }
  return {
    plugins,
    fields: plan.fields.map((field) => ({ name: field.name, codecId: field.codec.id, arguments: field.arguments })),
  };
}

/** Rebuilds a plan in a worker thread by importing each plugin's origin module. */
export async function deserializeSchema(serialized: SerializedSchema): Promise<SchemaPlan> {
  const plugins: TesseraPlugin[] = [];
  for (const origin of serialized.plugins) plugins.push(await importFromOrigin<TesseraPlugin>(origin, origin.name));
  const registry = createRegistry(plugins);
  const schema: Record<string, FieldSpec> = {};
  for (const field of serialized.fields) {
    // An optional field's plugin is its inner field's.
    const codecId = field.codecId === OPTIONAL_CODEC_ID ? (field.arguments as OptionalArguments).codec : field.codecId;
    const entry = registry.byCodecId(codecId);
    if (entry === undefined) throw new PluginError('E_PLUGIN_MISSING', `worker: no plugin provides codec ${codecId}`, { field: field.name });
    schema[field.name] = { plugin: entry.plugin, codecId: field.codecId, arguments: field.arguments };
  }
  return planSchema(schema, plugins);
}
