import { TesseraError } from '@tessera/core';

/**
 * Imports an optional peer package (`@tessera/video`, `@tessera/audio`) only when a build needs it:
 * users of timedText alone never load ffmpeg or node-av. A package that is not installed is
 * E_PLUGIN_MISSING naming it, what needs it and the install command; any other failure while
 * loading it (a broken install) passes through.
 */
export async function importOptionalPeer<T>(name: string, neededFor: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const message = error instanceof Error ? error.message : String(error);
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${name}'`)) {
      throw new TesseraError('E_PLUGIN_MISSING', `${neededFor} needs ${name}, which is not installed: npm install ${name} (it is an optional peer dependency of @tessera/multimodal)`, { cause: error });
    }
    throw error;
  }
}
