import type { PluginOrigin, TesseraPlugin } from '@tessera/core';

/**
 * Rebuilds a plugin the way worker threads do: `(await import(origin.module))[origin.exportName](origin.options)`.
 * Errors say what to fix in the origin.
 */
export async function rebuildPlugin(origin: PluginOrigin, pluginName: string): Promise<TesseraPlugin> {
  if (origin === null || typeof origin !== 'object' || typeof origin.module !== 'string' || typeof origin.exportName !== 'string') {
    throw new Error(`plugin ${pluginName} has an invalid origin ${JSON.stringify(origin)}; expected { module, exportName, options? }`);
  }
  if (/\.[cm]?tsx?$/.test(origin.module.split(/[?#]/)[0]!)) {
    throw new Error(
      `plugin ${pluginName} has origin.module ${origin.module}, a TypeScript source; worker threads import plain JavaScript, so build the package and test the plugin imported from its dist/ files`,
    );
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(origin.module)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(
      `cannot import origin.module ${origin.module} of plugin ${pluginName}: ${error instanceof Error ? error.message : String(error)}; use an absolute file URL (import.meta.url) or a package name resolvable from anywhere`,
      { cause: error },
    );
  }
  const factory = namespace[origin.exportName];
  if (typeof factory !== 'function') {
    throw new Error(`${origin.module} does not export a function "${origin.exportName}" (origin.exportName of plugin ${pluginName}); it exports ${Object.keys(namespace).join(', ') || 'nothing'}`);
  }
  return (factory as (options: unknown) => TesseraPlugin)(origin.options);
}
