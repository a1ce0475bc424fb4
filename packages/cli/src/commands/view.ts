import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { ByteSourceProvider, TesseraPlugin } from '@tessera/core';
import { defineCommand } from '../command.js';
import { EXIT_CODE } from '../exit-code.js';
import { remoteReadOptions } from '../remote-location.js';
import { importOptionalPackage } from '../import-optional-package.js';
import { PLUGIN_OPTION, loadPlugins, loadRequiredPlugins, parsePluginSpecifier } from '../load-plugins.js';
import { checkReadableFile, resolveFileArgument } from '../open-dataset-file.js';
import { UsageError } from '../usage-error.js';

/**
 * What `tessera view` uses from @tessera/viewer, declared here so the CLI does not depend on it:
 * the viewer is optional (a page most CI machines never open) and loaded only by this command.
 */
export interface ViewerPackage {
  createViewer(options: {
    path: string;
    plugins?: readonly TesseraPlugin[];
    sidecars?: readonly string[];
    byteSources?: ByteSourceProvider[];
    host?: string;
    port?: number;
  }): Promise<{ url: string; port: number; close(): Promise<void> }>;
}

export const VIEWER_PACKAGE = '@tessera/viewer';

const MAX_PORT = 65_535;

export const viewCommand = defineCommand({
  name: 'view',
  summary: 'show a .beton file in the browser: header, samples, statistics, filters',
  positionalNames: ['FILE'],
  description: [
    'Starts a local, read-only web page for FILE (needs @tessera/viewer: npm install @tessera/viewer)',
    'and prints its URL; serves until Ctrl-C. It binds 127.0.0.1 by default, so only this machine can',
    'open it; from another machine use an SSH tunnel (ssh -L 8080:127.0.0.1:8080 HOST, then',
    '`tessera view FILE --port 8080` on HOST and open http://127.0.0.1:8080/ here). The plugins the',
    'file names are loaded as for `tessera inspect`.',
    '',
    'Exit codes: 0 stopped by Ctrl-C, 1 the file cannot be opened or the port is taken, 2 bad command line.',
  ].join('\n'),
  options: {
    port: { type: 'string', valueName: 'N', description: 'the port to listen on (default: a free one)' },
    host: { type: 'string', valueName: 'HOST', description: 'the address to listen on (default 127.0.0.1; 0.0.0.0 exposes the data to the network)' },
    open: { type: 'boolean', description: 'open the page in the default browser (xdg-open or open; failures are ignored)' },
    sidecar: { type: 'string', multiple: true, valueName: 'FILE', description: 'a sidecar file (writeSidecar) whose fields join FILE by sample index' },
    plugin: PLUGIN_OPTION,
  },
  async run({ options, positionals }, context) {
    const port = parsePort(options.port);
    for (const text of options.plugin) parsePluginSpecifier(text, 'view');
    const remote = await remoteReadOptions(positionals[0]!, context.cwd, 'view');
    if (remote !== undefined && options.sidecar.length > 0) throw new UsageError('--sidecar works with local files only; download the files of a remote dataset to view its sidecars', 'view');
    const path = remote === undefined ? resolveFileArgument(positionals[0]!, context) : positionals[0]!;
    const sidecars = options.sidecar.map((sidecar) => resolveFileArgument(sidecar, context));
    if (remote === undefined) for (const file of [path, ...sidecars]) checkReadableFile(file);
    const viewerPackage = await importOptionalPackage<ViewerPackage>({ specifier: VIEWER_PACKAGE, command: 'tessera view', requiredExport: 'createViewer', cwd: context.cwd });
    const plugins = await loadPlugins(options.plugin, context.cwd, 'view');
    for (const file of [path, ...sidecars]) plugins.push(...(await loadRequiredPlugins(file, plugins, context.cwd, remote)));
    const viewer = await viewerPackage.createViewer({
      path,
      plugins,
      sidecars,
      ...remote,
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(port === undefined ? {} : { port }),
    });
    context.stdout.write(`tessera view: ${viewer.url} (${path}; Ctrl-C to stop)\n`);
    if (options.open) openInBrowser(viewer.url);
    await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    await viewer.close();
    return EXIT_CODE.SUCCESS;
  },
});

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,5}$/.test(text) || Number(text) > MAX_PORT) throw new UsageError(`--port must be a whole number from 0 to ${MAX_PORT}; got ${JSON.stringify(text)}`, 'view');
  return Number(text);
}

/** Best effort: a headless machine has no browser, and the URL is printed anyway. */
function openInBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // ignored: see above
  }
}
