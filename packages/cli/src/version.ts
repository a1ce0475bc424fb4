import packageJson from '../package.json' with { type: 'json' };

/** This package's version (bundled from package.json at build time). */
export const CLI_VERSION: string = packageJson.version;
