import { PLUGIN_SPEC_VERSION } from '@tessera/core';
import { type ConformanceContext, messageOf } from '../conformance-context.js';
import { fail } from '../conformance-error.js';
import { rebuildPlugin } from '../rebuild-plugin.js';

const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** The plugin object follows the contract, and its origin rebuilds an equivalent plugin. */
export async function checkPluginShape(context: ConformanceContext): Promise<void> {
  const plugin = context.plugin();
  if (plugin.specVersion !== PLUGIN_SPEC_VERSION) fail(`specVersion is ${String(plugin.specVersion)}; this @tessera/core implements ${PLUGIN_SPEC_VERSION}`);
  if (typeof plugin.name !== 'string' || plugin.name.length === 0) fail('plugin.name must be the npm package name');
  if (typeof plugin.version !== 'string' || !SEMVER.test(plugin.version)) {
    fail(`plugin.version ${JSON.stringify(plugin.version)} is not a semver version (files record it; readers compare it)`);
  }
  if (!Array.isArray(plugin.codecs)) fail('plugin.codecs must be an array of codecs');
  const ids = plugin.codecs.map((codec) => codec.id);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate !== undefined) fail(`plugin ${plugin.name} has two codecs with id "${duplicate}"`);
  const codec = context.codec();
  if (!/^[^\s/]+\/[^\s]+$/.test(codec.id)) fail(`codec id "${codec.id}" should read "<short plugin>/<kind>" (e.g. "acme/boxes") and contain no spaces`);
  if (codec.decoders[codec.defaultDecoder] === undefined) fail(`defaultDecoder "${codec.defaultDecoder}" is not one of its decoders`);
  for (const [name] of context.decoders()) {
    if (codec.decoders[name] === undefined) {
      fail(`decoders names "${name}", which codec ${codec.id} does not have; it has ${Object.keys(codec.decoders).map((key) => `"${key}"`).join(', ')}`);
    }
  }
  const fieldPlugin = context.options.field.plugin;
  if (fieldPlugin?.name !== plugin.name) {
    fail(`the field spec names plugin ${String(fieldPlugin?.name)}, but plugin() returns ${plugin.name}; use the plugin's own field constructor`);
  }
  if (plugin.origin === undefined) {
    fail(`plugin ${plugin.name} has no origin, so worker threads cannot rebuild it; set origin: { module: import.meta.url, exportName: '<factory>' }`);
  }
  try {
    JSON.stringify(plugin.origin.options);
  } catch (error) {
    fail(`origin.options must be JSON: ${messageOf(error)}`);
  }
  let rebuilt: Awaited<ReturnType<typeof rebuildPlugin>>;
  try {
    rebuilt = await rebuildPlugin(plugin.origin, plugin.name);
  } catch (error) {
    fail(messageOf(error), error);
  }
  const same = (label: string, expected: unknown, actual: unknown) => {
    if (JSON.stringify(expected) !== JSON.stringify(actual)) {
      fail(`the plugin rebuilt from its origin has ${label} ${JSON.stringify(actual)}, the original ${JSON.stringify(expected)}`);
    }
  };
  same('name', plugin.name, rebuilt.name);
  same('version', plugin.version, rebuilt.version);
  same('codec ids', ids, rebuilt.codecs.map((candidate) => candidate.id));
  same('origin', plugin.origin, rebuilt.origin);
}
