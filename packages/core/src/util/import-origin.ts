import { PluginError } from '../errors.js';
import type { PluginOrigin } from '../registry/plugin-contract.js';

/** `(await import(origin.module))[origin.exportName](origin.options)`: how workers rebuild plugins and operations. */
export async function importFromOrigin<T>(origin: PluginOrigin, what: string): Promise<T> {
  let factory: unknown;
  try {
    factory = ((await import(origin.module)) as Record<string, unknown>)[origin.exportName];
  } catch (cause) {
    throw new PluginError('E_PLUGIN', `a worker could not import ${origin.module} for ${what}: ${String(cause)}`, { plugin: what, cause });
  }
  if (typeof factory !== 'function') {
    throw new PluginError('E_PLUGIN', `${origin.module} does not export a function ${origin.exportName} (${what})`, { plugin: what });
  }
  return (factory as (options?: unknown) => T)(origin.options);
}
